//! Real `dms-node` processes of the sample company for tests: start (with a failpoint),
//! wait until up, read free/busy, and kill them all when the test ends.
#![allow(dead_code)]

use engine::calendar::Interval;
use engine::state::MeetingSpec;
use engine::time::{Instant, Wall};
use node::rpc::connect;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const OFFICES: [&str; 4] = ["bangalore", "london", "ny", "sydney"];

pub struct Nodes {
    pub children: Vec<Option<Child>>,
    pub base: u16,
    pub root: PathBuf,
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in self.children.iter_mut().flatten() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Starts one sample office's `dms-node`, with a failpoint armed if given.
pub fn spawn(office: &str, root: &Path, base: u16, failpoint: Option<&str>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dms-node"));
    if let Some(fp) = failpoint {
        cmd.env("DMS_FAILPOINT", fp);
    }
    cmd.args([
        "--office",
        office,
        "--base-port",
        &base.to_string(),
        "--data-root",
    ])
    .arg(root)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap()
}

pub fn addr(base: u16, office: &str) -> SocketAddr {
    let i = OFFICES.iter().position(|o| *o == office).unwrap();
    SocketAddr::from(([127, 0, 0, 1], base + i as u16))
}

pub async fn wait_up(a: SocketAddr) {
    for _ in 0..200 {
        if let Ok(c) = connect(a).await {
            if c.health(tarpc::context::current()).await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("node at {a} did not come up");
}

pub fn meeting(id: &str, attendees: &[&str], hour: u32) -> MeetingSpec {
    super::meeting(
        id,
        "alice",
        attendees,
        &[],
        Wall::from_ymd_hms(2027, 2, 3, hour, 0, 0),
    )
}

pub async fn busy(base: u16, office: &str, who: &str) -> usize {
    let c = connect(addr(base, office)).await.unwrap();
    let day = Interval::new(
        Instant(Wall::from_ymd_hms(2027, 2, 3, 0, 0, 0).0),
        Instant(Wall::from_ymd_hms(2027, 2, 4, 0, 0, 0).0),
    );
    super::busy_periods(&c, who, day).await
}

/// [`busy`] once it equals `want` (see [`super::settles`]).
pub async fn busy_settles(base: u16, office: &str, who: &str, want: usize) -> usize {
    super::settles(want, || busy(base, office, who)).await
}
