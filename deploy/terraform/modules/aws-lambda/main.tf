data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# Environment, package choice, names and IAM documents: plain Terraform, tested offline.
module "config" {
  source = "./modules/config"

  function_name             = var.function_name
  architecture              = var.architecture
  package_zip_path          = var.package_zip_path
  package_s3_bucket         = var.package_s3_bucket
  package_s3_key            = var.package_s3_key
  package_s3_object_version = var.package_s3_object_version
  store_uri                 = var.store_uri
  store_kms_key_arn         = var.store_kms_key_arn
  channel                   = var.channel
  public_key                = var.public_key
  extra_public_keys         = var.extra_public_keys
  refresh_seconds           = var.refresh_seconds
  environment               = var.environment
  log_retention_days        = var.log_retention_days
  reserved_concurrency      = var.reserved_concurrency
  memory_size               = var.memory_size
  timeout                   = var.timeout
  function_url_auth_type    = var.function_url_auth_type
  partition                 = data.aws_partition.current.partition
  # `id` is the region name in provider v5 and v6 (v6 deprecates `name`, v5 lacks `region`).
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id
}

locals {
  package = module.config.package
}

resource "aws_cloudwatch_log_group" "this" {
  name              = module.config.log_group_name
  retention_in_days = module.config.log_retention_days
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name               = module.config.role_name
  path               = "/waygate/"
  assume_role_policy = module.config.assume_role_policy_json
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "waygate-bundle-read-and-logs"
  role   = aws_iam_role.this.id
  policy = module.config.role_policy_json
}

resource "aws_lambda_function" "this" {
  function_name = module.config.function_name
  role          = aws_iam_role.this.arn
  runtime       = module.config.runtime
  handler       = module.config.handler
  architectures = module.config.architectures
  memory_size   = var.memory_size
  timeout       = var.timeout

  filename          = local.package.type == "zip" ? local.package.filename : null
  source_code_hash  = local.package.type == "zip" ? filebase64sha256(local.package.filename) : null
  s3_bucket         = local.package.type == "s3" ? local.package.s3_bucket : null
  s3_key            = local.package.type == "s3" ? local.package.s3_key : null
  s3_object_version = local.package.type == "s3" ? local.package.s3_object_version : null

  reserved_concurrent_executions = module.config.reserved_concurrent_executions

  environment {
    variables = module.config.environment
  }

  # waygate writes JSON lines itself; JSON platform logs keep the group queryable as one format.
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_function_url" "this" {
  count              = var.create_function_url ? 1 : 0
  function_name      = aws_lambda_function.this.function_name
  authorization_type = module.config.function_url_auth_type
  invoke_mode        = "BUFFERED"
}

# A public Function URL needs a resource policy allowing unauthenticated invokes.
resource "aws_lambda_permission" "function_url" {
  count                  = var.create_function_url && var.function_url_auth_type == "NONE" ? 1 : 0
  statement_id           = "FunctionURLAllowPublicAccess"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.this.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

resource "aws_apigatewayv2_api" "this" {
  count         = var.create_http_api ? 1 : 0
  name          = var.function_name
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "this" {
  count                  = var.create_http_api ? 1 : 0
  api_id                 = aws_apigatewayv2_api.this[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.this.invoke_arn
  payload_format_version = "2.0"
}

# Every method and path goes to waygate; routing is the bundle's job, not API Gateway's.
resource "aws_apigatewayv2_route" "this" {
  count     = var.create_http_api ? 1 : 0
  api_id    = aws_apigatewayv2_api.this[0].id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.this[0].id}"
}

resource "aws_apigatewayv2_stage" "this" {
  count       = var.create_http_api ? 1 : 0
  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true
  tags        = var.tags
}

resource "aws_lambda_permission" "http_api" {
  count         = var.create_http_api ? 1 : 0
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this[0].execution_arn}/*/*"
}
