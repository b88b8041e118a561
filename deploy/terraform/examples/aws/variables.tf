variable "region" {
  description = "AWS region of the bucket and the function."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name of the stack: prefixes the bucket and names the function."
  type        = string
  default     = "waygate-edge"
}

variable "bucket_name" {
  description = "Bundle bucket name (globally unique)."
  type        = string
}

variable "channel" {
  description = "Channel the function serves."
  type        = string
  default     = "production"
}

variable "public_key_file" {
  description = "Path of the public key written by `waygate keygen`."
  type        = string
}

variable "package_zip_path" {
  description = "Zip from `cargo lambda build --release --arm64 --output-format zip -p waygate-lambda`."
  type        = string
}
