output "script_name" {
  description = "Worker script name."
  value       = cloudflare_worker.this.name
}

output "version_id" {
  description = "Deployed Worker version."
  value       = cloudflare_worker_version.this.id
}

output "worker_routes" {
  description = "Route patterns served by the Worker."
  value       = module.config.worker_routes
}

output "bypass_routes" {
  description = "Route patterns (Kubernetes-pinned prefixes) that bypass the Worker to the origin."
  value       = module.config.bypass_routes
}

output "vars" {
  description = "Plain-text bindings of the Worker (name => value)."
  value       = module.config.vars
}
