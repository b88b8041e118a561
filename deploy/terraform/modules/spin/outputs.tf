output "spinapp_name" {
  description = "Name of the SpinApp (and of the Service spin-operator creates for it)"
  value       = var.name
}

output "settings_secret" {
  description = "Name of the Secret holding the trusted public keys"
  value       = module.config.settings_secret
}
