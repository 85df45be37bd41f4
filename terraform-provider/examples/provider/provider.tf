terraform {
  required_providers {
    mailman = {
      source = "mailman/mailman"
    }
  }
}

# Both arguments fall back to MAILMAN_API_URL and MAILMAN_API_TOKEN.
provider "mailman" {
  api_url   = "http://127.0.0.1:8080"
  api_token = var.mailman_api_token
}

variable "mailman_api_token" {
  description = "Mailman bootstrap token or API key."
  type        = string
  sensitive   = true
}
