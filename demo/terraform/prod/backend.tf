terraform {
  backend "s3" {
    bucket         = "kestrel-tfstate-prod"
    key            = "platform/prod/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "kestrel-tfstate-locks"
    encrypt        = true
    role_arn       = "arn:aws:iam::705218364459:role/terraform-state"
  }
}
