provider "aws" {
  alias      = "breakglass"
  region     = "eu-west-1"
  access_key = var.breakglass_access_key_id
  secret_key = var.breakglass_secret_access_key
}

resource "aws_iam_user" "breakglass" {
  name = var.breakglass_user_name
  path = "/emergency/"
  tags = {
    Purpose = "break-glass"
  }
}

resource "aws_iam_user_login_profile" "breakglass" {
  user                    = aws_iam_user.breakglass.name
  pgp_key                 = "keybase:larkspur_secops"
  password_reset_required = true
}

resource "aws_secretsmanager_secret" "breakglass" {
  name                    = "breakglass/aws-admin"
  recovery_window_in_days = 7
  kms_key_id              = "arn:aws:kms:eu-west-1:318476520941:key/6b1f5c2e-8f0a-4d1e-9b7c-2f3e4a5b6c7d"
}
