//! [`SimCluster`]: the sample company's offices, one simulated host each (10.0.0.1 and
//! up, in office-id order, port 7000), every node the production `OfficeServer` over
//! in-memory storage.

use engine::ids::OfficeId;
use madsim::runtime::Handle;
use node::clock::SystemClock;
use node::durable::DurableOffice;
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::{run, OfficeServer};
use node::storage::MemoryStorage;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The port every office node listens on.
pub const PORT: u16 = 7000;

/// The simulated cluster.
pub struct SimCluster {
    /// Each office's address.
    pub addrs: BTreeMap<OfficeId, SocketAddr>,
    /// Each office's host.
    pub nodes: BTreeMap<OfficeId, madsim::runtime::NodeHandle>,
}

impl SimCluster {
    /// Starts every sample office on its own host.
    pub fn start() -> SimCluster {
        let dir = parse_directory(SAMPLE_OFFICES).expect("the sample directory parses");
        let addrs: BTreeMap<OfficeId, SocketAddr> = dir
            .offices
            .keys()
            .enumerate()
            .map(|(i, o)| (o.clone(), SocketAddr::from(([10, 0, 0, i as u8 + 1], PORT))))
            .collect();
        let handle = Handle::current();
        let mut nodes = BTreeMap::new();
        for (n, (office, addr)) in addrs.iter().enumerate() {
            let (office2, dir2, addrs2, addr2) =
                (office.clone(), dir.clone(), addrs.clone(), *addr);
            let node = handle
                .create_node()
                .name(office.as_str())
                .ip(addr.ip())
                .init(move || {
                    let (office, dir, addrs) = (office2.clone(), dir2.clone(), addrs2.clone());
                    async move {
                        let mut state = DurableOffice::open(office.clone(), MemoryStorage::new())
                            .expect("memory storage opens");
                        state.register_directory(&dir).expect("registers");
                        let server = OfficeServer::new(
                            office,
                            state,
                            dir,
                            addrs,
                            Arc::new(SystemClock::new()),
                            n as u32,
                        );
                        let listener = tokio::net::TcpListener::bind(addr2).await.expect("binds");
                        run(listener, server).await;
                    }
                })
                .build();
            nodes.insert(office.clone(), node);
        }
        SimCluster { addrs, nodes }
    }
}
