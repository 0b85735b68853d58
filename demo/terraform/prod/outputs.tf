output "breakglass_user_arn" {
  value = module.breakglass.user_arn
}

output "breakglass_access_key_id" {
  value     = module.breakglass.access_key_id
  sensitive = true
}

# Encrypted with the security team's keybase key; decrypt with `keybase pgp decrypt`.
output "breakglass_encrypted_secret" {
  value     = module.breakglass.encrypted_secret
  sensitive = true
}

output "payments_db_endpoint" {
  value = aws_db_instance.payments.endpoint
}
