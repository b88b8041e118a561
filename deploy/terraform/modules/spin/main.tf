# Waygate on SpinKube: a SpinApp (core.spinkube.dev/v1alpha1) whose Spin variables carry the
# bundle store settings; the trusted public keys live in a Secret. Needs SpinKube (spin-operator,
# the containerd-shim-spin executor) in the cluster.
module "config" {
  source             = "./modules/config"
  name               = var.name
  namespace          = var.namespace
  image              = var.image
  replicas           = var.replicas
  executor           = var.executor
  store_uri          = var.store_uri
  channel            = var.channel
  public_keys        = var.public_keys
  refresh_seconds    = var.refresh_seconds
  s3_region          = var.s3_region
  s3_endpoint        = var.s3_endpoint
  credentials_secret = var.credentials_secret
  outbound_store     = var.outbound_store
  outbound_upstreams = var.outbound_upstreams
}

resource "kubernetes_secret_v1" "settings" {
  metadata {
    name      = module.config.settings_secret
    namespace = var.namespace
  }
  data = module.config.secret_data
}

resource "kubernetes_manifest" "spinapp" {
  manifest   = module.config.spinapp
  depends_on = [kubernetes_secret_v1.settings]
}
