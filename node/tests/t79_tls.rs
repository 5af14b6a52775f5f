//! TLS on a two-office cluster of `dms-node` processes (the cluster's certificates made
//! by `node::pki`, one per node naming its office): the HTTP API answers over TLS only, a booking across the offices
//! commits (so the nodes talk over mutual TLS), a node refuses a plain tarpc client, the
//! `dms` CLI reaches the nodes with `--tls-cert/--tls-key/--tls-ca` (and not without), and
//! a bad `[tls]` table is an error naming the file.

mod common;

use common::http::new_key;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

struct Cluster {
    root: PathBuf,
    children: Vec<Child>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The cluster's CA and a certificate per node (naming its office), and the operator's,
/// as `dms cluster up` makes them.
fn certificates(dir: &Path) {
    let offices: Vec<_> = OFFICES.iter().map(|(o, _)| (*o).into()).collect();
    node::pki::ensure_cluster(dir, &offices).unwrap();
}

/// The sample cluster's ports from 7810 (`dms --base-port 7810` finds them), two offices up.
const OFFICES: [(&str, u16); 2] = [("london", 7811), ("ny", 7812)];

fn up() -> Cluster {
    let root = std::env::temp_dir().join(format!("dms-t79-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    certificates(&root);
    let peers: String = OFFICES
        .iter()
        .map(|(o, p)| format!("{o} = \"127.0.0.1:{p}\"\n"))
        .collect();
    let mut children = Vec::new();
    for (office, port) in OFFICES {
        let config = format!(
            "office = \"{office}\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = \"{d}/{office}\"\n\
             [http]\nlisten = \"127.0.0.1:{h}\"\nkeys = \"{d}/keys.json\"\n\
             [tls]\ncert = \"{d}/node-{office}.pem\"\nkey = \"{d}/node-{office}-key.pem\"\nca = \"{d}/ca.pem\"\n[peers]\n{peers}",
            d = root.display(),
            h = port + 1000,
        );
        let file = root.join(format!("{office}.toml"));
        std::fs::write(&file, config).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_dms-node"))
            .args(["--config", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(root.join(format!("{office}.log"))).unwrap())
            .spawn()
            .unwrap();
        children.push(child);
    }
    Cluster { root, children }
}

/// One HTTPS request (trusting the test CA); the status and the body.
fn https(root: &Path, port: u16, request: &str) -> Result<(u16, String), String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for c in rustls::pki_types::CertificateDer::pem_file_iter(root.join("ca.pem")).unwrap() {
            roots.add(c.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| e.to_string())?;
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        tls.write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        let _ = tls.read_to_end(&mut out).await;
        let text = String::from_utf8_lossy(&out).to_string();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, body))
    })
}

fn get(path: &str, key: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n")
}

#[test]
fn the_api_and_the_nodes_speak_tls_only() {
    let cluster = up();
    let root = cluster.root.clone();
    let keys = root.join("keys.json");
    let key = new_key(&keys, "london", "book,freebusy");
    // Up (over TLS) within 20 s.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    for (_, port) in OFFICES {
        while https(&root, port + 1000, &get("/v1/offices", &key)).map(|r| r.0) != Ok(200) {
            assert!(
                std::time::Instant::now() < deadline,
                "no TLS answer on {}",
                port + 1000
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // Dev (London) invites Alice (New York): the commit crosses between the nodes.
    let body = r#"{"title":"Over TLS","organizer":"dev","attendees":["alice"],"start":"2027-06-01T15:00:00Z","duration_minutes":30}"#;
    let post = format!(
        "POST /v1/meetings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nIdempotency-Key: tls-1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, text) = https(&root, 8811, &post).unwrap();
    assert_eq!(status, 201, "{text}");
    let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, text) = https(&root, 8812, &get(&format!("/v1/meetings/{id}"), &key)).unwrap();
    assert_eq!(
        status, 200,
        "New York's node answers from New York's copy: {text}"
    );
    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = std::net::TcpStream::connect(("127.0.0.1", 8811)).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = plain.write_all(get("/v1/offices", &key).as_bytes());
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !String::from_utf8_lossy(&answer).contains("HTTP/1.1 200"),
        "plain HTTP was served"
    );
    // A plain tarpc client (this process has no TLS) gets nothing from a node.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let health = rt.block_on(async {
        let c = node::rpc::connect(([127, 0, 0, 1], 7812).into())
            .await
            .ok()?;
        let mut ctx = tarpc::context::current();
        ctx.deadline = std::time::Instant::now() + Duration::from_secs(3);
        c.health(ctx).await.ok()
    });
    assert!(
        health.is_none(),
        "a node answered a client without a certificate"
    );
    // The CLI, with a certificate the CA signed, reads Alice's calendar in New York;
    // without one it cannot (and says TLS may be why); with part of the options it says
    // which are missing.
    let dms = |tls: &[&str]| {
        let mut args = vec![
            "calendar",
            "--person",
            "alice",
            "--from",
            "2027-06-01",
            "--base-port",
            "7810",
        ];
        args.extend_from_slice(tls);
        Command::new(env!("CARGO_BIN_EXE_dms"))
            .args(&args)
            .env_remove("DMS_TLS_CERT")
            .env_remove("DMS_TLS_KEY")
            .env_remove("DMS_TLS_CA")
            .output()
            .unwrap()
    };
    let file = |f: &str| root.join(f).to_str().unwrap().to_string();
    let (cert, key_file, ca) = (
        file("operator.pem"),
        file("operator-key.pem"),
        file("ca.pem"),
    );
    let with = dms(&["--tls-cert", &cert, "--tls-key", &key_file, "--tls-ca", &ca]);
    let shown = String::from_utf8_lossy(&with.stdout);
    assert!(
        with.status.success() && shown.contains(&id),
        "{shown}{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let without = dms(&[]);
    let said = String::from_utf8_lossy(&without.stderr);
    assert!(
        !without.status.success() && said.contains("--tls-cert"),
        "read a TLS node without TLS: {said}"
    );
    let part = dms(&["--tls-cert", &cert]);
    let said = String::from_utf8_lossy(&part.stderr);
    assert!(
        !part.status.success() && said.contains("--tls-key") && said.contains("--tls-ca"),
        "{said}"
    );
}

#[test]
fn a_bad_tls_table_names_the_file() {
    let dir = std::env::temp_dir().join(format!("dms-t79-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    certificates(&dir);
    let e = node::tls::load(
        &dir.join("missing.pem"),
        &dir.join("node-ny-key.pem"),
        &dir.join("ca.pem"),
    )
    .unwrap_err();
    assert!(
        e.starts_with("tls.cert") && e.contains("missing.pem"),
        "{e}"
    );
    std::fs::write(dir.join("empty.pem"), "").unwrap();
    let e = node::tls::load(
        &dir.join("node-ny.pem"),
        &dir.join("node-ny-key.pem"),
        &dir.join("empty.pem"),
    )
    .unwrap_err();
    assert!(e.starts_with("tls.ca"), "{e}");
    let e = node::tls::load(
        &dir.join("node-ny.pem"),
        &dir.join("ca.pem"),
        &dir.join("ca.pem"),
    )
    .unwrap_err();
    assert!(e.starts_with("tls.key"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
