# Offline checks of the Worker's wiring (no provider needed).

variables {
  script_name    = "waygate-edge"
  hostnames      = ["api.example.com", "*.apps.example.com"]
  public_key     = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+qy1RdrdClLHhCsvximNKpPG9PifVUDA4CDM2TbN0Pw=\n-----END PUBLIC KEY-----\n"
  r2_bucket_name = "acme-waygate-bundles"
}

run "r2_store_defaults" {
  command = plan

  assert {
    condition     = output.vars.WAYGATE_STORE == "r2" && output.vars.WAYGATE_CHANNEL == "prod" && output.vars.WAYGATE_REFRESH_SECONDS == "30"
    error_message = "defaults: r2 store, channel prod, refresh 30 s"
  }
  assert {
    condition     = output.vars.WAYGATE_PUBLIC_KEY == "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+qy1RdrdClLHhCsvximNKpPG9PifVUDA4CDM2TbN0Pw=\n-----END PUBLIC KEY-----"
    error_message = "a single key is passed as its PEM text"
  }
  assert {
    condition     = output.r2_binding.name == "BUNDLES" && output.r2_binding.bucket_name == "acme-waygate-bundles" && length(output.secret_names) == 0
    error_message = "R2 bound as BUNDLES, no secrets"
  }
  assert {
    condition     = !contains(keys(output.vars), "WAYGATE_S3_REGION") && !contains(keys(output.vars), "WAYGATE_GATEWAY")
    error_message = "no S3 or gateway vars unless asked"
  }
  assert {
    condition     = output.worker_routes == tolist(["api.example.com/*", "*.apps.example.com/*"]) && length(output.bypass_routes) == 0
    error_message = "one route per hostname, nothing bypassed without a placement"
  }
}

run "placement_pins_prefixes_to_the_origin" {
  command = plan
  variables {
    placement_json = "{\"kubernetes_origin\": \"https://k8s.example.com\", \"pinned\": [{\"route\": \"default/agents\", \"hostnames\": [\"api.example.com\"], \"path_prefixes\": [\"/agents\", \"/ws/\"]}, {\"route\": \"default/all\", \"hostnames\": [], \"path_prefixes\": [\"/grpc\"]}]}"
  }
  assert {
    condition     = output.bypass_routes == tolist(["api.example.com/agents*", "api.example.com/ws*", "api.example.com/grpc*", "*.apps.example.com/grpc*"])
    error_message = "pinned prefixes become bypass patterns; a route without hostnames covers every served hostname"
  }
  assert {
    condition     = output.kubernetes_origin == "https://k8s.example.com"
    error_message = "the origin is read from the placement JSON"
  }
}

run "s3_store_needs_secrets_and_signs_for_its_region" {
  command = plan
  variables {
    store             = "s3://acme-waygate-bundles/prod"
    s3_region         = "eu-west-1"
    gateway           = "infra/edge"
    port              = 443
    extra_public_keys = ["-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA3d4lJ6eWxzm/n4722wlIL1ZQ40tghengGr2IHMIAOFw=\n-----END PUBLIC KEY-----\n"]
  }
  assert {
    condition     = output.vars.WAYGATE_STORE == "s3://acme-waygate-bundles/prod" && output.vars.WAYGATE_S3_ENDPOINT == "https://s3.eu-west-1.amazonaws.com" && output.vars.WAYGATE_S3_REGION == "eu-west-1"
    error_message = "S3 store, endpoint from the region"
  }
  assert {
    condition     = output.secret_names == tolist(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) && output.r2_binding == null
    error_message = "S3 credentials are secrets; no R2 binding"
  }
  assert {
    condition     = output.vars.WAYGATE_GATEWAY == "infra/edge" && output.vars.WAYGATE_PORT == "443" && length(split(",", output.vars.WAYGATE_PUBLIC_KEY)) == 2
    error_message = "gateway, port and both keys are passed"
  }
}

run "rejects_a_bad_channel" {
  command = plan
  variables {
    channel = ".hidden"
  }
  expect_failures = [var.channel]
}

run "rejects_a_file_store" {
  command = plan
  variables {
    store = "file:///var/lib/waygate"
  }
  expect_failures = [var.store]
}

run "r2_store_needs_a_bucket" {
  command = plan
  variables {
    r2_bucket_name = null
  }
  expect_failures = [output.r2_binding]
}
