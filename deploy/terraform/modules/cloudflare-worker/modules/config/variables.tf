variable "script_name" {
  description = "Worker script name."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", var.script_name))
    error_message = "Worker names are 1-63 lowercase letters, digits, '-' and '_'."
  }
}

variable "hostnames" {
  description = "Hostnames (in the zone) the Worker serves; each gets the route pattern HOST/*."
  type        = list(string)
  validation {
    condition     = length(var.hostnames) > 0 && alltrue([for h in var.hostnames : can(regex("^(\\*\\.)?[a-z0-9.-]+$", h))])
    error_message = "Give at least one lowercase hostname, optionally with a leading '*.' wildcard."
  }
}

variable "placement_json" {
  description = "Contents of `waygate compile --placement` output; its pinned host/path prefixes bypass the Worker and reach the Kubernetes origin."
  type        = string
  default     = null
}

variable "public_key" {
  description = "PEM public key that bundles must be signed with (WAYGATE_PUBLIC_KEY)."
  type        = string
  validation {
    condition     = startswith(trimspace(var.public_key), "-----BEGIN PUBLIC KEY-----")
    error_message = "public_key must be a PEM public key (waygate keygen --public)."
  }
}

variable "extra_public_keys" {
  description = "Further accepted PEM public keys during a key rotation."
  type        = list(string)
  default     = []
}

variable "channel" {
  description = "Channel whose bundle the Worker serves (WAYGATE_CHANNEL)."
  type        = string
  default     = "prod"
  validation {
    condition     = can(regex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$", var.channel))
    error_message = "Channel names use letters, digits, '.', '_' and '-' and do not start with '.'."
  }
}

variable "refresh_seconds" {
  description = "Minimum seconds between two channel polls per isolate (WAYGATE_REFRESH_SECONDS)."
  type        = number
  default     = 30
  validation {
    condition     = var.refresh_seconds >= 0 && floor(var.refresh_seconds) == var.refresh_seconds
    error_message = "refresh_seconds is a whole number of seconds, 0 or more."
  }
}

variable "store" {
  description = "Where bundles live: \"r2\" (the BUNDLES R2 binding) or s3://bucket/prefix (SigV4-signed fetches)."
  type        = string
  default     = "r2"
  validation {
    condition     = var.store == "r2" || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.store))
    error_message = "store is \"r2\" or s3://bucket/prefix."
  }
}

variable "r2_bucket_name" {
  description = "R2 bucket bound as BUNDLES (when store is \"r2\")."
  type        = string
  default     = null
}

variable "r2_prefix" {
  description = "Key prefix inside the R2 bucket (WAYGATE_PREFIX)."
  type        = string
  default     = ""
}

variable "s3_endpoint" {
  description = "S3 endpoint for an s3:// store (default https://s3.REGION.amazonaws.com)."
  type        = string
  default     = null
}

variable "s3_region" {
  description = "Region the S3 requests are signed for."
  type        = string
  default     = "us-east-1"
}

variable "s3_path_style" {
  description = "Address the S3 bucket path-style (endpoint/bucket/key)."
  type        = bool
  default     = false
}

variable "gateway" {
  description = "Gateway the Worker serves as namespace/name (WAYGATE_GATEWAY); null serves every Gateway's listeners."
  type        = string
  default     = null
  validation {
    condition     = var.gateway == null || can(regex("^[^/]+/[^/]+$", coalesce(var.gateway, "x/y")))
    error_message = "gateway is namespace/name."
  }
}

variable "port" {
  description = "Listener port requests are routed as (WAYGATE_PORT); null picks it per request."
  type        = number
  default     = null
}
