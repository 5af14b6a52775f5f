//! The fault proxy of a local cluster: every office-to-office link, and the clients'
//! link to each office, goes through a TCP relay on 127.0.0.1 that the scenario runner
//! controls ([`FaultNet`]). Per directed link ([`Link`]): cut (bytes held, as a network
//! that drops packets holds them in TCP's retransmissions, and delivered when the cut
//! heals), a delay with jitter (order kept), loss (a chunk stalls for a retransmission
//! timeout, now and then the connection is reset), and resets on demand. A TCP
//! connection carries both ways: its requests travel the link from the side that dialled,
//! its answers the link back, so a one-way cut stops one office's answers too.
//!
//! No root and no network namespace: nodes are simply told the proxies' addresses as
//! their peers', and clients call the proxies in front of each office.

use engine::ids::OfficeId;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// The end of a link that is not an office: the scenario's clients.
pub const CLIENTS: &str = "clients";

/// How long a lost chunk waits, as TCP waits out a retransmission timeout (the least
/// Linux waits is 200 ms).
pub const RETRANSMIT: Duration = Duration::from_millis(200);

/// The share of chunks lost on every link during a `loss` fault (as the simulator's
/// packet loss).
pub const LOSS: f64 = 0.2;

/// The most bytes relayed at once.
const CHUNK: usize = 16 * 1024;

/// How often a held chunk looks again whether its link healed.
const HOLD_POLL: Duration = Duration::from_millis(10);

/// What one direction of a link does to its bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Link {
    /// Cut: nothing gets through (held until it heals).
    pub cut: bool,
    /// One-way delay, in milliseconds.
    pub delay_ms: u64,
    /// Up to this many more milliseconds, drawn per chunk (order is kept).
    pub jitter_ms: u64,
    /// The share of chunks lost (each waits [`RETRANSMIT`]; one in twenty of those
    /// resets its connection instead).
    pub loss: f64,
}

/// A directed link: (from, to), each an office id or [`CLIENTS`].
type Key = (String, String);

struct Shared {
    links: Mutex<BTreeMap<Key, Link>>,
    /// How many faults hold each end cut off both ways, and how many cut what it sends
    /// (counted, so that faults that overlap heal one by one).
    ends: Mutex<Ends>,
    /// Bumped to reset every connection between two ends (either way round).
    resets: Mutex<BTreeMap<Key, watch::Sender<u64>>>,
    seed: u64,
}

#[derive(Default)]
struct Ends {
    isolated: BTreeMap<String, u32>,
    silenced: BTreeMap<String, u32>,
    deafened: BTreeMap<String, u32>,
    lossy: u32,
}

impl Shared {
    /// The link as it acts now: its own settings, cut also while either end is cut off,
    /// the sender's sending or the receiver's receiving is cut, lossy while a loss fault
    /// lasts.
    fn link(&self, key: &Key) -> Link {
        let links = self.links.lock().unwrap_or_else(|e| e.into_inner());
        let mut l = links.get(key).copied().unwrap_or_default();
        drop(links);
        let ends = self.ends.lock().unwrap_or_else(|e| e.into_inner());
        let on = |m: &BTreeMap<String, u32>, k: &String| m.get(k).is_some_and(|n| *n > 0);
        l.cut |= on(&ends.isolated, &key.0) || on(&ends.isolated, &key.1);
        l.cut |= on(&ends.silenced, &key.0) || on(&ends.deafened, &key.1);
        if ends.lossy > 0 {
            l.loss = l.loss.max(LOSS);
        }
        l
    }

    fn resets(&self, a: &str, b: &str) -> watch::Receiver<u64> {
        let key = pair(a, b);
        let mut resets = self.resets.lock().unwrap_or_else(|e| e.into_inner());
        resets
            .entry(key)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }
}

