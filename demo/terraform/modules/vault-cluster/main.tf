variable "cluster_name" { type = string }
variable "vpc_id" { type = string }
variable "subnet_ids" { type = list(string) }
variable "kms_key_arn" { type = string }
variable "instance_type" { type = string }

locals {
  vault_config = <<-EOT
    ui = true
    cluster_name = "${var.cluster_name}"

    storage "raft" {
      path    = "/opt/vault/data"
      node_id = "NODE_ID"
      retry_join {
        auto_join = "provider=aws region=eu-west-1 tag_key=vault-cluster tag_value=${var.cluster_name}"
      }
    }

    listener "tcp" {
      address       = "0.0.0.0:8200"
      tls_cert_file = "/opt/vault/tls/vault.crt"
      tls_key_file  = "/opt/vault/tls/vault.key"
    }

    seal "awskms" {
      region     = "eu-west-1"
      kms_key_id = "${var.kms_key_arn}"
    }
  EOT
}

resource "aws_launch_template" "vault" {
  name_prefix   = "${var.cluster_name}-"
  image_id      = "ami-0f3a9c1e27d4b8a60"
  instance_type = var.instance_type
  user_data     = base64encode(templatefile("${path.module}/userdata.sh.tftpl", { vault_config = local.vault_config }))
  iam_instance_profile {
    name = "${var.cluster_name}-node"
  }
  metadata_options {
    http_tokens = "required"
  }
}
