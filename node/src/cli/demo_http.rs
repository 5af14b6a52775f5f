//! The demo's HTTP session: against the cluster the demo started, a key made with
//! `dms admin key create`, then the API driven the way `curl` would (each request
//! printed as the `curl` command that does the same, with its answer).

use crate::cli::admin;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// At most this much of an answer is shown.
const SHOWN: usize = 700;

struct Session<'a> {
    agent: ureq::Agent,
    base: String,
    key: String,
    out: &'a mut dyn Write,
}

impl Session<'_> {
    fn show(&mut self, curl: String, status: u16, body: String) -> Result<serde_json::Value> {
        writeln!(self.out, "\n$ {curl}")?;
        let json: serde_json::Value =
            serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
        let mut text = if json.is_null() {
            body
        } else {
            serde_json::to_string(&json)?
        };
        if text.len() > SHOWN {
            let cut = (0..=SHOWN)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            text.truncate(cut);
            text.push_str(" ...");
        }
        writeln!(self.out, "HTTP {status}\n{text}")?;
        Ok(json)
    }

    fn get(&mut self, path: &str, key: &str, var: &str) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.base);
        let mut r = self
            .agent
            .get(&url)
            .header("Authorization", &format!("Bearer {key}"))
            .call()
            .with_context(|| format!("GET {url}"))?;
        let body = r.body_mut().read_to_string()?;
        self.show(
            format!("curl -s -H \"Authorization: Bearer ${var}\" '{url}'"),
            r.status().as_u16(),
            body,
        )
    }

    fn post(&mut self, path: &str, idem: &str, json: &str) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.base);
        let mut r = (self.agent.post(&url))
            .header("Authorization", &format!("Bearer {}", self.key))
            .header("Idempotency-Key", idem)
            .content_type("application/json")
            .send(json)
            .with_context(|| format!("POST {url}"))?;
        let body = r.body_mut().read_to_string()?;
        let curl = format!("curl -s -H \"Authorization: Bearer $KEY\" -H 'Idempotency-Key: {idem}' -H 'Content-Type: application/json' -d '{json}' '{url}'");
        self.show(curl, r.status().as_u16(), body)
    }

    fn delete(&mut self, path: &str) -> Result<()> {
        let url = format!("{}{path}", self.base);
        let r = self
            .agent
            .delete(&url)
            .header("Authorization", &format!("Bearer {}", self.key))
            .call()?;
        self.show(
            format!("curl -s -X DELETE -H \"Authorization: Bearer $KEY\" '{url}'"),
            r.status().as_u16(),
            String::new(),
        )?;
        Ok(())
    }
}

fn make_key(
    keys: &Path,
    office: &str,
    scopes: &str,
    var: &str,
    out: &mut dyn Write,
) -> Result<String> {
    let mut buf = Vec::new();
    let args = admin::Args {
        what: "key".into(),
        action: "create".into(),
        id: None,
        keys: keys.to_path_buf(),
        office: Some(office.into()),
        person: None,
        scopes: scopes.into(),
        label: "demo".into(),
        quiet: true,
    };
    admin::run(&args, &mut buf)?;
    writeln!(
        out,
        "\n$ {var}=$(dms admin key create --keys {} --office {office} --scopes {scopes} --quiet)",
        keys.display()
    )?;
    Ok(String::from_utf8(buf)?.trim().to_string())
}

/// The session, against New York's API port of a cluster whose tarpc ports start at
/// `base_port` (HTTP at `base_port + 1000`...), keys in `root`.
pub fn session(root: &Path, base_port: u16, out: &mut dyn Write) -> Result<()> {
    let keys = root.join("api-keys.json");
    let key = make_key(&keys, "ny", "book,freebusy", "KEY", out)?;
    let outsider = make_key(&keys, "sydney", "freebusy", "SYDNEY_KEY", out)?;
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build();
    let port = base_port + crate::config::DEFAULT_HTTP_OFFSET + 2;
    let mut s = Session {
        agent: config.into(),
        base: format!("http://127.0.0.1:{port}"),
        key: key.clone(),
        out,
    };
    s.get("/v1/offices", &key, "KEY")?;
    let review = r#"{"title":"API review","organizer":"alice","attendees":["dev","priya"],"start":"2026-12-10T09:00","duration_minutes":30,"allow_past":true}"#;
    let booked = s.post("/v1/meetings?tz=Europe/London", "api-review-1", review)?;
    s.post("/v1/meetings?tz=Europe/London", "api-review-1", review)?;
    let id = booked["id"].as_str().unwrap_or_default().to_string();
    s.get("/v1/freebusy?who=alice,dev,priya&from=2026-12-10T00:00:00Z&to=2026-12-11T00:00:00Z&tz=Asia/Kolkata", &key, "KEY")?;
    writeln!(s.out, "\n# Sydney's key sees the meeting's times only:")?;
    s.get(&format!("/v1/meetings/{id}"), &outsider, "SYDNEY_KEY")?;
    s.delete(&format!("/v1/meetings/{id}"))?;
    let bad = r#"{"organizer":"alice","start":"2026-02-30T09:00","duration_minutes":30}"#;
    s.post("/v1/meetings", "api-review-2", bad)?;
    Ok(())
}
