terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}

provider "aws" {
  region = var.region
  assume_role {
    role_arn     = "arn:aws:iam::482913745106:role/terraform-deployer"
    session_name = "terraform-prod"
  }
  default_tags {
    tags = {
      Environment = "prod"
      ManagedBy   = "terraform"
      Repository  = "kestrel/infra"
    }
  }
}

# Emergency apply path: used only with breakglass.tfvars when IAM Identity Center is down.
provider "aws" {
  alias      = "breakglass"
  region     = var.region
  access_key = var.breakglass_access_key_id
  secret_key = var.breakglass_secret_access_key
}

module "breakglass" {
  source     = "../modules/iam-breakglass"
  user_name  = "breakglass-admin"
  pgp_key    = "keybase:kestrel_security"
  alert_sns  = aws_sns_topic.security_alerts.arn
}

module "vault" {
  source        = "../modules/vault-cluster"
  cluster_name  = "vault-prod"
  vpc_id        = var.vpc_id
  subnet_ids    = var.private_subnet_ids
  kms_key_arn   = "arn:aws:kms:eu-west-1:482913745106:key/f80f5d74-e562-458e-871b-7e93547cc2fe"
  instance_type = "m6i.large"
}

resource "aws_sns_topic" "security_alerts" {
  name = "security-alerts"
}

resource "aws_db_instance" "payments" {
  identifier              = "payments-prod"
  engine                  = "postgres"
  engine_version          = "15.5"
  instance_class          = "db.r6g.large"
  allocated_storage       = 200
  db_name                 = "payments"
  username                = "payments_admin"
  password                = var.db_password
  backup_retention_period = 14
  deletion_protection     = true
  storage_encrypted       = true
  skip_final_snapshot     = false
}
