terraform {
  required_providers {
    mailman = { source = "mailman/mailman" }
  }
}

# api_url and api_token default to MAILMAN_API_URL and MAILMAN_API_TOKEN, which `nox -s dev` prints.
provider "mailman" {}
