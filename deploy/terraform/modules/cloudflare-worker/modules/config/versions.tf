# No providers on purpose: bindings, vars and route patterns are plain Terraform, so
# `terraform test` checks them offline.
terraform {
  required_version = ">= 1.6.0"
}
