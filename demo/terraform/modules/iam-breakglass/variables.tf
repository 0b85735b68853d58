variable "user_name" {
  type    = string
  default = "breakglass-admin"
}

variable "pgp_key" {
  description = "PGP key (or keybase:user) the access key secret is encrypted to."
  type        = string
}

variable "alert_sns" {
  description = "SNS topic ARN that receives break-glass usage alerts."
  type        = string
}
