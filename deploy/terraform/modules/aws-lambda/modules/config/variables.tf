variable "function_name" {
  description = "Lambda function name; also names the IAM role and the log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of A-Z a-z 0-9 _ -."
  }
}

variable "architecture" {
  description = "Instruction set of the bootstrap binary: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "package_zip_path" {
  description = "Local path of the deployment zip (bootstrap at its root); null when the package is in S3."
  type        = string
  default     = null

  validation {
    condition     = var.package_zip_path == null || can(regex("\\.zip$", var.package_zip_path))
    error_message = "package_zip_path must name a .zip file."
  }
}

variable "package_s3_bucket" {
  description = "Bucket holding the deployment zip; used with package_s3_key."
  type        = string
  default     = null
}

variable "package_s3_key" {
  description = "Key of the deployment zip in package_s3_bucket."
  type        = string
  default     = null

  validation {
    condition     = var.package_s3_key == null || can(regex("\\.zip$", var.package_s3_key))
    error_message = "package_s3_key must name a .zip object."
  }
}

variable "package_s3_object_version" {
  description = "Object version of the deployment zip in S3 (optional)."
  type        = string
  default     = null
}

variable "store_uri" {
  description = "Bundle store, s3://bucket[/prefix] (the bundle-bucket module's store_uri output)."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9!_.*'()-]+)*/?$", var.store_uri))
    error_message = "store_uri must look like s3://bucket or s3://bucket/prefix."
  }
}

variable "store_kms_key_arn" {
  description = "KMS key encrypting the bundle bucket (kms:Decrypt is granted); null for SSE-S3."
  type        = string
  default     = null
}

variable "channel" {
  description = "Channel the function serves (WAYGATE_CHANNEL)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", var.channel))
    error_message = "channel must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit."
  }
}

variable "public_key" {
  description = "Trusted public key(s) as `waygate keygen` writes them (SPKI PEM)."
  type        = string

  validation {
    condition     = can(regex("^\\s*-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----", var.public_key))
    error_message = "public_key must be an SPKI PEM public key (-----BEGIN PUBLIC KEY-----)."
  }
}

variable "extra_public_keys" {
  description = "More trusted keys (e.g. the next key during a rotation); joined to public_key with commas."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.extra_public_keys : can(regex("^\\s*-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----\\s*$", k))])
    error_message = "every extra_public_keys entry must be one SPKI PEM public key."
  }
}

variable "refresh_seconds" {
  description = "Minimum seconds between bundle refreshes (WAYGATE_REFRESH_SECONDS)."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_seconds >= 1 && var.refresh_seconds <= 86400 && floor(var.refresh_seconds) == var.refresh_seconds
    error_message = "refresh_seconds must be a whole number between 1 and 86400."
  }
}

variable "environment" {
  description = "Extra environment variables; may not override the WAYGATE_* wiring or Lambda's reserved names."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k in keys(var.environment) :
      can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) &&
      !contains(["WAYGATE_STORE", "WAYGATE_CHANNEL", "WAYGATE_PUBLIC_KEY", "WAYGATE_REFRESH_SECONDS", "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"], k) &&
      !startswith(k, "AWS_LAMBDA_")
    ])
    error_message = "environment keys must be valid names and must not be WAYGATE_STORE/CHANNEL/PUBLIC_KEY/REFRESH_SECONDS or a Lambda reserved variable (AWS_REGION, AWS_LAMBDA_*, _HANDLER, ...)."
  }
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention of the function's log group (0 = never expire)."
  type        = number
  default     = 30

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function unreserved, 0 throttles it completely."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrency >= -1 && floor(var.reserved_concurrency) == var.reserved_concurrency
    error_message = "reserved_concurrency must be -1 (unreserved) or a whole number >= 0."
  }
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  description = "Function timeout in seconds; API Gateway HTTP APIs stop waiting after 30."
  type        = number
  default     = 29

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "function_url_auth_type" {
  description = "Auth type of the Function URL: NONE (public) or AWS_IAM."
  type        = string
  default     = "NONE"

  validation {
    condition     = contains(["NONE", "AWS_IAM"], var.function_url_auth_type)
    error_message = "function_url_auth_type must be NONE or AWS_IAM."
  }
}

variable "partition" {
  description = "AWS partition (for ARNs)."
  type        = string
  default     = "aws"
}

variable "region" {
  description = "AWS region of the function (for the log group ARN)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "account_id" {
  description = "AWS account id of the function (for the log group ARN)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}
