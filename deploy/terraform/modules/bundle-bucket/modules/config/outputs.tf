output "bucket_arn" {
  description = "ARN of the bucket, derived from its name and partition."
  value       = local.bucket_arn
}

output "key_prefix" {
  description = "Normalised key prefix: empty or ending in '/'."
  value       = local.key_prefix
}

output "store_uri" {
  description = "Store URI for waygate (`s3://bucket[/prefix]`)."
  value       = local.store_uri
}

output "sse_algorithm" {
  description = "Server-side encryption algorithm: AES256 or aws:kms."
  value       = local.sse
}

output "reader_policy_json" {
  description = "IAM policy for runtimes: read bundles/ and channels/ under the prefix, list those prefixes."
  value       = jsonencode(local.reader_policy)
}

output "publisher_policy_json" {
  description = "IAM policy for publishers: write bundles/, channels/, history/ under the prefix, list them."
  value       = jsonencode(local.publisher_policy)
}

output "bucket_policy_json" {
  description = "Bucket policy denying requests without TLS 1.2+."
  value       = jsonencode(local.bucket_policy)
}

output "lifecycle_rules" {
  description = "Lifecycle rules as plain objects, for the aws_s3_bucket_lifecycle_configuration."
  value       = local.lifecycle_rules
}
