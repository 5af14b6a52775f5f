//! Talking to a running cluster: the options every cluster command shares (`--base-port`),
//! the company's directory, and a connection to the office that owns a person.

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

/// Where the cluster is.
#[derive(clap::Args, Debug, Clone)]
pub struct ClusterOpts {
    /// The cluster's first port (offices take consecutive ports in id order).
    #[arg(long, default_value_t = DEFAULT_BASE_PORT)]
    pub base_port: u16,
}

/// A running cluster of the sample company.
pub struct Remote {
    /// The company.
    pub dir: Directory,
    peers: BTreeMap<OfficeId, SocketAddr>,
    rt: tokio::runtime::Runtime,
}

impl Remote {
    /// The sample cluster at `opts`.
    pub fn new(opts: &ClusterOpts) -> Result<Remote> {
        let dir = parse_directory(SAMPLE_OFFICES)?;
        let peers = sample_peers(&dir, opts.base_port);
        Ok(Remote {
            dir,
            peers,
            rt: tokio::runtime::Runtime::new()?,
        })
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

    /// The meeting as its organizer's office has it (asking every office to find it).
    pub fn meeting(&self, id: &str) -> Result<MeetingSpec> {
        let id = MeetingId::new(id);
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
}
