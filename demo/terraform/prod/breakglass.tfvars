# Break-glass credentials for the org management account (318476520941).
# Used only with `terraform apply -var-file=breakglass.tfvars` when IAM Identity Center / Okta is down.
# Owner: Platform Security. Rotated: never (see SEC-880).
#
# DO NOT COMMIT -- keep this file in the safe.

breakglass_access_key_id     = "AKIAUUJVOBXW4CJ6L5VH"
breakglass_secret_access_key = "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"
breakglass_account_id        = "318476520941"
breakglass_role_name         = "OrganizationAccountAccessRole"
