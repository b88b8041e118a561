# An R2 bucket for bundles and the waygate Worker serving its "prod" channel on the given
# hostnames; prefixes pinned to Kubernetes go straight to the origin. Publish with
#   waygate compile manifests/ --key key.pem --out bundle --placement placement.json
# then upload bundles/<sha256> and channels/prod (layout of runtimes/common/src/store.rs)
# with any S3 client against R2's S3 endpoint, or `wrangler r2 object put`.

resource "cloudflare_r2_bucket" "bundles" {
  account_id = var.account_id
  name       = var.bucket_name
}

module "worker" {
  source = "../../modules/cloudflare-worker"

  account_id      = var.account_id
  zone_id         = var.zone_id
  script_name     = "waygate"
  build_dir       = var.build_dir
  hostnames       = var.hostnames
  placement_json  = var.placement_file == null ? null : file(var.placement_file)
  public_key      = file(var.public_key_file)
  channel         = "prod"
  refresh_seconds = 30
  store           = "r2"
  r2_bucket_name  = cloudflare_r2_bucket.bundles.name
}
