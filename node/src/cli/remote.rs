//! Talking to a running cluster: the options every cluster command shares (`--base-port`,
//! and the `--tls-*` files for a cluster whose nodes speak mutual TLS), the company's
//! directory, and a connection to the office that owns a person.

use crate::config::{sample_peers, DEFAULT_BASE_PORT};
use crate::rpc::{connect, OfficeRpcClient};
use crate::sample::{parse_directory, SAMPLE_OFFICES};
use anyhow::{Context, Result};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use engine::office::Directory;
use engine::state::MeetingSpec;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the cluster is, and how to reach it.
#[derive(clap::Args, Debug, Clone)]
pub struct ClusterOpts {
    /// The cluster's first port (offices take consecutive ports in id order).
    #[arg(long, default_value_t = DEFAULT_BASE_PORT)]
    pub base_port: u16,
    /// For nodes with a `[tls]` table: a certificate (PEM) their CA signed, presented to
    /// them (mutual TLS); with --tls-key and --tls-ca.
    #[arg(long, env = "DMS_TLS_CERT", requires_all = ["tls_key", "tls_ca"])]
    pub tls_cert: Option<PathBuf>,
    /// The key of --tls-cert (PEM).
    #[arg(long, env = "DMS_TLS_KEY", requires_all = ["tls_cert", "tls_ca"])]
    pub tls_key: Option<PathBuf>,
    /// The CA that signed the nodes' certificates (PEM).
    #[arg(long, env = "DMS_TLS_CA", requires_all = ["tls_cert", "tls_key"])]
    pub tls_ca: Option<PathBuf>,
    /// Without --tls-cert: the directory `dms cluster up` made the cluster's
    /// certificates in; its operator certificate is used when it is there.
    #[arg(long, env = "DMS_TLS_DIR", default_value = "dms-cluster/tls")]
    pub tls_dir: PathBuf,
}

impl ClusterOpts {
    /// The sample cluster at `base_port`, without TLS.
    pub fn plain(base_port: u16) -> ClusterOpts {
        ClusterOpts {
            base_port,
            tls_cert: None,
            tls_key: None,
            tls_ca: None,
            tls_dir: PathBuf::from("dms-cluster/tls"),
        }
    }

    /// The sample cluster at `base_port`, with the certificates `dms cluster up` made
    /// under `root` (if it made any).
    pub fn under(root: &std::path::Path, base_port: u16) -> ClusterOpts {
        ClusterOpts {
            tls_dir: root.join("tls"),
            ..ClusterOpts::plain(base_port)
        }
    }

    /// Makes this process's tarpc connections TLS if the options ask for it; an error
    /// names the file and the problem.
    fn use_tls(&self) -> Result<()> {
        if let (Some(cert), Some(key), Some(ca)) = (&self.tls_cert, &self.tls_key, &self.tls_ca) {
            let files = crate::pki::CertFiles {
                cert: cert.clone(),
                key: key.clone(),
                ca: ca.clone(),
            };
            return use_certificates(&files);
        }
        let operator = crate::pki::operator_files(&self.tls_dir);
        if operator.cert.exists() {
            use_certificates(&operator)?;
        }
        Ok(())
    }
}

/// Makes this process's tarpc connections mutual TLS with `files`; an error names the
/// file and the problem.
pub fn use_certificates(files: &crate::pki::CertFiles) -> Result<()> {
    let tls = crate::tls::load(&files.cert, &files.key, &files.ca).map_err(anyhow::Error::msg)?;
    crate::tls::use_between_nodes(tls);
    Ok(())
}

