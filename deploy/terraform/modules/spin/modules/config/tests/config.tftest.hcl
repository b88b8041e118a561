# Offline checks of the SpinApp wiring (no provider needed).

variables {
  name               = "waygate-edge"
  image              = "ghcr.io/acme/waygate-spin:0.1.0"
  store_uri          = "s3://acme-waygate-bundles/prod"
  channel            = "production"
  outbound_store     = "https://acme-waygate-bundles.s3.eu-west-1.amazonaws.com"
  outbound_upstreams = "https://*.api.acme.example"
  public_keys        = ["-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+qy1RdrdClLHhCsvximNKpPG9PifVUDA4CDM2TbN0Pw=\n-----END PUBLIC KEY-----\n"]
}

run "spinapp_wires_the_store" {
  command = plan

  assert {
    condition     = output.spinapp.kind == "SpinApp" && output.spinapp.apiVersion == "core.spinkube.dev/v1alpha1"
    error_message = "a SpinKube SpinApp"
  }
  assert {
    condition     = one([for v in output.spinapp.spec.variables : v.value if v.name == "waygate_store"]) == "s3://acme-waygate-bundles/prod"
    error_message = "waygate_store is the store URI"
  }
  assert {
    condition     = one([for v in output.spinapp.spec.variables : v.value if v.name == "waygate_channel"]) == "production"
    error_message = "waygate_channel is the channel"
  }
  assert {
    condition     = one([for v in output.spinapp.spec.variables : v.valueFrom.secretKeyRef.name if v.name == "waygate_public_key"]) == "waygate-edge-settings"
    error_message = "the public key comes from the settings Secret"
  }
  assert {
    condition     = output.secret_data.waygate_public_key == "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA+qy1RdrdClLHhCsvximNKpPG9PifVUDA4CDM2TbN0Pw=\n-----END PUBLIC KEY-----"
    error_message = "one key is its trimmed PEM"
  }
  assert {
    condition     = length([for v in output.spinapp.spec.variables : v if startswith(v.name, "aws_")]) == 0
    error_message = "no credential variables without credentials_secret"
  }
}

run "outbound_hosts_are_wired" {
  command = plan

  assert {
    condition     = one([for v in output.spinapp.spec.variables : v.value if v.name == "waygate_outbound_store"]) == "https://acme-waygate-bundles.s3.eu-west-1.amazonaws.com"
    error_message = "waygate_outbound_store feeds allowed_outbound_hosts"
  }
  assert {
    condition     = one([for v in output.spinapp.spec.variables : v.value if v.name == "waygate_outbound_upstreams"]) == "https://*.api.acme.example"
    error_message = "waygate_outbound_upstreams feeds allowed_outbound_hosts"
  }
}

run "an_outbound_pattern_with_a_path_is_refused" {
  command = plan
  variables {
    outbound_upstreams = "https://api.acme.example/v1"
  }
  expect_failures = [var.outbound_upstreams]
}

run "credentials_come_from_a_secret" {
  command = plan
  variables {
    credentials_secret = "waygate-s3"
  }
  assert {
    condition     = length([for v in output.spinapp.spec.variables : v if v.name == "aws_secret_access_key" && try(v.valueFrom.secretKeyRef.name, "") == "waygate-s3"]) == 1
    error_message = "the secret key is read from credentials_secret"
  }
}

run "file_store_is_refused" {
  command = plan
  variables {
    store_uri = "file:///var/lib/waygate"
  }
  expect_failures = [var.store_uri]
}

run "a_public_key_is_required" {
  command = plan
  variables {
    public_keys = []
  }
  expect_failures = [var.public_keys]
}
