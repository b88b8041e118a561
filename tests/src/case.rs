use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use waygate_compiler::{CompileOptions, Source, compile};
use waygate_core::bundle::{ObjectRef, PrivateKey, TrustedKeys, sign, verify};
use waygate_core::explain::ExplainRequest;
use waygate_core::router::Router;

/// Creation time every corpus bundle is compiled with, so answers are reproducible.
pub const CREATED: u64 = 1_700_000_000;

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(skip)]
    pub path: PathBuf,
    pub description: String,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default = "default_class")]
    pub gateway_class: String,
    #[serde(default)]
    pub kubernetes_origin: Option<String>,
    #[serde(default)]
    pub manifests: String,
    #[serde(default)]
    pub compile_error: Option<String>,
    #[serde(default)]
    pub requests: Vec<CaseRequest>,
    #[serde(default)]
    pub status: Vec<serde_json::Value>,
    /// Manifests of the included files, prepended at load time.
    #[serde(skip)]
    pub included: Vec<Source>,
}

fn default_class() -> String {
    "waygate".to_owned()
}

fn default_method() -> String {
    "GET".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Headers {
    Map(BTreeMap<String, String>),
    List(Vec<(String, String)>),
}

impl Default for Headers {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRequest {
    pub name: String,
    #[serde(default)]
    pub gateway: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default = "default_method")]
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Headers,
    pub expect: serde_json::Value,
}

impl CaseRequest {
    pub fn header_list(&self) -> Vec<(String, String)> {
        match &self.headers {
            Headers::Map(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Headers::List(l) => l.clone(),
        }
    }

    /// The request in the form `waygate explain` and core take.
    pub fn explain_request(&self) -> Result<ExplainRequest, String> {
        let gateway = match &self.gateway {
            None => None,
            Some(g) => {
                let (ns, name) = g
                    .split_once('/')
                    .ok_or_else(|| format!("gateway {g:?} must be ns/name"))?;
                Some(ObjectRef::new(ns, name))
            }
        };
        Ok(ExplainRequest {
            gateway,
            port: self.port,
            method: self.method.clone(),
            url: self.url.clone(),
            headers: self.header_list(),
        })
    }
}

/// A case compiled, signed and loaded the way a runtime loads it.
pub struct Prepared {
    pub bundle: Vec<u8>,
    pub keys: TrustedKeys,
    pub router: Router,
    pub status: serde_json::Value,
}

impl Case {
    /// Manifests in order: the included files, then the case's own.
    pub fn sources(&self) -> Vec<Source> {
        let mut sources = self.included.clone();
        sources.push(Source {
            name: self.path.display().to_string(),
            text: self.manifests.clone(),
        });
        sources
    }

    pub fn options(&self) -> CompileOptions {
        CompileOptions {
            gateway_class: self.gateway_class.clone(),
            generation: 1,
            created: CREATED,
            expires: None,
            kubernetes_origin: self.kubernetes_origin.clone(),
        }
    }

    /// Compiles, signs with a fixed test key, verifies and builds the router.
    pub fn prepare(&self) -> Result<Prepared, String> {
        let compiled = compile(&self.sources(), &self.options()).map_err(|e| e.to_string())?;
        let key = PrivateKey::from_seed(&[42; 32]);
        let bundle = sign(&compiled.payload, &[&key]).map_err(|e| e.to_string())?;
        let keys = TrustedKeys::new(vec![key.public_key()]);
        let verified = verify(&bundle, &keys, CREATED).map_err(|e| e.to_string())?;
        let router = Router::new(&verified).map_err(|e| e.to_string())?;
        let status = serde_json::to_value(&compiled.status).map_err(|e| e.to_string())?;
        Ok(Prepared {
            bundle,
            keys,
            router,
            status,
        })
    }
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn read(path: &Path) -> Result<String, CorpusError> {
    std::fs::read_to_string(path).map_err(|e| CorpusError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CorpusError> {
    let entries = std::fs::read_dir(dir).map_err(|e| CorpusError::Read {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('_') {
            continue; // shared includes, not cases
        }
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Every case under `dir`, sorted by path, with includes resolved relative to `dir`.
pub fn load_corpus(dir: &Path) -> Result<Vec<Case>, CorpusError> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    let mut cases = Vec::with_capacity(paths.len());
    for path in paths {
        let text = read(&path)?;
        let mut case: Case = serde_yaml_ng::from_str(&text).map_err(|e| CorpusError::Read {
            path: path.clone(),
            message: e.to_string(),
        })?;
        case.path.clone_from(&path);
        for inc in &case.include {
            let inc_path = dir.join(inc);
            case.included.push(Source {
                name: inc_path.display().to_string(),
                text: read(&inc_path)?,
            });
        }
        cases.push(case);
    }
    Ok(cases)
}
