locals {
  store       = regex("^s3://(?P<bucket>[^/]+)/?(?P<prefix>.*)$", var.store_uri)
  store_uri   = trimsuffix(var.store_uri, "/")
  public_keys = concat([trimspace(var.public_key)], [for k in var.extra_public_keys : trimspace(k)])

  # What the runtime reads at init (issue 5): several keys separated by commas.
  environment = merge(var.environment, {
    WAYGATE_STORE           = local.store_uri
    WAYGATE_CHANNEL         = var.channel
    WAYGATE_PUBLIC_KEY      = join(",", local.public_keys)
    WAYGATE_REFRESH_SECONDS = tostring(var.refresh_seconds)
  })
  # Lambda refuses environments above 4 KB (keys plus values).
  environment_bytes = sum(concat([0], [for k, v in local.environment : length(k) + length(v)]))

  package_from_zip = var.package_zip_path != null
  package_from_s3  = var.package_s3_bucket != null || var.package_s3_key != null

  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:${local.log_group_name}"

  assume_role_policy = {
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  }

  # Read access to the store's prefix only (the same document the bucket module gives
  # readers), plus writing to the function's own log group. No logs:CreateLogGroup: the
  # group is created by Terraform with a retention, never implicitly without one.
  role_policy = {
    Version = "2012-10-17"
    Statement = concat(jsondecode(module.store.reader_policy_json).Statement, [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${local.log_group_arn}:*"]
    }])
  }
}

# The bucket module's key layout and reader policy, so both modules agree on what "read
# the bundle prefix" means.
module "store" {
  source = "../../../bundle-bucket/modules/config"

  bucket_name = local.store.bucket
  prefix      = local.store.prefix
  partition   = var.partition
  kms_key_arn = var.store_kms_key_arn
}
