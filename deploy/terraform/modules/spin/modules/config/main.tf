# Provider-free: computes the SpinApp manifest and the Secret data the parent module applies,
# so `terraform test` checks the wiring offline.
locals {
  settings_secret = "${var.name}-settings"
  # Spin application variables (spin.toml [variables]); non-secret ones inline.
  plain = {
    waygate_store           = var.store_uri
    waygate_channel         = var.channel
    waygate_refresh_seconds = tostring(var.refresh_seconds)
    waygate_s3_region       = var.s3_region
    waygate_s3_endpoint     = var.s3_endpoint
    # allowed_outbound_hosts in spin.toml resolves these two.
    waygate_outbound_store     = var.outbound_store
    waygate_outbound_upstreams = var.outbound_upstreams
  }
  secret_data = {
    waygate_public_key = join(",", [for k in var.public_keys : trimspace(k)])
  }
  credential_vars = var.credentials_secret == "" ? [] : [
    for v in ["aws_access_key_id", "aws_secret_access_key"] : {
      name      = v
      valueFrom = { secretKeyRef = { name = var.credentials_secret, key = v } }
    }
  ]
  variables = concat(
    [for k in sort(keys(local.plain)) : { name = k, value = local.plain[k] }],
    [for k in sort(keys(local.secret_data)) : {
      name      = k
      valueFrom = { secretKeyRef = { name = local.settings_secret, key = k } }
    }],
    local.credential_vars,
  )
  spinapp = {
    apiVersion = "core.spinkube.dev/v1alpha1"
    kind       = "SpinApp"
    metadata   = { name = var.name, namespace = var.namespace }
    spec = {
      image     = var.image
      executor  = var.executor
      replicas  = var.replicas
      variables = local.variables
    }
  }
}
