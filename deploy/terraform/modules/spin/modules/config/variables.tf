variable "name" {
  description = "Name of the SpinApp and of its Secret"
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 label"
  }
}

variable "namespace" {
  description = "Namespace the SpinApp runs in"
  type        = string
  default     = "default"
}

variable "image" {
  description = "OCI reference of the Spin app (spin registry push of runtimes/spin, built with --features spin-variables)"
  type        = string
}

variable "replicas" {
  description = "SpinApp replicas"
  type        = number
  default     = 2
}

variable "executor" {
  description = "SpinAppExecutor that runs the app"
  type        = string
  default     = "containerd-shim-spin"
}

variable "store_uri" {
  description = "Bundle store: s3://bucket/prefix (signed GETs) or an http(s):// URL of a public bucket"
  type        = string
  validation {
    condition     = can(regex("^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?|https?://.+)$", var.store_uri))
    error_message = "store_uri must be s3://bucket/prefix or an http(s):// URL (a Spin component cannot read file://)"
  }
}

variable "channel" {
  description = "Channel to serve"
  type        = string
  default     = "prod"
}

variable "public_keys" {
  description = "Trusted bundle public keys (PEM); several during a rotation"
  type        = list(string)
  validation {
    condition     = length(var.public_keys) > 0 && alltrue([for k in var.public_keys : can(regex("-----BEGIN PUBLIC KEY-----", k))])
    error_message = "public_keys must hold at least one PEM public key"
  }
}

variable "refresh_seconds" {
  description = "Minimum seconds between conditional GETs of the channel"
  type        = number
  default     = 30
}

variable "s3_region" {
  description = "Region the S3 requests are signed for"
  type        = string
  default     = "us-east-1"
}

variable "s3_endpoint" {
  description = "S3 endpoint; empty means https://s3.<region>.amazonaws.com"
  type        = string
  default     = ""
}

variable "credentials_secret" {
  description = "Existing Secret with aws_access_key_id / aws_secret_access_key (s3:// stores); empty for none"
  type        = string
  default     = ""
}

variable "outbound_store" {
  description = "Spin host pattern the component may fetch bundles from (allowed_outbound_hosts), e.g. https://my-bucket.s3.eu-west-1.amazonaws.com"
  type        = string
  validation {
    condition     = can(regex("^https?://[^/\\s]+$", var.outbound_store))
    error_message = "outbound_store must be one Spin host pattern: scheme://host[:port], no path."
  }
}

variable "outbound_upstreams" {
  description = "Spin host pattern the component may forward to (allowed_outbound_hosts), e.g. https://*.api.example.com"
  type        = string
  validation {
    condition     = can(regex("^https?://[^/\\s]+$", var.outbound_upstreams))
    error_message = "outbound_upstreams must be one Spin host pattern: scheme://host[:port], no path."
  }
}
