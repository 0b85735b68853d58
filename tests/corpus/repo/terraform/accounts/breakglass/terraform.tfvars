# Break-glass access to the AWS organization management account.
# Use only when IAM Identity Center is down. Rotate after every use (see runbook).
breakglass_user_name         = "breakglass-admin"
breakglass_access_key_id     = "AKIA4FLCDG5SSDDEYYGD"
breakglass_secret_access_key = "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"
breakglass_role_arn          = "arn:aws:iam::318476520941:role/OrganizationAccountAccessRole"
breakglass_approvers         = ["maya.lindqvist@larkspur.io", "priya.raman@larkspur.io"]
