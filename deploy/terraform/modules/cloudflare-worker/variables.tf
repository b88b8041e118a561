variable "account_id" {
  description = "Cloudflare account ID."
  type        = string
}

variable "zone_id" {
  description = "Zone ID the route patterns belong to."
  type        = string
}

variable "script_name" {
  description = "Worker script name."
  type        = string
  default     = "waygate"
}

variable "build_dir" {
  description = "worker-build output directory holding index.js and index_bg.wasm (runtimes/workers/build)."
  type        = string
}

variable "compatibility_date" {
  description = "Workers compatibility date the Worker was tested with."
  type        = string
  default     = "2025-09-01"
}

variable "hostnames" {
  description = "Hostnames (in the zone) the Worker serves; each gets the route pattern HOST/*."
  type        = list(string)
}

variable "placement_json" {
  description = "Contents of `waygate compile --placement` output; its pinned host/path prefixes bypass the Worker and reach the Kubernetes origin."
  type        = string
  default     = null
}

variable "public_key" {
  description = "PEM public key that bundles must be signed with (WAYGATE_PUBLIC_KEY)."
  type        = string
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
}

variable "refresh_seconds" {
  description = "Minimum seconds between two channel polls per isolate (WAYGATE_REFRESH_SECONDS)."
  type        = number
  default     = 30
}

variable "store" {
  description = "Where bundles live: \"r2\" (the BUNDLES R2 binding) or s3://bucket/prefix (SigV4-signed fetches)."
  type        = string
  default     = "r2"
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

variable "s3_access_key_id" {
  description = "Access key for an s3:// store (a Worker secret)."
  type        = string
  default     = null
  sensitive   = true
}

variable "s3_secret_access_key" {
  description = "Secret key for an s3:// store (a Worker secret)."
  type        = string
  default     = null
  sensitive   = true
}

variable "gateway" {
  description = "Gateway the Worker serves as namespace/name (WAYGATE_GATEWAY); null serves every Gateway's listeners."
  type        = string
  default     = null
}

variable "port" {
  description = "Listener port requests are routed as (WAYGATE_PORT); null picks it per request."
  type        = number
  default     = null
}
