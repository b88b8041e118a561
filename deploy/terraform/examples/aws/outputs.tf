output "store_uri" {
  description = "Store URI to publish to."
  value       = module.bundle_bucket.store_uri
}

output "function_url" {
  description = "Function URL of the waygate Lambda."
  value       = module.lambda.function_url
}

output "http_api_endpoint" {
  description = "HTTP API endpoint in front of the waygate Lambda."
  value       = module.lambda.http_api_endpoint
}

output "publisher_policy_arn" {
  description = "Policy to attach to the publishing CI role."
  value       = aws_iam_policy.publisher.arn
}

output "reader_policy_arn" {
  description = "Policy to attach to the Kubernetes runtime's IRSA role."
  value       = aws_iam_policy.reader.arn
}
