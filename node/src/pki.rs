//! A cluster's own certificates, made with rcgen (no openssl needed): a CA, one
//! certificate per office node (naming its office, for 127.0.0.1 and localhost), and
//! client certificates that carry a grant (office, person, scopes) but never a node's
//! identity. `dms cluster up` makes them in `ROOT/tls/`; `dms admin cert create` issues
//! more client certificates from the same CA. Private keys are written readable by
//! their owner only.
//!
//! Files in a directory made by [`ensure_cluster`]: `ca.pem`, `ca-key.pem`,
//! `node-OFFICE.pem` and `node-OFFICE-key.pem` for each office, `operator.pem` and
//! `operator-key.pem` (an admin client certificate for the operator's `dms`).

use crate::auth::{identity_uri, Caller, Grant, Scope};
use anyhow::{Context, Result};
use engine::ids::OfficeId;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The CA that signs a cluster's certificates.
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// The files of one certificate: the certificate, its key, and the CA's certificate.
#[derive(Clone, Debug)]
pub struct CertFiles {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM, mode 0600).
    pub key: PathBuf,
    /// The CA's certificate (PEM).
    pub ca: PathBuf,
}

/// The node certificate files of `office` in `dir`.
pub fn node_files(dir: &Path, office: &OfficeId) -> CertFiles {
    named(dir, &format!("node-{office}"))
}

/// The operator's client certificate files in `dir`.
pub fn operator_files(dir: &Path) -> CertFiles {
    named(dir, "operator")
}

fn named(dir: &Path, name: &str) -> CertFiles {
    CertFiles {
        cert: dir.join(format!("{name}.pem")),
        key: dir.join(format!("{name}-key.pem")),
        ca: dir.join("ca.pem"),
    }
}

/// Writes `text` to `path`, readable (and writable) by its owner only.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

impl Ca {
    /// A new CA named after the cluster.
    pub fn generate(name: &str) -> Result<Ca> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params
            .distinguished_name
            .push(DnType::CommonName, format!("dms cluster CA ({name})"));
        let cert = params.self_signed(&key)?;
        Ok(Ca { cert, key })
    }

    /// The CA kept in `dir` (`ca.pem`, `ca-key.pem`).
    pub fn load(dir: &Path) -> Result<Ca> {
        let read = |f: &str| {
            std::fs::read_to_string(dir.join(f))
                .with_context(|| format!("reading {}", dir.join(f).display()))
        };
        let key = KeyPair::from_pem(&read("ca-key.pem")?).context("ca-key.pem")?;
        let params = CertificateParams::from_ca_cert_pem(&read("ca.pem")?).context("ca.pem")?;
        // The same name and key sign as the original: certificates it issues chain to it.
        let cert = params.self_signed(&key)?;
        Ok(Ca { cert, key })
    }

    /// Writes the CA into `dir` (its key 0600).
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::write(dir.join("ca.pem"), self.cert.pem())?;
        write_private(&dir.join("ca-key.pem"), &self.key.serialize_pem())
    }

    /// A certificate for `who` (a node or a client), signed by this CA, written as
    /// `files` (the key 0600). A node's is for 127.0.0.1 and localhost as a server too.
    pub fn issue(&self, who: &Caller, files: &CertFiles) -> Result<()> {
        let uri = identity_uri(who).context("an open caller has no certificate")?;
        let (hosts, usages, cn) = match who {
            Caller::Node(o) => (
                vec!["127.0.0.1".to_string(), "localhost".to_string()],
                vec![
                    ExtendedKeyUsagePurpose::ServerAuth,
                    ExtendedKeyUsagePurpose::ClientAuth,
                ],
                format!("dms node {o}"),
            ),
            _ => (
                vec![],
                vec![ExtendedKeyUsagePurpose::ClientAuth],
                "dms client".to_string(),
            ),
        };
        let mut params = CertificateParams::new(hosts)?;
        params
            .subject_alt_names
            .push(SanType::URI(uri.as_str().try_into()?));
        params.extended_key_usages = usages;
        params.distinguished_name.push(DnType::CommonName, cn);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        std::fs::write(&files.cert, cert.pem())
            .with_context(|| format!("writing {}", files.cert.display()))?;
        write_private(&files.key, &key.serialize_pem())
    }
}

/// Makes `dir`'s CA, node certificates for `offices` and the operator's certificate,
/// unless every one is already there. Returns whether it made them.
pub fn ensure_cluster(dir: &Path, offices: &[OfficeId]) -> Result<bool> {
    let mut wanted = vec![operator_files(dir)];
    wanted.extend(offices.iter().map(|o| node_files(dir, o)));
    let complete =
        wanted.iter().all(|f| f.cert.exists() && f.key.exists()) && dir.join("ca-key.pem").exists();
    if complete {
        return Ok(false);
    }
    make_private_dir(dir)?;
    let ca = Ca::generate(&dir.display().to_string())?;
    ca.save(dir)?;
    for o in offices {
        ca.issue(&Caller::Node(o.clone()), &node_files(dir, o))?;
    }
    let operator = Grant {
        office: offices.first().cloned().unwrap_or_default(),
        person: None,
        scopes: vec![Scope::Admin],
    };
    ca.issue(&Caller::Client(operator), &operator_files(dir))?;
    Ok(true)
}

/// Creates `dir` (and its parents) and makes it readable by its owner only.
pub fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("restricting {}", dir.display()))
}
