locals {
  prefix = trim(var.prefix, "/")
  # "" or "prod/": what precedes bundles/, channels/ and history/ in every key.
  key_prefix = local.prefix == "" ? "" : "${local.prefix}/"
  bucket_arn = "arn:${var.partition}:s3:::${var.bucket_name}"
  store_uri  = local.prefix == "" ? "s3://${var.bucket_name}" : "s3://${var.bucket_name}/${local.prefix}"

  # The object layout of the store (DESIGN.md): immutable bundles/<digest>, small channels/<name>
  # pointers moved with conditional writes, and history/ entries for rollback.
  read_areas    = ["bundles", "channels"]
  publish_areas = ["bundles", "channels", "history"]

  object_arns = { for a in local.publish_areas : a => "${local.bucket_arn}/${local.key_prefix}${a}/*" }
  sse         = var.kms_key_arn == null ? "AES256" : "aws:kms"

  kms_statement = var.kms_key_arn == null ? [] : [{
    Sid      = "BundleKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt"]
    Resource = [var.kms_key_arn]
  }]
  kms_publish_statement = var.kms_key_arn == null ? [] : [{
    Sid      = "BundleKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
    Resource = [var.kms_key_arn]
  }]

  reader_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "ReadBundlesAndChannels"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = [for a in local.read_areas : local.object_arns[a]]
      },
      {
        Sid      = "ListStore"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [local.bucket_arn]
        Condition = {
          StringLike = { "s3:prefix" = [for a in local.read_areas : "${local.key_prefix}${a}/*"] }
        }
      },
    ], local.kms_statement)
  }

  publisher_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "PublishBundles"
        Effect   = "Allow"
        Action   = concat(["s3:PutObject", "s3:GetObject"], var.publisher_can_delete_bundles ? ["s3:DeleteObject"] : [])
        Resource = [local.object_arns["bundles"]]
      },
      {
        # Conditional writes on channels/ need GetObject to read the current pointer first.
        Sid      = "MoveChannelsAndHistory"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:GetObject"]
        Resource = [local.object_arns["channels"], local.object_arns["history"]]
      },
      {
        Sid      = "ListStore"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [local.bucket_arn]
        Condition = {
          StringLike = { "s3:prefix" = [for a in local.publish_areas : "${local.key_prefix}${a}/*"] }
        }
      },
    ], local.kms_publish_statement)
  }

  bucket_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOldTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
    ]
  }

  lifecycle_rules = concat(
    [{
      id                                 = "noncurrent-versions"
      prefix                             = local.key_prefix
      noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
      newer_noncurrent_versions          = var.noncurrent_versions_to_keep
      abort_incomplete_multipart_days    = 7
      expiration_days                    = null
    }],
    var.bundle_expiration_days == null ? [] : [{
      id                                 = "old-bundles"
      prefix                             = "${local.key_prefix}bundles/"
      noncurrent_version_expiration_days = null
      newer_noncurrent_versions          = null
      abort_incomplete_multipart_days    = null
      expiration_days                    = var.bundle_expiration_days
    }],
  )
}
