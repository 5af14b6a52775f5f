//! TLS with rustls, from a node's `[tls]` table: the node's certificate and key, and the
//! CA that signed every node's certificate. Between nodes it is mutual (a node accepts
//! only peers with a certificate from the CA, and checks theirs by IP address or name;
//! what each peer may do comes from the identity its certificate names, [`identity_of`]);
//! on the HTTP port it is server-only (clients authenticate with API keys). The tarpc
//! side is process-wide: once [`use_between_nodes`] is called, every connection
//! [`crate::rpc::connect`] makes and every one the node accepts is TLS.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The configurations one certificate gives.
#[derive(Clone, Debug)]
pub struct Tls {
    /// Accepting other nodes (client certificates required).
    pub server: Arc<ServerConfig>,
    /// Calling other nodes (presenting this node's certificate).
    pub client: Arc<ClientConfig>,
    /// The HTTP API (no client certificate; HTTP/1.1).
    pub http: Arc<ServerConfig>,
}

fn bad(what: &str, path: &Path, e: impl std::fmt::Display) -> String {
    format!("tls.{what} ({}): {e}", path.display())
}

/// Reads the PEM files; the error names the file and the problem.
pub fn load(cert: &Path, key: &Path, ca: &Path) -> Result<Tls, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad("cert", cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad("cert", cert, e))?;
    if chain.is_empty() {
        return Err(bad("cert", cert, "no certificate in the file"));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("key", key, e))?;
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).map_err(|e| bad("ca", ca, e))? {
        roots
            .add(c.map_err(|e| bad("ca", ca, e))?)
            .map_err(|e| bad("ca", ca, e))?;
    }
    if roots.is_empty() {
        return Err(bad("ca", ca, "no certificate in the file"));
    }
    let roots = Arc::new(roots);
    let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(|e| bad("ca", ca, e))?;
    let versions = |e: rustls::Error| bad("cert", cert, e);
    let server = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(versions)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain.clone(), private.clone_key())
        .map_err(|e| bad("key", key, e))?;
    let mut http = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(versions)?
        .with_no_client_auth()
        .with_single_cert(chain.clone(), private.clone_key())
        .map_err(|e| bad("key", key, e))?;
    http.alpn_protocols = vec![b"http/1.1".to_vec()];
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(versions)?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, private)
        .map_err(|e| bad("key", key, e))?;
    Ok(Tls {
        server: Arc::new(server),
        client: Arc::new(client),
        http: Arc::new(http),
    })
}

static BETWEEN_NODES: OnceLock<Tls> = OnceLock::new();

/// Makes every tarpc connection of this process TLS (the first call wins).
pub fn use_between_nodes(tls: Tls) {
    let _ = BETWEEN_NODES.set(tls);
}

/// The TLS tarpc connections use, if any.
pub fn between_nodes() -> Option<&'static Tls> {
    BETWEEN_NODES.get()
}

/// Who a certificate names: the `urn:dms:` URI among its subject alternative names (see
/// [`crate::auth::identity_uri`]). A certificate without one, or with two, names nobody.
pub fn identity_of(der: &[u8]) -> Result<crate::auth::Caller, String> {
    use x509_parser::extensions::GeneralName;
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("the certificate does not parse: {e}"))?;
    let names = cert
        .subject_alternative_name()
        .map_err(|e| format!("the certificate's alternative names do not parse: {e}"))?;
    let uris: Vec<&str> = names
        .map(|n| n.value.general_names.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|n| match n {
            GeneralName::URI(u) if u.starts_with("urn:dms:") => Some(*u),
            _ => None,
        })
        .collect();
    match uris.as_slice() {
        [uri] => crate::auth::parse_identity_uri(uri),
        [] => Err("the certificate names no dms identity (a urn:dms: URI)".into()),
        _ => Err("the certificate names more than one dms identity".into()),
    }
}
