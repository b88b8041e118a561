# Offline checks of the bundle bucket's layout and IAM documents (no provider needed).

variables {
  bucket_name = "acme-waygate-bundles"
  prefix      = "prod"
}

run "store_uri_and_arns_follow_the_prefix" {
  command = plan

  assert {
    condition     = output.store_uri == "s3://acme-waygate-bundles/prod"
    error_message = "store_uri should be s3://bucket/prefix"
  }
  assert {
    condition     = output.bucket_arn == "arn:aws:s3:::acme-waygate-bundles"
    error_message = "bucket_arn is wrong"
  }
  assert {
    condition     = output.key_prefix == "prod/"
    error_message = "key_prefix should end in /"
  }
  assert {
    condition     = output.sse_algorithm == "AES256"
    error_message = "without a KMS key the bucket should use SSE-S3"
  }
}

run "prefix_slashes_are_trimmed_and_root_has_no_prefix" {
  command = plan
  variables {
    prefix    = "/team/prod/"
    partition = "aws-cn"
  }
  assert {
    condition     = output.store_uri == "s3://acme-waygate-bundles/team/prod" && output.key_prefix == "team/prod/"
    error_message = "leading/trailing slashes of prefix should be trimmed"
  }
  assert {
    condition     = output.bucket_arn == "arn:aws-cn:s3:::acme-waygate-bundles"
    error_message = "partition should be used in the ARN"
  }
}

run "bucket_root_store" {
  command = plan
  variables {
    prefix = ""
  }
  assert {
    condition     = output.store_uri == "s3://acme-waygate-bundles" && output.key_prefix == ""
    error_message = "an empty prefix is the bucket root"
  }
  assert {
    condition = toset(jsondecode(output.reader_policy_json).Statement[0].Resource) == toset([
      "arn:aws:s3:::acme-waygate-bundles/bundles/*",
      "arn:aws:s3:::acme-waygate-bundles/channels/*",
    ])
    error_message = "reader resources at the root should have no leading slash"
  }
}

run "reader_reads_only_bundles_and_channels" {
  command = plan

  assert {
    condition = toset(flatten([
      for s in jsondecode(output.reader_policy_json).Statement : s.Action
    ])) == toset(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"])
    error_message = "reader may only get and list"
  }
  assert {
    condition = toset(jsondecode(output.reader_policy_json).Statement[0].Resource) == toset([
      "arn:aws:s3:::acme-waygate-bundles/prod/bundles/*",
      "arn:aws:s3:::acme-waygate-bundles/prod/channels/*",
    ])
    error_message = "reader should get bundles/* and channels/* under the prefix only"
  }
  assert {
    condition = (
      jsondecode(output.reader_policy_json).Statement[1].Resource == ["arn:aws:s3:::acme-waygate-bundles"] &&
      toset(jsondecode(output.reader_policy_json).Statement[1].Condition.StringLike["s3:prefix"]) == toset(["prod/bundles/*", "prod/channels/*"])
    )
    error_message = "reader list should be limited to the store's prefixes"
  }
  assert {
    condition     = length(jsondecode(output.reader_policy_json).Statement) == 2
    error_message = "no KMS statement without a KMS key"
  }
}

run "publisher_writes_bundles_channels_history_without_delete" {
  command = plan

  assert {
    condition = toset(flatten([
      for s in jsondecode(output.publisher_policy_json).Statement : s.Resource if contains(s.Action, "s3:PutObject")
      ])) == toset([
      "arn:aws:s3:::acme-waygate-bundles/prod/bundles/*",
      "arn:aws:s3:::acme-waygate-bundles/prod/channels/*",
      "arn:aws:s3:::acme-waygate-bundles/prod/history/*",
    ])
    error_message = "publisher should put bundles/*, channels/* and history/* under the prefix"
  }
  assert {
    condition = !contains(flatten([
      for s in jsondecode(output.publisher_policy_json).Statement : s.Action
    ]), "s3:DeleteObject")
    error_message = "publisher must not delete unless publisher_can_delete_bundles"
  }
  assert {
    condition = toset(one([
      for s in jsondecode(output.publisher_policy_json).Statement : s.Condition.StringLike["s3:prefix"] if s.Sid == "ListStore"
    ])) == toset(["prod/bundles/*", "prod/channels/*", "prod/history/*"])
    error_message = "publisher list should cover the three areas"
  }
}

run "gc_and_kms_extend_the_policies" {
  command = plan
  variables {
    publisher_can_delete_bundles = true
    kms_key_arn                  = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
  assert {
    condition     = output.sse_algorithm == "aws:kms"
    error_message = "a KMS key selects SSE-KMS"
  }
  assert {
    condition = one([
      for s in jsondecode(output.publisher_policy_json).Statement : s.Resource if contains(s.Action, "s3:DeleteObject")
    ]) == ["arn:aws:s3:::acme-waygate-bundles/prod/bundles/*"]
    error_message = "gc may delete bundles/* only"
  }
  assert {
    condition = one([
      for s in jsondecode(output.reader_policy_json).Statement : s if s.Sid == "BundleKey"
    ]).Action == ["kms:Decrypt"]
    error_message = "reader needs kms:Decrypt only"
  }
  assert {
    condition = toset(one([
      for s in jsondecode(output.publisher_policy_json).Statement : s if s.Sid == "BundleKey"
    ]).Action) == toset(["kms:Decrypt", "kms:GenerateDataKey"])
    error_message = "publisher needs kms:GenerateDataKey to write"
  }
}

run "bucket_policy_denies_plain_http" {
  command = plan
  assert {
    condition = anytrue([
      for s in jsondecode(output.bucket_policy_json).Statement :
      s.Effect == "Deny" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false" && contains(s.Resource, "arn:aws:s3:::acme-waygate-bundles/*")
    ])
    error_message = "bucket policy must deny requests without TLS"
  }
}

run "lifecycle_keeps_bundles_unless_asked" {
  command = plan
  assert {
    condition     = length(output.lifecycle_rules) == 1 && output.lifecycle_rules[0].noncurrent_version_expiration_days == 30 && output.lifecycle_rules[0].prefix == "prod/"
    error_message = "default lifecycle only expires noncurrent versions under the prefix"
  }
}

run "lifecycle_expires_old_bundles_when_asked" {
  command = plan
  variables {
    bundle_expiration_days = 90
  }
  assert {
    condition     = one([for r in output.lifecycle_rules : r if r.id == "old-bundles"]).prefix == "prod/bundles/" && one([for r in output.lifecycle_rules : r if r.id == "old-bundles"]).expiration_days == 90
    error_message = "old-bundles rule should expire prod/bundles/ after 90 days"
  }
}

run "rejects_bad_bucket_names" {
  command = plan
  variables {
    bucket_name = "Bad_Bucket"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_dotted_bucket_names" {
  command = plan
  variables {
    bucket_name = "waygate.bundles"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_ip_like_and_reserved_names" {
  command = plan
  variables {
    bucket_name = "xn--bundles"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_bad_prefix" {
  command = plan
  variables {
    prefix = "prod//x"
  }
  expect_failures = [var.prefix]
}

run "rejects_short_bundle_expiration" {
  command = plan
  variables {
    bundle_expiration_days = 7
  }
  expect_failures = [var.bundle_expiration_days]
}

run "rejects_non_kms_arn" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:s3:::not-a-key"
  }
  expect_failures = [var.kms_key_arn]
}
