# The Worker (script + version + deployment), its routes, and routes that leave
# Kubernetes-pinned prefixes to the origin. Naming, vars and patterns come from the
# provider-free ./modules/config, which `terraform test` checks offline.

module "config" {
  source = "./modules/config"

  script_name       = var.script_name
  hostnames         = var.hostnames
  placement_json    = var.placement_json
  public_key        = var.public_key
  extra_public_keys = var.extra_public_keys
  channel           = var.channel
  refresh_seconds   = var.refresh_seconds
  store             = var.store
  r2_bucket_name    = var.r2_bucket_name
  r2_prefix         = var.r2_prefix
  s3_endpoint       = var.s3_endpoint
  s3_region         = var.s3_region
  s3_path_style     = var.s3_path_style
  gateway           = var.gateway
  port              = var.port
}

locals {
  secrets = {
    AWS_ACCESS_KEY_ID     = var.s3_access_key_id
    AWS_SECRET_ACCESS_KEY = var.s3_secret_access_key
  }
  bindings = concat(
    [for name, value in module.config.vars : { name = name, type = "plain_text", text = value }],
    [for name in module.config.secret_names : { name = name, type = "secret_text", text = local.secrets[name] }],
    module.config.r2_binding == null ? [] : [{ name = module.config.r2_binding.name, type = "r2_bucket", bucket_name = module.config.r2_binding.bucket_name }],
  )
}

resource "cloudflare_worker" "this" {
  account_id = var.account_id
  name       = var.script_name
  observability = {
    enabled = true
  }
}

# worker-build emits an ES module that imports the wasm module: both are uploaded as modules.
resource "cloudflare_worker_version" "this" {
  account_id         = var.account_id
  worker_id          = cloudflare_worker.this.id
  compatibility_date = var.compatibility_date
  main_module        = "index.js"
  modules = [
    {
      name         = "index.js"
      content_type = "application/javascript+module"
      content_file = "${var.build_dir}/index.js"
    },
    {
      name         = "index_bg.wasm"
      content_type = "application/wasm"
      content_file = "${var.build_dir}/index_bg.wasm"
    },
  ]
  bindings = local.bindings

  lifecycle {
    precondition {
      condition     = var.store == "r2" || (var.s3_access_key_id != null && var.s3_secret_access_key != null)
      error_message = "An s3:// store needs s3_access_key_id and s3_secret_access_key."
    }
  }
}

resource "cloudflare_workers_deployment" "this" {
  account_id  = var.account_id
  script_name = cloudflare_worker.this.name
  strategy    = "percentage"
  versions = [{
    percentage = 100
    version_id = cloudflare_worker_version.this.id
  }]
}

resource "cloudflare_workers_route" "worker" {
  for_each = toset(module.config.worker_routes)

  zone_id = var.zone_id
  pattern = each.value
  script  = cloudflare_worker.this.name

  depends_on = [cloudflare_workers_deployment.this]
}

# A route without a script: Cloudflare proxies these straight to the origin (the
# Kubernetes gateway), and the more specific pattern wins over HOST/*.
resource "cloudflare_workers_route" "kubernetes" {
  for_each = toset(module.config.bypass_routes)

  zone_id = var.zone_id
  pattern = each.value
}
