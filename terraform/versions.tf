terraform {
  required_version = ">= 1.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.12"
    }
  }

  # Partial configuration: bucket, key and region come from `-backend-config` (see `nox -s deploy`),
  # so one set of files serves every environment. The S3 lockfile replaces the DynamoDB lock table.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