/// The undirected pair of two ends, in order.
fn pair(a: &str, b: &str) -> Key {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// The relays in front of a cluster's offices, and the switches of their links.
pub struct FaultNet {
    shared: Arc<Shared>,
    /// For each office, where it reaches each other office (a relay).
    peers: BTreeMap<OfficeId, BTreeMap<OfficeId, SocketAddr>>,
    /// Where clients reach each office (a relay).
    clients: BTreeMap<OfficeId, SocketAddr>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl FaultNet {
    /// Starts a relay for every ordered pair of offices and one for the clients of each,
    /// in front of the offices' real addresses `real` (each relay on a port the system
    /// picks); `delay_ms` gives each office pair's one-way delay. `seed` seeds the jitter
    /// and loss draws.
    pub async fn start(
        real: &BTreeMap<OfficeId, SocketAddr>,
        delay_ms: &dyn Fn(&OfficeId, &OfficeId) -> u64,
        seed: u64,
    ) -> std::io::Result<FaultNet> {
        let shared = Arc::new(Shared {
            links: Mutex::new(BTreeMap::new()),
            ends: Mutex::new(Ends::default()),
            resets: Mutex::new(BTreeMap::new()),
            seed,
        });
        let mut net = FaultNet {
            shared,
            peers: BTreeMap::new(),
            clients: BTreeMap::new(),
            tasks: Vec::new(),
        };
        for (to, addr) in real {
            for from in real.keys().filter(|f| *f != to) {
                // As in the simulator: the link's latency, and up to 1 ms more.
                let ms = delay_ms(from, to);
                net.set(from.as_str(), to.as_str(), |l| {
                    l.delay_ms = ms;
                    l.jitter_ms = u64::from(ms > 0);
                });
                let relay = net.relay(from.as_str(), to.as_str(), *addr).await?;
                net.peers
                    .entry(from.clone())
                    .or_default()
                    .insert(to.clone(), relay);
            }
            let relay = net.relay(CLIENTS, to.as_str(), *addr).await?;
            net.clients.insert(to.clone(), relay);
        }
        Ok(net)
    }

    async fn relay(
        &mut self,
        from: &str,
        to: &str,
        upstream: SocketAddr,
    ) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (shared, from, to) = (self.shared.clone(), from.to_string(), to.to_string());
        self.tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while let Ok((inbound, _)) = listener.accept().await {
                n += 1;
                let (shared, from, to) = (shared.clone(), from.clone(), to.clone());
                tokio::spawn(connection(shared, inbound, upstream, from, to, n));
            }
        }));
        Ok(addr)
    }

    /// Where `office` reaches `peer`: a relay, or `None` for itself.
    pub fn peer_addr(&self, office: &OfficeId, peer: &OfficeId) -> Option<SocketAddr> {
        self.peers.get(office)?.get(peer).copied()
    }

    /// Where clients reach each office.
    pub fn client_addrs(&self) -> &BTreeMap<OfficeId, SocketAddr> {
        &self.clients
    }

    /// Changes the link from `from` to `to` (office ids or [`CLIENTS`]).
    pub fn set(&self, from: &str, to: &str, change: impl FnOnce(&mut Link)) {
        let mut links = self.shared.links.lock().unwrap_or_else(|e| e.into_inner());
        change(links.entry((from.to_string(), to.to_string())).or_default());
    }

    /// Cuts `office` off both ways, from offices and clients alike (`true`), or lifts
    /// that (`false`; another fault that cut it off still holds).
    pub fn isolate(&self, office: &str, cut: bool) {
        let mut ends = self.shared.ends.lock().unwrap_or_else(|e| e.into_inner());
        count(ends.isolated.entry(office.to_string()).or_default(), cut);
    }

    /// Cuts what `office` sends, to everyone (`true`), or lifts that (`false`).
    pub fn cut_out(&self, office: &str, cut: bool) {
        let mut ends = self.shared.ends.lock().unwrap_or_else(|e| e.into_inner());
        count(ends.silenced.entry(office.to_string()).or_default(), cut);
    }

    /// Cuts what `office` receives, from everyone (`true`), or lifts that (`false`).
    pub fn cut_in(&self, office: &str, cut: bool) {
        let mut ends = self.shared.ends.lock().unwrap_or_else(|e| e.into_inner());
        count(ends.deafened.entry(office.to_string()).or_default(), cut);
    }

    /// Loses [`LOSS`] of the chunks on every link (`true`), or lifts that (`false`).
    pub fn lossy(&self, on: bool) {
        let mut ends = self.shared.ends.lock().unwrap_or_else(|e| e.into_inner());
        count(&mut ends.lossy, on);
    }

    /// Resets every connection between `a` and `b` (either way round) now.
    pub fn reset(&self, a: &str, b: &str) {
        let mut resets = self.shared.resets.lock().unwrap_or_else(|e| e.into_inner());
        let tx = resets
            .entry(pair(a, b))
            .or_insert_with(|| watch::channel(0).0);
        tx.send_modify(|n| *n += 1);
    }

    /// Heals every cut and every loss (delays stay).
    pub fn heal(&self) {
        let mut links = self.shared.links.lock().unwrap_or_else(|e| e.into_inner());
        for l in links.values_mut() {
            l.cut = false;
            l.loss = 0.0;
        }
        *self.shared.ends.lock().unwrap_or_else(|e| e.into_inner()) = Ends::default();
    }
}

