# Offline checks of the Lambda function's wiring (no provider needed).

variables {
  function_name    = "waygate-edge"
  package_zip_path = "target/lambda/waygate-lambda/bootstrap.zip"
  store_uri        = "s3://acme-waygate-bundles/prod"
  channel          = "production"
  public_key       = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+qy1RdrdClLHhCsvximNKpPG9PifVUDA4CDM2TbN0Pw=\n-----END PUBLIC KEY-----\n"
  region           = "eu-west-1"
  account_id       = "123456789012"
}

run "environment_wires_the_store" {
  command = plan

  assert {
    condition     = output.environment.WAYGATE_STORE == "s3://acme-waygate-bundles/prod"
    error_message = "WAYGATE_STORE should be the store URI"
  }
  assert {
    condition     = output.environment.WAYGATE_CHANNEL == "production"
    error_message = "WAYGATE_CHANNEL should be the channel"
  }
  assert {
    condition     = output.environment.WAYGATE_REFRESH_SECONDS == "30"
    error_message = "WAYGATE_REFRESH_SECONDS should default to 30"
  }
  assert {
    condition     = output.environment.WAYGATE_PUBLIC_KEY == "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+qy1RdrdClLHhCsvximNKpPG9PifVUDA4CDM2TbN0Pw=\n-----END PUBLIC KEY-----"
    error_message = "a single key is passed as its PEM text"
  }
  assert {
    condition     = output.runtime == "provided.al2023" && output.handler == "bootstrap" && output.architectures == ["arm64"]
    error_message = "defaults: provided.al2023, bootstrap, arm64"
  }
  assert {
    condition     = output.package.type == "zip" && output.package.filename == "target/lambda/waygate-lambda/bootstrap.zip"
    error_message = "package from the zip path"
  }
  assert {
    condition     = output.log_group_name == "/aws/lambda/waygate-edge" && output.reserved_concurrent_executions == -1
    error_message = "log group follows the function name; concurrency unreserved by default"
  }
}

run "several_keys_are_comma_separated_and_extra_env_kept" {
  command = plan
  variables {
    extra_public_keys = ["-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA3d4lJ6eWxzm/n4722wlIL1ZQ40tghengGr2IHMIAOFw=\n-----END PUBLIC KEY-----\n"]
    environment       = { RUST_LOG = "info" }
    refresh_seconds   = 300
    architecture      = "x86_64"
  }
  assert {
    condition     = length(split(",", output.environment.WAYGATE_PUBLIC_KEY)) == 2 && endswith(output.environment.WAYGATE_PUBLIC_KEY, "IAOFw=\n-----END PUBLIC KEY-----")
    error_message = "two keys joined with a comma"
  }
  assert {
    condition     = output.environment.RUST_LOG == "info" && output.environment.WAYGATE_REFRESH_SECONDS == "300"
    error_message = "extra environment and refresh interval should be passed"
  }
  assert {
    condition     = output.architectures == ["x86_64"]
    error_message = "architecture variable should select x86_64"
  }
}

run "role_reads_the_bundle_prefix_only_and_writes_its_logs" {
  command = plan

  assert {
    condition = toset(flatten([
      for s in jsondecode(output.role_policy_json).Statement : s.Resource if contains(s.Action, "s3:GetObject")
      ])) == toset([
      "arn:aws:s3:::acme-waygate-bundles/prod/bundles/*",
      "arn:aws:s3:::acme-waygate-bundles/prod/channels/*",
    ])
    error_message = "the role may read bundles/ and channels/ under the prefix only"
  }
  assert {
    condition = toset(flatten([
      for s in jsondecode(output.role_policy_json).Statement : s.Action
    ])) == toset(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "logs:CreateLogStream", "logs:PutLogEvents"])
    error_message = "no write access to the store, no CreateLogGroup"
  }
  assert {
    condition = one([
      for s in jsondecode(output.role_policy_json).Statement : s.Resource if contains(s.Action, "logs:PutLogEvents")
    ]) == ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/waygate-edge:*"]
    error_message = "logs only to the function's own log group"
  }
  assert {
    condition     = jsondecode(output.assume_role_policy_json).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "the role must trust lambda.amazonaws.com"
  }
}

run "bucket_root_store_and_kms" {
  command = plan
  variables {
    store_uri         = "s3://acme-waygate-bundles/"
    store_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
  assert {
    condition     = output.store_bucket == "acme-waygate-bundles" && output.store_prefix == "" && output.environment.WAYGATE_STORE == "s3://acme-waygate-bundles"
    error_message = "store at the bucket root"
  }
  assert {
    condition = contains(flatten([
      for s in jsondecode(output.role_policy_json).Statement : s.Resource if contains(s.Action, "s3:GetObject")
    ]), "arn:aws:s3:::acme-waygate-bundles/bundles/*")
    error_message = "root store reads bundles/* at the root"
  }
  assert {
    condition     = contains(flatten([for s in jsondecode(output.role_policy_json).Statement : s.Action]), "kms:Decrypt")
    error_message = "an encrypted store needs kms:Decrypt"
  }
}

run "package_from_s3" {
  command = plan
  variables {
    package_zip_path  = null
    package_s3_bucket = "acme-artifacts"
    package_s3_key    = "waygate/0.1.0/bootstrap-arm64.zip"
  }
  assert {
    condition     = output.package.type == "s3" && output.package.s3_key == "waygate/0.1.0/bootstrap-arm64.zip"
    error_message = "package from S3"
  }
}

run "rejects_both_package_sources" {
  command = plan
  variables {
    package_s3_bucket = "acme-artifacts"
    package_s3_key    = "waygate/bootstrap.zip"
  }
  expect_failures = [output.package]
}

run "rejects_no_package_source" {
  command = plan
  variables {
    package_zip_path = null
  }
  expect_failures = [output.package]
}

run "rejects_s3_key_without_bucket" {
  command = plan
  variables {
    package_zip_path = null
    package_s3_key   = "waygate/bootstrap.zip"
  }
  expect_failures = [output.package]
}

run "rejects_oversized_environment" {
  command = plan
  variables {
    environment = { BIG = format("%4000s", "x") }
  }
  expect_failures = [output.environment]
}

run "rejects_unknown_architecture" {
  command = plan
  variables {
    architecture = "aarch64"
  }
  expect_failures = [var.architecture]
}

run "rejects_overriding_the_wiring" {
  command = plan
  variables {
    environment = { WAYGATE_STORE = "s3://elsewhere" }
  }
  expect_failures = [var.environment]
}

run "rejects_reserved_lambda_variables" {
  command = plan
  variables {
    environment = { AWS_LAMBDA_FUNCTION_NAME = "x" }
  }
  expect_failures = [var.environment]
}

run "rejects_retention_cloudwatch_refuses" {
  command = plan
  variables {
    log_retention_days = 10
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_bad_reserved_concurrency" {
  command = plan
  variables {
    reserved_concurrency = -2
  }
  expect_failures = [var.reserved_concurrency]
}

run "rejects_non_pem_public_key" {
  command = plan
  variables {
    public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC"
  }
  expect_failures = [var.public_key]
}

run "rejects_non_s3_store" {
  command = plan
  variables {
    store_uri = "file:///var/lib/waygate"
  }
  expect_failures = [var.store_uri]
}

run "rejects_bad_function_name" {
  command = plan
  variables {
    function_name = "waygate edge"
  }
  expect_failures = [var.function_name]
}
