# No providers on purpose: names, environment and IAM documents are plain Terraform, so
# `terraform test` checks them offline.
terraform {
  required_version = ">= 1.6.0"
}
