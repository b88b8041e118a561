# Validation of these inputs lives in ./modules/config (provider-free, `terraform test`ed
# offline); values are passed through unchanged, so its errors surface on plan.

variable "function_name" {
  description = "Lambda function name; also names the IAM role and the log group."
  type        = string
}

variable "architecture" {
  description = "Instruction set of the bootstrap binary: arm64 or x86_64."
  type        = string
  default     = "arm64"
}

variable "package_zip_path" {
  description = "Local path of the deployment zip (`cargo lambda build --release --output-format zip`); null when the package is in S3."
  type        = string
  default     = null
}

variable "package_s3_bucket" {
  description = "Bucket holding the deployment zip (with package_s3_key)."
  type        = string
  default     = null
}

variable "package_s3_key" {
  description = "Key of the deployment zip in package_s3_bucket."
  type        = string
  default     = null
}

variable "package_s3_object_version" {
  description = "Object version of the deployment zip in S3."
  type        = string
  default     = null
}

variable "store_uri" {
  description = "Bundle store, s3://bucket[/prefix] (the bundle-bucket module's store_uri output)."
  type        = string
}

variable "store_kms_key_arn" {
  description = "KMS key encrypting the bundle bucket; null for SSE-S3."
  type        = string
  default     = null
}

variable "channel" {
  description = "Channel the function serves (WAYGATE_CHANNEL)."
  type        = string
  default     = "production"
}

variable "public_key" {
  description = "Trusted public key as `waygate keygen` writes it (SPKI PEM)."
  type        = string
}

variable "extra_public_keys" {
  description = "More trusted keys for rotation; WAYGATE_PUBLIC_KEY joins all keys with commas."
  type        = list(string)
  default     = []
}

variable "refresh_seconds" {
  description = "Minimum seconds between bundle refreshes (WAYGATE_REFRESH_SECONDS)."
  type        = number
  default     = 30
}

variable "environment" {
  description = "Extra environment variables (not WAYGATE_* wiring, not Lambda reserved names)."
  type        = map(string)
  default     = {}
}

variable "memory_size" {
  description = "Memory in MB (128-10240)."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Timeout in seconds (1-900; an HTTP API waits at most 30)."
  type        = number
  default     = 29
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function unreserved."
  type        = number
  default     = -1
}

variable "log_retention_days" {
  description = "Retention of the log group in days (a CloudWatch Logs value; 0 = never expire)."
  type        = number
  default     = 30
}

variable "create_function_url" {
  description = "Create a Lambda Function URL."
  type        = bool
  default     = true
}

variable "function_url_auth_type" {
  description = "Function URL auth: NONE (public) or AWS_IAM (e.g. behind CloudFront with OAC)."
  type        = string
  default     = "NONE"
}

variable "create_http_api" {
  description = "Create an API Gateway HTTP API with a $default route to the function."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
