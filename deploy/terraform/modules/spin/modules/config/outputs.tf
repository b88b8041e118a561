output "spinapp" {
  description = "The SpinApp manifest"
  value       = local.spinapp
}

output "settings_secret" {
  description = "Name of the Secret holding the public keys"
  value       = local.settings_secret
}

output "secret_data" {
  description = "Data of the settings Secret"
  value       = local.secret_data
}
