resource "aws_db_instance" "payments" {
  identifier              = "payments-prod"
  engine                  = "postgres"
  engine_version          = "16.3"
  instance_class          = "db.r6g.large"
  username                = "payments_admin"
  password                = "wC=!LBn63yqVFY?QVJBPaFKv"
  backup_retention_period = 35
  backup_window           = "03:00-04:00"
  snapshot_identifier     = "payments-prod-dr-2025-02-28"
  kms_key_id              = "arn:aws:kms:eu-west-1:482913745106:key/0d3c1b2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"
  deletion_protection     = true
}

resource "aws_db_instance" "payments_replica" {
  identifier          = "payments-prod-dr"
  replicate_source_db = aws_db_instance.payments.identifier
  password            = var.replica_password
}
