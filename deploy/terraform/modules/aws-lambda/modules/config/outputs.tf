output "function_name" {
  description = "Function name."
  value       = var.function_name
}

output "runtime" {
  description = "Lambda runtime: the OS-only runtime for a Rust `bootstrap` binary."
  value       = "provided.al2023"
}

output "handler" {
  description = "Handler name (ignored by provided runtimes, conventionally bootstrap)."
  value       = "bootstrap"
}

output "architectures" {
  description = "Architectures list for aws_lambda_function."
  value       = [var.architecture]
}

output "package" {
  description = "Where the deployment package comes from: type zip (filename) or s3 (bucket/key/version)."
  value = {
    type              = local.package_from_zip ? "zip" : "s3"
    filename          = var.package_zip_path
    s3_bucket         = var.package_s3_bucket
    s3_key            = var.package_s3_key
    s3_object_version = var.package_s3_object_version
  }

  precondition {
    condition     = local.package_from_zip != local.package_from_s3
    error_message = "Set either package_zip_path or package_s3_bucket + package_s3_key, not both and not neither."
  }
  precondition {
    condition     = !local.package_from_s3 || (var.package_s3_bucket != null && var.package_s3_key != null)
    error_message = "package_s3_bucket and package_s3_key go together."
  }
}

output "environment" {
  description = "Environment variables of the function."
  value       = local.environment

  precondition {
    condition     = local.environment_bytes <= 4096
    error_message = "The function's environment exceeds Lambda's 4 KB limit (too many or too large public keys / extra variables)."
  }
}

output "store_bucket" {
  description = "Bucket parsed from store_uri."
  value       = local.store.bucket
}

output "store_prefix" {
  description = "Prefix parsed from store_uri (no trailing slash)."
  value       = trimsuffix(local.store.prefix, "/")
}

output "reserved_concurrent_executions" {
  description = "Value for aws_lambda_function.reserved_concurrent_executions (-1 = unreserved)."
  value       = var.reserved_concurrency
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = local.log_group_name
}

output "log_retention_days" {
  description = "Retention of the log group."
  value       = var.log_retention_days
}

output "role_name" {
  description = "Name of the execution role."
  value       = var.function_name
}

output "assume_role_policy_json" {
  description = "Trust policy letting Lambda assume the execution role."
  value       = jsonencode(local.assume_role_policy)
}

output "role_policy_json" {
  description = "Execution role policy: read the bundle prefix, write the function's own logs."
  value       = jsonencode(local.role_policy)
}

output "function_url_auth_type" {
  description = "Auth type of the Function URL."
  value       = var.function_url_auth_type
}
