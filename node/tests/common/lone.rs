//! One London `dms-node` process on its own, from a config with extra lines (a webhook,
//! a relay, reminders), killed when dropped; and a booking through it.
#![allow(dead_code)]

use engine::state::MeetingSpec;
use engine::time::{Wall, Zone};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The node: its port, its directory, its process (killed on drop, also when a test fails).
pub struct Lone {
    pub port: u16,
    pub root: PathBuf,
    /// Environment variables the process is started with.
    pub env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Lone {
    /// A fresh directory and config under the temp dir, named `name`; not started.
    pub fn new(name: &str, port: u16, extra: &str) -> Lone {
        let root = std::env::temp_dir().join(format!("dms-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let config = format!(
            "office = \"london\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n{extra}\n[peers]\nlondon = \"127.0.0.1:{port}\"\n",
            root.join("london").display()
        );
        std::fs::write(root.join("london.toml"), config).unwrap();
        Lone {
            port,
            root,
            env: Vec::new(),
            child: None,
        }
    }

    /// Starts (or restarts) the process.
    pub fn start(&mut self) {
        self.kill();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("london.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_dms-node"))
            .args(["--config", self.root.join("london.toml").to_str().unwrap()])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The node's data directory.
    pub fn data(&self) -> &Path {
        &self.root
    }

    /// A client of the node once it answers its health call (waiting up to 20 s).
    pub async fn client(&self) -> node::rpc::OfficeRpcClient {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(c) = node::rpc::connect(([127, 0, 0, 1], self.port).into()).await {
                if c.health(tarpc::context::current()).await.is_ok() {
                    return c;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the node did not answer"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (up to 20 s) until the node answers; panics if it does not.
    pub fn wait_up(&self, rt: &tokio::runtime::Runtime) {
        rt.block_on(self.client());
    }

    /// Books a half-hour meeting (`who[0]` organizes) starting at `start` (London time),
    /// waiting up to 20 s for the node to answer; panics unless it is booked.
    pub fn book(&self, rt: &tokio::runtime::Runtime, id: &str, who: &[&str], start: Wall) {
        let z = Zone::parse("Europe/London").unwrap();
        self.book_meeting(
            rt,
            MeetingSpec::single(id, who[0], &who[1..], &[], start, z, 1800),
        );
    }

    /// Books `m` (it must be booked).
    pub fn book_meeting(&self, rt: &tokio::runtime::Runtime, m: MeetingSpec) {
        rt.block_on(async {
            let client = self.client().await;
            let r = client
                .book(tarpc::context::current(), m, false.into())
                .await
                .unwrap();
            assert!(matches!(r, node::rpc::BookReply::Booked { .. }), "{r:?}");
        });
    }
}

impl Lone {
    /// Starts the node and books `id`: Dev invites Emma (so Emma is notified).
    pub fn start_with_invitation(&mut self, id: &str) {
        self.start();
        let rt = tokio::runtime::Runtime::new().unwrap();
        self.book(
            &rt,
            id,
            &["dev", "emma"],
            Wall::from_ymd_hms(2027, 5, 4, 10, 0, 0),
        );
    }
}

impl Drop for Lone {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
