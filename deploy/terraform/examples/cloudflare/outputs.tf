output "worker_routes" {
  description = "Route patterns served by the Worker."
  value       = module.worker.worker_routes
}

output "bypass_routes" {
  description = "Kubernetes-pinned patterns sent to the origin."
  value       = module.worker.bypass_routes
}
