output "bucket_name" {
  description = "Name of the bundle bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the bundle bucket."
  value       = aws_s3_bucket.this.arn
}

output "prefix" {
  description = "Normalised store prefix inside the bucket (no leading or trailing slash)."
  value       = trimsuffix(module.config.key_prefix, "/")
}

output "store_uri" {
  description = "Store URI for `waygate publish`/`serve` and `WAYGATE_STORE` (`s3://bucket[/prefix]`)."
  value       = module.config.store_uri
}

output "kms_key_arn" {
  description = "KMS key encrypting the bucket, or null for SSE-S3."
  value       = var.kms_key_arn
}

output "publisher_policy_json" {
  description = "IAM policy JSON for publishers (CI): put/get bundles/*, channels/*, history/*; list those prefixes; KMS when used."
  value       = module.config.publisher_policy_json
}

output "reader_policy_json" {
  description = "IAM policy JSON for runtimes (IRSA role, Lambda role): get bundles/* and channels/*; list those prefixes; KMS decrypt when used."
  value       = module.config.reader_policy_json
}
