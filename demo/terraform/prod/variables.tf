variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  type = list(string)
}

variable "db_password" {
  description = "Master password for payments-prod. Supplied from Vault by the pipeline."
  type        = string
  sensitive   = true
}

# Break-glass provider credentials. Only set via breakglass.tfvars during an incident.
variable "breakglass_access_key_id" {
  type      = string
  default   = ""
  sensitive = true
}

variable "breakglass_secret_access_key" {
  type      = string
  default   = ""
  sensitive = true
}

variable "breakglass_account_id" {
  type    = string
  default = ""
}
