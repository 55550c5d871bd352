terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.83"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State in S3 with DynamoDB locking. The bucket and the lock table are per account (terraform/bootstrap)
  # and are given at init time: terraform init -backend-config=backend.hcl (see backend.hcl.example).
  backend "s3" {
    key     = "bigtree-assist/dev/terraform.tfstate"
    region  = "us-east-1"
    encrypt = true
  }
}

# Every resource carries the seed's tags (Environment, Author, Client, Stage upper-cased, Partner,
# Project) through the provider's default tags.
provider "aws" {
  region = "us-east-1"

  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = {
      Environment = local.stage
      Author      = var.partner
      Client      = var.client
      Stage       = upper(local.stage)
      Partner     = var.partner
      Project     = var.project
    }
  }
}
