//! [`Peers`]: the other offices' addresses and one pooled connection to each, opened on
//! first use and dropped when a call on it fails (the next call opens a fresh one).

use crate::rpc::{connect, OfficeRpcClient};
use engine::ids::OfficeId;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Mutex;
use tarpc::client::RpcError;

/// Every office's address and the open connections.
pub struct Peers {
    addrs: BTreeMap<OfficeId, SocketAddr>,
    pool: Mutex<BTreeMap<OfficeId, OfficeRpcClient>>,
}

impl Peers {
    /// Peers at these addresses, none connected yet.
    pub fn new(addrs: BTreeMap<OfficeId, SocketAddr>) -> Peers {
        Peers {
            addrs,
            pool: Mutex::new(BTreeMap::new()),
        }
    }

    /// Every office, in id order.
    pub fn offices(&self) -> impl Iterator<Item = &OfficeId> {
        self.addrs.keys()
    }

    async fn client(&self, office: &OfficeId) -> Result<OfficeRpcClient, String> {
        if let Some(c) = super::lock(&self.pool).get(office) {
            return Ok(c.clone());
        }
        let addr = *self
            .addrs
            .get(office)
            .ok_or_else(|| format!("no address for office {office}"))?;
        let client = connect(addr)
            .await
            .map_err(|e| format!("office {office} unreachable: {e}"))?;
        super::lock(&self.pool).insert(office.clone(), client.clone());
        Ok(client)
    }

    /// Runs `call` on the pooled connection to `office`; if it fails for any reason but
    /// its deadline (a connection broken by a restart, say), once more on a fresh one.
    /// Every call between offices is idempotent, so the repeat is safe.
    pub async fn call<T, F, Fut>(&self, office: &OfficeId, call: F) -> Result<T, String>
    where
        F: Fn(OfficeRpcClient) -> Fut,
        Fut: Future<Output = Result<T, RpcError>>,
    {
        let mut last = String::new();
        for _ in 0..2 {
            let client = self.client(office).await?;
            match call(client).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    super::lock(&self.pool).remove(office);
                    last = format!("office {office}: {e}");
                    if matches!(e, RpcError::DeadlineExceeded) {
                        break;
                    }
                }
            }
        }
        Err(last)
    }
}
