variable "breakglass_user_name" {
  type    = string
  default = "breakglass-admin"
}

variable "breakglass_access_key_id" {
  type      = string
  sensitive = true
}

variable "breakglass_secret_access_key" {
  type      = string
  sensitive = true
  default   = ""
}
