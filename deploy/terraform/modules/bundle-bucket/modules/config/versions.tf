# No providers on purpose: everything here is plain Terraform, so `terraform test` checks
# the naming, key layout and IAM documents offline.
terraform {
  required_version = ">= 1.6.0"
}
