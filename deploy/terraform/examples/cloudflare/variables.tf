variable "account_id" {
  description = "Cloudflare account ID."
  type        = string
}

variable "zone_id" {
  description = "Zone holding the hostnames."
  type        = string
}

variable "hostnames" {
  description = "Hostnames the Worker serves."
  type        = list(string)
  default     = ["api.example.com"]
}

variable "bucket_name" {
  description = "R2 bucket for the signed bundles."
  type        = string
  default     = "waygate-bundles"
}

variable "public_key_file" {
  description = "Path of the trusted public key (waygate keygen --public)."
  type        = string
}

variable "placement_file" {
  description = "Path of `waygate compile --placement` output; null when nothing is pinned to Kubernetes."
  type        = string
  default     = null
}

variable "build_dir" {
  description = "worker-build output of runtimes/workers."
  type        = string
  default     = "../../../../runtimes/workers/build"
}
