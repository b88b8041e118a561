# A bundle bucket and the waygate Lambda serving its "production" channel through a
# Function URL and an HTTP API. CI publishes with the publisher policy attached to its role:
#   waygate publish --bundle bundle.json --store <store_uri> --channel production

module "bundle_bucket" {
  source = "../../modules/bundle-bucket"

  bucket_name                  = var.bucket_name
  prefix                       = "edge"
  publisher_can_delete_bundles = true
}

module "lambda" {
  source = "../../modules/aws-lambda"

  function_name        = var.name
  architecture         = "arm64"
  package_zip_path     = var.package_zip_path
  store_uri            = module.bundle_bucket.store_uri
  store_kms_key_arn    = module.bundle_bucket.kms_key_arn
  channel              = var.channel
  public_key           = file(var.public_key_file)
  refresh_seconds      = 30
  reserved_concurrency = 50
  log_retention_days   = 14
  create_function_url  = true
  create_http_api      = true
  environment = {
    RUST_LOG = "info"
  }
}

# Attach to the CI role that runs `waygate publish` (e.g. a GitHub OIDC role).
resource "aws_iam_policy" "publisher" {
  name        = "${var.name}-bundle-publisher"
  description = "Publish waygate bundles to ${module.bundle_bucket.store_uri}"
  policy      = module.bundle_bucket.publisher_policy_json
}

# Attach to the Kubernetes runtime's IRSA role (Helm value serviceAccount.annotations).
resource "aws_iam_policy" "reader" {
  name        = "${var.name}-bundle-reader"
  description = "Read waygate bundles from ${module.bundle_bucket.store_uri}"
  policy      = module.bundle_bucket.reader_policy_json
}