/// How many ports from the base port are tried for a node to tell the company.
pub const MAX_OFFICES_TRIED: u16 = 16;
/// How long one port is given to tell the company (connecting, TLS, the answer).
pub const LEARN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The company a local cluster serves, asked of its nodes (consecutive ports from
/// `base_port`; the first that answers tells, each given [`LEARN_TIMEOUT`]). `None` if
/// none answers.
pub async fn learn_directory(base_port: u16) -> Option<Directory> {
    for i in 0..MAX_OFFICES_TRIED {
        let addr = SocketAddr::from(([127, 0, 0, 1], base_port.checked_add(i)?));
        let ask = async {
            let client = connect(addr).await.ok()?;
            client.directory(tarpc::context::current()).await.ok()
        };
        if let Ok(Some(dir)) = tokio::time::timeout(LEARN_TIMEOUT, ask).await {
            return Some(dir);
        }
    }
    None
}

/// A running local cluster: the company its nodes serve, and where each office is.
pub struct Remote {
    /// The company.
    pub dir: Directory,
    peers: BTreeMap<OfficeId, SocketAddr>,
    rt: tokio::runtime::Runtime,
}

impl Remote {
    /// The cluster at `opts`: the company is the one its nodes serve (any company,
    /// `dms cluster up --company`), or the sample company if no node answers (the
    /// commands then say which office is not running).
    pub fn new(opts: &ClusterOpts) -> Result<Remote> {
        opts.use_tls()?;
        let rt = tokio::runtime::Runtime::new()?;
        let dir = match rt.block_on(learn_directory(opts.base_port)) {
            Some(dir) => dir,
            None => parse_directory(SAMPLE_OFFICES)?,
        };
        let peers = sample_peers(&dir, opts.base_port);
        Ok(Remote { dir, peers, rt })
    }

    /// Runs a future on the client's runtime.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// A connection to `office`'s node.
    pub fn client(&self, office: &OfficeId) -> Result<OfficeRpcClient> {
        let addr = *self
            .peers
            .get(office)
            .with_context(|| format!("no office {office}"))?;
        self.rt.block_on(async {
            connect(addr).await.with_context(|| {
                format!("office {office} at {addr} is not running (dms cluster up)")
            })
        })
    }

    /// A connection to the node of `who`'s office.
    pub fn home(&self, who: &ResourceId) -> Result<OfficeRpcClient> {
        let office = self.dir.home(who)?.clone();
        self.client(&office)
    }

    /// A known person or room.
    pub fn resource(&self, id: &str) -> Result<ResourceId> {
        let r = ResourceId::new(id.trim());
        self.dir
            .home(&r)
            .with_context(|| format!("unknown person or room {id:?}"))?;
        Ok(r)
    }

    /// The meeting `arg` names: an id as the node made it (`m-...`), or `ORGANIZER/NAME`
    /// for the meeting that organizer booked as NAME (`dms book --uid NAME`).
    pub fn meeting_id(&self, arg: &str) -> Result<MeetingId> {
        match arg.split_once('/') {
            Some((who, name)) => Ok(MeetingId::made(&self.resource(who)?, name)),
            None => Ok(MeetingId::new(arg)),
        }
    }

    /// The meeting as its organizer's office has it (asking every office to find it);
    /// named as [`Self::meeting_id`] takes it.
    pub fn meeting(&self, arg: &str) -> Result<MeetingSpec> {
        let id = self.meeting_id(arg)?;
        for office in self.peers.keys() {
            let client = self.client(office)?;
            let found = self.block_on(client.meeting(tarpc::context::current(), id.clone()))?;
            if let Some(m) = found {
                let home = self.home(&m.organizer)?;
                let copy = self.block_on(home.meeting(tarpc::context::current(), id.clone()))?;
                return copy.with_context(|| format!("meeting {id} is gone"));
            }
        }
        anyhow::bail!("no meeting {id} in any office")
    }

    /// How to show a meeting to a person: [`MeetingSpec::label`] when the caller may see
    /// it, the id alone otherwise.
    pub fn label(&self, id: &MeetingId) -> String {
        (self.meeting(id.as_str()).ok()).map_or_else(|| id.to_string(), |m| m.label())
    }
}
