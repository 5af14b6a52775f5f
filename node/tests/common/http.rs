//! A small HTTP/1.1 client over a plain TCP stream (one request per connection), enough
//! to drive the API in tests, including requests no well-behaved client would send.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// An answer.
#[derive(Debug)]
pub struct Reply {
    /// Status code (0 if the server closed without answering).
    pub status: u16,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: String,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The problem type's name (`conflict` for `urn:dms:problem:conflict`).
    pub fn problem(&self) -> String {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        let t = self.json()["type"].as_str().unwrap_or_default().to_string();
        t.strip_prefix("urn:dms:problem:").unwrap_or(&t).to_string()
    }
}

/// Sends raw bytes and reads the answer until the server closes.
pub fn raw(port: u16, bytes: &[u8]) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    parse(&out)
}

fn parse(out: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        unchunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn unchunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A request with a key (if any), extra headers and a body (sent as JSON unless a
/// content type is among the headers).
pub fn call(
    port: u16,
    method: &str,
    path: &str,
    key: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(k) = key {
        req.push_str(&format!("Authorization: Bearer {k}\r\n"));
    }
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(b) = body {
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{b}", b.len()));
    } else {
        req.push_str("\r\n");
    }
    raw(port, req.as_bytes())
}

/// [`call`], waiting out a 429 as its `Retry-After` says (a few times at most): for
/// tests that read a lot with one key and are not about the rate limit.
pub fn call_patiently(port: u16, method: &str, path: &str, key: Option<&str>) -> Reply {
    for _ in 0..5 {
        let reply = call(port, method, path, key, &[], None);
        if reply.status != 429 {
            return reply;
        }
        let secs = reply.header("retry-after").and_then(|s| s.parse().ok());
        std::thread::sleep(std::time::Duration::from_secs(secs.unwrap_or(1).min(5)));
    }
    call(port, method, path, key, &[], None)
}

/// A new API key from `dms admin key create` in the key file `keys`.
pub fn new_key(keys: &std::path::Path, office: &str, scopes: &str) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(["admin", "key", "create", "--keys", keys.to_str().unwrap()])
        .args(["--office", office, "--scopes", scopes, "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// Runs `dms` with `args`; its standard output (panics unless it succeeds).
pub fn dms(args: &[&str]) -> String {
    dms_with(args, &[])
}

/// [`dms`] with environment variables set (`DMS_TLS_DIR`...).
pub fn dms_with(args: &[&str], env: &[(&str, &std::path::Path)]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dms"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "dms {args:?}: {text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    text
}

/// A sample cluster from `dms cluster up` (its root); stopped and removed when dropped,
/// also when a test fails.
pub struct Up(pub std::path::PathBuf);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = std::process::Command::new(env!("CARGO_BIN_EXE_dms"))
            .args(["cluster", "down", "--root", self.0.to_str().unwrap()])
            .output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `dms cluster up` under the temp dir (named `name`) on tarpc ports from `base` (the
/// HTTP ports are `base + 1000`...).
pub fn up(name: &str, base: u16) -> Up {
    up_with(name, base, &[])
}

/// [`up`] with more arguments (`--company DIR`...).
pub fn up_with(name: &str, base: u16, more: &[&str]) -> Up {
    let root = std::env::temp_dir().join(format!("dms-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut args = vec!["cluster", "up", "--root", root.to_str().unwrap()];
    let port = base.to_string();
    args.extend(["--base-port", port.as_str()]);
    args.extend(more);
    dms(&args);
    Up(root)
}
