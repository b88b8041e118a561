variable "bucket_name" {
  description = "Name of the bundle bucket."
  type        = string

  validation {
    condition = (
      length(var.bucket_name) >= 3 && length(var.bucket_name) <= 63 &&
      can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", var.bucket_name)) &&
      !strcontains(var.bucket_name, "..") &&
      !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.bucket_name)) &&
      !startswith(var.bucket_name, "xn--") &&
      !startswith(var.bucket_name, "sthree-") &&
      !endswith(var.bucket_name, "-s3alias") &&
      !endswith(var.bucket_name, "--ol-s3")
    )
    error_message = "bucket_name must follow S3 naming rules: 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address, no xn--/sthree- prefix or -s3alias/--ol-s3 suffix."
  }
  validation {
    # Dots break virtual-hosted TLS certificates (*.s3.amazonaws.com covers one label only).
    condition     = !strcontains(var.bucket_name, ".")
    error_message = "bucket_name must not contain '.': runtimes fetch bundles over HTTPS with virtual-hosted addressing."
  }
}

variable "prefix" {
  description = "Key prefix of the store inside the bucket (the path of s3://bucket/prefix); empty for the bucket root."
  type        = string
  default     = ""

  validation {
    condition     = var.prefix == "" || can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", trim(var.prefix, "/")))
    error_message = "prefix must be '/'-separated segments of URL-safe characters (A-Z a-z 0-9 ! _ . * ' ( ) -)."
  }
}

variable "partition" {
  description = "AWS partition of the bucket's ARN (aws, aws-cn, aws-us-gov)."
  type        = string
  default     = "aws"

  validation {
    condition     = contains(["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc"], var.partition)
    error_message = "partition must be an AWS partition: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b or aws-eusc."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; null uses SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "publisher_can_delete_bundles" {
  description = "Let the publisher delete bundles/* objects (needed by `waygate gc`)."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten (noncurrent) object versions expire."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "noncurrent_versions_to_keep" {
  description = "Newest noncurrent versions kept regardless of age (for channel pointer history)."
  type        = number
  default     = 10

  validation {
    condition     = var.noncurrent_versions_to_keep >= 0 && var.noncurrent_versions_to_keep <= 100 && floor(var.noncurrent_versions_to_keep) == var.noncurrent_versions_to_keep
    error_message = "noncurrent_versions_to_keep must be a whole number between 0 and 100."
  }
}

variable "bundle_expiration_days" {
  description = "Expire bundles/ objects this many days after upload; null never expires them. A channel may still point at an old bundle, so keep this well above your publish interval (or prefer `waygate gc`)."
  type        = number
  default     = null

  validation {
    condition     = var.bundle_expiration_days == null || try(var.bundle_expiration_days >= 30 && floor(var.bundle_expiration_days) == var.bundle_expiration_days, false)
    error_message = "bundle_expiration_days must be null or a whole number of days, at least 30 (a channel may point at an old bundle)."
  }
}
