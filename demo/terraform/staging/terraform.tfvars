region             = "eu-west-1"
vpc_id             = "vpc-0c41f2a9d87e3b015"
private_subnet_ids = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]

# staging uses throwaway values; the real ones come from Vault in CI
db_password                  = "changeme"
breakglass_access_key_id     = ""
breakglass_secret_access_key = ""
