# Emergency IAM user for when the identity provider is unavailable.
# Console access: password + hardware MFA kept in the safe. Programmatic access: one key,
# encrypted to the security team's PGP key.

resource "aws_iam_user" "this" {
  name = var.user_name
  path = "/emergency/"
  tags = {
    Owner   = "sec-platform"
    Purpose = "break-glass"
  }
}

resource "aws_iam_access_key" "this" {
  user    = aws_iam_user.this.name
  pgp_key = var.pgp_key
}

resource "aws_iam_user_policy_attachment" "admin" {
  user       = aws_iam_user.this.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_cloudwatch_event_rule" "breakglass_used" {
  name        = "breakglass-user-activity"
  description = "Any API call by the break-glass user"
  event_pattern = jsonencode({
    detail = { userIdentity = { userName = [var.user_name] } }
  })
}

resource "aws_cloudwatch_event_target" "breakglass_used" {
  rule = aws_cloudwatch_event_rule.breakglass_used.name
  arn  = var.alert_sns
}

output "user_arn" { value = aws_iam_user.this.arn }
output "access_key_id" { value = aws_iam_access_key.this.id }
output "encrypted_secret" { value = aws_iam_access_key.this.encrypted_secret }
