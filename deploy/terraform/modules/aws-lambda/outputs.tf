output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "function_url" {
  description = "Function URL, or null when create_function_url is false."
  value       = one(aws_lambda_function_url.this[*].function_url)
}

output "http_api_endpoint" {
  description = "HTTP API endpoint, or null when create_http_api is false."
  value       = one(aws_apigatewayv2_api.this[*].api_endpoint)
}

output "environment" {
  description = "Environment the function runs with (includes the trusted public keys, which are not secret)."
  value       = module.config.environment
}
