//! kgateway AI Backends: one LLM provider, its model and a *reference* to its credentials.

use serde::Deserialize;
use waygate_core::bundle::{AiBackend, ObjectRef};

use super::{HostSpec, host_port};
use crate::error::FieldError;

#[derive(Debug, Deserialize)]
pub(crate) struct AiSpec {
    pub llm: Option<LlmSpec>,
    pub multipool: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LlmSpec {
    /// kgateway ≥ 2.1: `llm.provider.openai`.
    pub provider: Option<Providers>,
    /// kgateway 2.0: `llm.openai`.
    #[serde(flatten)]
    pub legacy: Providers,
    pub host_override: Option<HostSpec>,
    pub path_override: Option<PathOverride>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Providers {
    pub openai: Option<ProviderSpec>,
    #[serde(alias = "azureOpenai", alias = "azureOpenAI")]
    pub azureopenai: Option<ProviderSpec>,
    pub anthropic: Option<ProviderSpec>,
    pub gemini: Option<ProviderSpec>,
    #[serde(alias = "vertexAI", alias = "vertexAi")]
    pub vertexai: Option<ProviderSpec>,
    pub bedrock: Option<ProviderSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProviderSpec {
    pub auth_token: Option<AuthToken>,
    pub model: Option<String>,
    /// Azure OpenAI.
    pub endpoint: Option<String>,
    pub deployment_name: Option<String>,
    /// Bedrock.
    pub auth: Option<AwsAuth>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthToken {
    pub kind: Option<String>,
    pub inline: Option<serde_json::Value>,
    pub secret_ref: Option<LocalRef>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LocalRef {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AwsAuth {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub secret: Option<LocalRef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PathOverride {
    pub full_path: Option<String>,
}

pub(super) fn lower_llm(ns: &str, name: &str, llm: &LlmSpec) -> Result<AiBackend, FieldError> {
    let (providers, base) = match &llm.provider {
        Some(p) => (p, "spec.ai.llm.provider"),
        None => (&llm.legacy, "spec.ai.llm"),
    };
    let all = [
        ("openai", &providers.openai),
        ("azureopenai", &providers.azureopenai),
        ("anthropic", &providers.anthropic),
        ("gemini", &providers.gemini),
        ("vertexai", &providers.vertexai),
        ("bedrock", &providers.bedrock),
    ];
    let mut set = all.iter().filter_map(|(n, p)| p.as_ref().map(|p| (*n, p)));
    let Some((provider, config)) = set.next() else {
        return Err(FieldError::new(
            base,
            "no LLM provider (openai, azureopenai, anthropic, gemini, vertexai, bedrock)",
        ));
    };
    if let Some((other, _)) = set.next() {
        return Err(FieldError::new(
            base,
            format!("more than one LLM provider ({provider}, {other})"),
        ));
    }
    let field = format!("{base}.{provider}");
    let auth_secret = match provider {
        "bedrock" => bedrock_secret(config.auth.as_ref(), &format!("{field}.auth"))?,
        _ => token_secret(config.auth_token.as_ref(), &format!("{field}.authToken"))?,
    }
    .map(|secret| ObjectRef::new(ns, secret));
    let (mut host, model) = match provider {
        "azureopenai" => (
            config.endpoint.as_ref().map(|e| strip_scheme(e).to_owned()),
            config.deployment_name.clone(),
        ),
        _ => (None, config.model.clone()),
    };
    let mut port_override = None;
    if let Some(o) = &llm.host_override {
        let hp = host_port(o, "spec.ai.llm.hostOverride")?;
        host = Some(hp.host);
        port_override = Some(hp.port);
    }
    Ok(AiBackend {
        namespace: ns.to_owned(),
        name: name.to_owned(),
        provider: provider.to_owned(),
        model,
        auth_secret,
        host,
        port: port_override,
        path: llm.path_override.as_ref().and_then(|p| p.full_path.clone()),
    })
}

fn strip_scheme(endpoint: &str) -> &str {
    endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .unwrap_or(endpoint)
}

/// The Secret holding the provider token, or `None` for passthrough.
fn token_secret(token: Option<&AuthToken>, field: &str) -> Result<Option<String>, FieldError> {
    let Some(token) = token else {
        return Ok(None);
    };
    if token.inline.is_some() || token.kind.as_deref() == Some("Inline") {
        return Err(FieldError::new(
            field,
            "inline tokens are refused: bundles are published and must never carry secrets; store the token in a Secret and use kind: SecretRef",
        ));
    }
    match (token.kind.as_deref(), &token.secret_ref) {
        (Some("Passthrough"), _) | (None, None) => Ok(None),
        (Some("SecretRef") | None, Some(r)) => Ok(Some(r.name.clone())),
        (Some("SecretRef"), None) => Err(FieldError::new(
            format!("{field}.secretRef"),
            "required when kind is SecretRef",
        )),
        (Some(other), _) => Err(FieldError::new(
            format!("{field}.kind"),
            format!("unknown variant {other:?}, expected one of SecretRef, Passthrough"),
        )),
    }
}

fn bedrock_secret(auth: Option<&AwsAuth>, field: &str) -> Result<Option<String>, FieldError> {
    match auth {
        Some(AwsAuth {
            kind: Some(k),
            secret,
        }) if k.eq_ignore_ascii_case("secret") => secret
            .as_ref()
            .map(|s| Some(s.name.clone()))
            .ok_or_else(|| {
                FieldError::new(format!("{field}.secret"), "required when type is secret")
            }),
        _ => Ok(None),
    }
}
