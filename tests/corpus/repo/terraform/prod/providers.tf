provider "datadog" {
  api_key = "f74cb3fa9d6e17d65f2e1d88b1243539"
  app_key = "4e38f38d81e277df0c08fcfd23f04997198014dc"
  api_url = "https://api.datadoghq.eu/"
}

provider "cloudflare" {
  api_token = "bfx7Z3LOJAfOdBhzLIuQC_vRxBVqLfziLI8CU1hf"
}

provider "github" {
  owner = "larkspur"
  token = var.github_token
}
