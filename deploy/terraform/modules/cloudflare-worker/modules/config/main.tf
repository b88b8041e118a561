locals {
  public_keys = concat([trimspace(var.public_key)], [for k in var.extra_public_keys : trimspace(k)])
  placement   = var.placement_json == null ? { kubernetes_origin = null, pinned = [] } : jsondecode(var.placement_json)

  # What the Worker reads (runtimes/workers/src/config.rs), as plain-text vars.
  vars = merge(
    {
      WAYGATE_STORE           = var.store
      WAYGATE_CHANNEL         = var.channel
      WAYGATE_PUBLIC_KEY      = join(",", local.public_keys)
      WAYGATE_REFRESH_SECONDS = tostring(var.refresh_seconds)
    },
    var.store == "r2" && var.r2_prefix != "" ? { WAYGATE_PREFIX = trim(var.r2_prefix, "/") } : {},
    var.store != "r2" ? {
      WAYGATE_S3_REGION     = var.s3_region
      WAYGATE_S3_ENDPOINT   = coalesce(var.s3_endpoint, "https://s3.${var.s3_region}.amazonaws.com")
      WAYGATE_S3_PATH_STYLE = tostring(var.s3_path_style)
    } : {},
    var.gateway != null ? { WAYGATE_GATEWAY = var.gateway } : {},
    var.port != null ? { WAYGATE_PORT = tostring(var.port) } : {},
  )

  # Kubernetes-pinned prefixes: the Worker would only redirect them, so Cloudflare sends
  # them straight to the origin (a route without a script). Cloudflare picks the most
  # specific pattern, so these win over HOST/*. A pinned route without hostnames applies
  # to every hostname the Worker serves.
  bypass_routes = distinct(flatten([
    for p in local.placement.pinned : [
      for h in(length(p.hostnames) > 0 ? p.hostnames : var.hostnames) : [
        for prefix in p.path_prefixes : "${h}${prefix == "/" ? "/" : trimsuffix(prefix, "/")}*"
      ]
    ]
  ]))
  worker_routes = [for h in var.hostnames : "${h}/*"]
}
