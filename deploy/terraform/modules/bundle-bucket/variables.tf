# Validation of these inputs lives in ./modules/config (provider-free, `terraform test`ed
# offline); values are passed through unchanged, so its errors surface on plan.

variable "bucket_name" {
  description = "Name of the bundle bucket (S3 naming rules, no dots)."
  type        = string
}

variable "prefix" {
  description = "Key prefix of the store inside the bucket; the store URI is s3://bucket/prefix. Empty for the bucket root."
  type        = string
  default     = ""
}

variable "kms_key_arn" {
  description = "KMS key ARN for SSE-KMS; null encrypts with SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete a bucket that still holds bundles."
  type        = bool
  default     = false
}

variable "publisher_can_delete_bundles" {
  description = "Add s3:DeleteObject on bundles/* to the publisher policy (for `waygate gc`)."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten (noncurrent) object versions expire."
  type        = number
  default     = 30
}

variable "noncurrent_versions_to_keep" {
  description = "Newest noncurrent versions kept regardless of age."
  type        = number
  default     = 10
}

variable "bundle_expiration_days" {
  description = "Expire bundles/ objects this many days after upload (at least 30); null keeps them. Prefer `waygate gc`, which never deletes a bundle a channel points at."
  type        = number
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
