data "aws_partition" "current" {}

# Names, key layout, IAM documents and lifecycle parameters: plain Terraform, tested offline.
module "config" {
  source = "./modules/config"

  bucket_name                        = var.bucket_name
  prefix                             = var.prefix
  partition                          = data.aws_partition.current.partition
  kms_key_arn                        = var.kms_key_arn
  publisher_can_delete_bundles       = var.publisher_can_delete_bundles
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  noncurrent_versions_to_keep        = var.noncurrent_versions_to_keep
  bundle_expiration_days             = var.bundle_expiration_days
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Versioning keeps every channel pointer and bundle write recoverable.
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = module.config.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  dynamic "rule" {
    for_each = module.config.lifecycle_rules
    content {
      id     = rule.value.id
      status = "Enabled"

      filter {
        prefix = rule.value.prefix
      }

      dynamic "noncurrent_version_expiration" {
        for_each = rule.value.noncurrent_version_expiration_days == null ? [] : [rule.value]
        content {
          noncurrent_days           = noncurrent_version_expiration.value.noncurrent_version_expiration_days
          newer_noncurrent_versions = noncurrent_version_expiration.value.newer_noncurrent_versions
        }
      }

      dynamic "abort_incomplete_multipart_upload" {
        for_each = rule.value.abort_incomplete_multipart_days == null ? [] : [rule.value]
        content {
          days_after_initiation = abort_incomplete_multipart_upload.value.abort_incomplete_multipart_days
        }
      }

      dynamic "expiration" {
        for_each = rule.value.expiration_days == null ? [] : [rule.value]
        content {
          days = expiration.value.expiration_days
        }
      }
    }
  }

  # Lifecycle rules on a bucket need versioning settled first.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = module.config.bucket_policy_json

  # S3 rejects a bucket policy while the public access block is being created.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
