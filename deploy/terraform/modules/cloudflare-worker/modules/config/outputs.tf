output "vars" {
  description = "Plain-text bindings of the Worker (name => value)."
  value       = local.vars
}

output "secret_names" {
  description = "Secret-text bindings the Worker needs (S3 credentials for an s3:// store)."
  value       = tolist(var.store == "r2" ? [] : ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
}

output "r2_binding" {
  description = "The R2 binding (name BUNDLES, bucket) or null for an s3:// store."
  value       = var.store == "r2" ? { name = "BUNDLES", bucket_name = var.r2_bucket_name } : null

  precondition {
    condition     = var.store != "r2" || var.r2_bucket_name != null
    error_message = "store = \"r2\" needs r2_bucket_name."
  }
}

output "worker_routes" {
  description = "Route patterns served by the Worker."
  value       = tolist(local.worker_routes)
}

output "bypass_routes" {
  description = "Route patterns (Kubernetes-pinned prefixes) that bypass the Worker to the origin."
  value       = tolist(local.bypass_routes)
}

output "kubernetes_origin" {
  description = "Kubernetes origin named by the placement JSON, if any."
  value       = local.placement.kubernetes_origin
}
