//! TLS termination: certificates from `--secrets-dir/<ns>/<name>/tls.crt|tls.key`, chosen
//! per connection by the listener the SNI name selects (core decides which listener), with
//! ALPN offering h2 and http/1.1.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use waygate_core::bundle::{ObjectRef, Protocol};
use waygate_core::router::{RequestContext, Router, RuntimeKind};

use crate::state::Shared;

/// Certificates of every HTTPS listener's certificateRefs, loaded when a bundle is installed.
#[derive(Debug, Default)]
pub(crate) struct CertStore {
    certs: HashMap<ObjectRef, Arc<CertifiedKey>>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum CertError {
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    #[error("{0}: no certificate in tls.crt")]
    Empty(String),
    #[error("{path}: unsupported private key: {message}")]
    Key { path: String, message: String },
}

fn load_pair(dir: &Path) -> Result<CertifiedKey, CertError> {
    let crt = dir.join("tls.crt");
    let key = dir.join("tls.key");
    let read_err = |path: &Path, e: &dyn std::fmt::Display| CertError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let chain = CertificateDer::pem_file_iter(&crt)
        .map_err(|e| read_err(&crt, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_err(&crt, &e))?;
    if chain.is_empty() {
        return Err(CertError::Empty(crt.display().to_string()));
    }
    let der = PrivateKeyDer::from_pem_file(&key).map_err(|e| read_err(&key, &e))?;
    let signing =
        rustls::crypto::ring::sign::any_supported_type(&der).map_err(|e| CertError::Key {
            path: key.display().to_string(),
            message: e.to_string(),
        })?;
    Ok(CertifiedKey::new(chain, signing))
}

impl CertStore {
    /// Loads the certificateRefs of the router's terminating listeners. A missing or bad
    /// secret is reported and skipped: that listener's handshakes fail, others keep working.
    pub(crate) fn load(router: &Router, secrets_dir: Option<&Path>) -> (Self, Vec<CertError>) {
        let mut store = Self::default();
        let mut errors = Vec::new();
        let Some(dir) = secrets_dir else {
            return (store, errors);
        };
        for gateway in &router.payload().gateways {
            for listener in &gateway.listeners {
                let refs = listener
                    .tls
                    .iter()
                    .filter(|_| listener.protocol == Protocol::Https)
                    .flat_map(|t| &t.certificate_refs);
                for r in refs {
                    if store.certs.contains_key(r) {
                        continue;
                    }
                    match load_pair(&dir.join(&r.namespace).join(&r.name)) {
                        Ok(ck) => {
                            store.certs.insert(r.clone(), Arc::new(ck));
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
        (store, errors)
    }

    pub(crate) fn get(&self, r: &ObjectRef) -> Option<Arc<CertifiedKey>> {
        self.certs.get(r).cloned()
    }
}

/// Picks the certificate for one listener port from the bundle being served right now.
#[derive(Debug)]
struct PortResolver {
    shared: Arc<Shared>,
    port: u16,
}

impl ResolvesServerCert for PortResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let active = self.shared.active.load_full()?;
        let ctx = RequestContext {
            gateway: self.shared.config.gateway.clone(),
            port: self.port,
            runtime: RuntimeKind::Kubernetes,
        };
        // Without SNI (clients connecting by IP) any listener without a hostname fits.
        let (_, listener) = active.router.listener_for_sni(
            &ctx,
            Protocol::Https,
            hello.server_name().unwrap_or(""),
        )?;
        let refs = &listener.tls.as_ref()?.certificate_refs;
        refs.iter().find_map(|r| active.certs.get(r))
    }
}

/// The rustls server configuration for one HTTPS port.
pub(crate) fn server_config(
    shared: Arc<Shared>,
    port: u16,
) -> Result<rustls::ServerConfig, rustls::Error> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_cert_resolver(Arc::new(PortResolver { shared, port }));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