/// One more fault holding (`on`), or one fewer.
fn count(n: &mut u32, on: bool) {
    *n = if on { *n + 1 } else { n.saturating_sub(1) };
}

impl Drop for FaultNet {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Relays one connection both ways until both sides close, or a reset (on demand, or a
/// loss that resets it), which drops it.
async fn connection(
    shared: Arc<Shared>,
    inbound: TcpStream,
    upstream: SocketAddr,
    from: String,
    to: String,
    n: u64,
) {
    let mut resets = shared.resets(&from, &to);
    resets.mark_unchanged();
    let (up, down) = ((from.clone(), to.clone()), (to.clone(), from.clone()));
    // A cut link lets no new connection through until it heals.
    while shared.link(&up).cut {
        tokio::time::sleep(HOLD_POLL).await;
    }
    let Ok(outbound) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = (inbound.set_nodelay(true), outbound.set_nodelay(true));
    let (ri, wi) = inbound.into_split();
    let (ro, wo) = outbound.into_split();
    let seed = shared.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let (lost_up, lost_down) = (watch::channel(false), watch::channel(false));
    let mut lost = (lost_up.1, lost_down.1);
    // Both ways to their end (a side that closes first still gets what the other sends
    // until it closes too), unless a reset comes first.
    let both = async {
        tokio::join!(
            pump(shared.clone(), up, ri, wo, seed, lost_up.0),
            pump(
                shared.clone(),
                down,
                ro,
                wi,
                seed.rotate_left(17),
                lost_down.0
            )
        )
    };
    tokio::select! {
        _ = both => {}
        _ = resets.changed() => {}
        _ = lost.0.changed() => {}
        _ = lost.1.changed() => {}
    }
}

/// Relays one direction: reads as bytes come, delivers each chunk at its time (after
/// the link's delay and jitter, later if lost), holding it while the link is cut. Ends
/// when the source closes (then closes the sink) or a loss resets the connection
/// (signalled on `reset`; the halves are dropped with a zero linger: an RST).
async fn pump(
    shared: Arc<Shared>,
    link: Key,
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    seed: u64,
    reset: watch::Sender<bool>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader_link = link.clone();
    let reader_shared = shared.clone();
    let reader = async move {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut last = Instant::now();
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let l = reader_shared.link(&reader_link);
            let jitter = if l.jitter_ms > 0 {
                rng.random_range(0..=l.jitter_ms)
            } else {
                0
            };
            let mut at = Instant::now() + Duration::from_millis(l.delay_ms + jitter);
            if l.loss > 0.0 && rng.random_bool(l.loss.clamp(0.0, 1.0)) {
                if rng.random_bool(0.05) {
                    return true;
                }
                at += RETRANSMIT;
            }
            at = at.max(last);
            last = at;
            if tx.send((at, buf[..n].to_vec())).is_err() {
                break;
            }
        }
        false
    };
    let writer = async {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            while shared.link(&link).cut {
                tokio::time::sleep(HOLD_POLL).await;
            }
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    let (lost, ()) = tokio::join!(reader, writer);
    if lost {
        let _ = to.as_ref().set_zero_linger();
        let _ = reset.send(true);
    }
}
