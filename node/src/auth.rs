//! Who is calling, and what they may do: the identities a node's tarpc port admits, the
//! scopes clients hold (the same for API keys and client certificates), and the rule
//! that decides, per call, before anything about its target is read.
//!
//! - [`Scope`], [`Grant`]: what a client may do, for which office, as which person.
//! - [`Caller`]: a connection's identity: another office's node, a client, or `Open` (a
//!   plain connection to a node that serves without TLS: loopback or `--insecure`).
//! - [`identity_uri`], [`parse_identity_uri`]: the URI a certificate carries in its
//!   subject alternative names to say who it is (`urn:dms:node:ny`,
//!   `urn:dms:client:ny:alice:book+freebusy`).
//! - [`Force`]: how far a booking may override conflicts (only where its caller may).
//! - [`origin_office`]: the office an id (transaction, delivery key) was made by.

use engine::ids::{OfficeId, ResourceId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a client may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read the directory, free/busy and suggestions (and, within its office, meetings).
    Freebusy,
    /// Book, change, cancel and answer meetings of its office's people (or its person's).
    Book,
    /// Book over conflicts, on the resources of its own office only.
    Override,
    /// Everything, for every office (operators).
    Admin,
}

impl Scope {
    /// Parses `freebusy`, `book`, `override` or `admin`.
    pub fn parse(s: &str) -> Result<Scope, String> {
        match s.trim() {
            "freebusy" => Ok(Scope::Freebusy),
            "book" => Ok(Scope::Book),
            "override" => Ok(Scope::Override),
            "admin" => Ok(Scope::Admin),
            other => Err(format!(
                "unknown scope {other:?}: expected freebusy, book, override or admin"
            )),
        }
    }

    /// The scope's name, as [`Scope::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Freebusy => "freebusy",
            Scope::Book => "book",
            Scope::Override => "override",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a client (an API key or a client certificate) may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The office the client belongs to.
    pub office: OfficeId,
    /// The one person it acts as, if it is bound to one.
    pub person: Option<ResourceId>,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

impl Grant {
    /// Whether the grant has `scope` (admin has every scope).
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&Scope::Admin) || self.scopes.contains(&scope)
    }

    /// Whether the client may act as `who`, whose home office is `home`: an admin for
    /// anyone; a person-bound client only as that person; any other for its office's.
    pub fn acts_for(&self, who: &ResourceId, home: &OfficeId) -> bool {
        if self.has(Scope::Admin) {
            return true;
        }
        match &self.person {
            Some(p) => p == who,
            None => home == &self.office,
        }
    }

    /// How far a booking of this client asking to override may override: nowhere
    /// without the override scope, everywhere for an admin, else its own office only.
    pub fn force(&self, asked: bool) -> Force {
        if !asked || !self.has(Scope::Override) {
            Force::No
        } else if self.has(Scope::Admin) {
            Force::Everywhere
        } else {
            Force::Within(self.office.clone())
        }
    }
}

/// Who is at the other end of a connection to a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Another office's node (its certificate names the office).
    Node(OfficeId),
    /// A person's or a tool's client.
    Client(Grant),
    /// A plain connection to a node that serves without TLS (on loopback, or told
    /// `--insecure`): trusted with everything, as every caller was before TLS.
    Open,
}

/// How far a booking may book over conflicts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Force {
    /// Not at all: any conflict refuses the booking.
    No,
    /// Over conflicts of this office's people and rooms only.
    Within(OfficeId),
    /// Over any conflict (an operator's, or a node's own choice).
    Everywhere,
}

impl Force {
    /// Whether a prepare at `office` may book over its conflicts.
    pub fn at(&self, office: &OfficeId) -> bool {
        match self {
            Force::No => false,
            Force::Within(o) => o == office,
            Force::Everywhere => true,
        }
    }
}

impl From<bool> for Force {
    fn from(everywhere: bool) -> Force {
        if everywhere {
            Force::Everywhere
        } else {
            Force::No
        }
    }
}

/// The longest id an office, person or scope list in a certificate may have.
const MAX_URI_PART: usize = 128;

/// The URI a certificate carries to name a node (`urn:dms:node:OFFICE`) or a client
/// (`urn:dms:client:OFFICE:PERSON:SCOPE+SCOPE`, PERSON empty when not bound).
pub fn identity_uri(caller: &Caller) -> Option<String> {
    match caller {
        Caller::Node(o) => Some(format!("urn:dms:node:{o}")),
        Caller::Client(g) => {
            let scopes: Vec<&str> = g.scopes.iter().map(|s| s.name()).collect();
            let person = g.person.as_ref().map(|p| p.as_str()).unwrap_or("");
            Some(format!(
                "urn:dms:client:{}:{person}:{}",
                g.office,
                scopes.join("+")
            ))
        }
        Caller::Open => None,
    }
}

fn part(s: &str, what: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= MAX_URI_PART
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("bad {what} {s:?} in the certificate's identity"))
    }
}

/// Reads an identity URI; an error names what is wrong with it.
pub fn parse_identity_uri(uri: &str) -> Result<Caller, String> {
    let fields: Vec<&str> = uri.split(':').collect();
    match fields.as_slice() {
        ["urn", "dms", "node", office] => Ok(Caller::Node(OfficeId::new(part(office, "office")?))),
        ["urn", "dms", "client", office, person, scopes] => {
            let office = OfficeId::new(part(office, "office")?);
            let person = match *person {
                "" => None,
                p => Some(ResourceId::new(part(p, "person")?)),
            };
            let scopes = scopes
                .split('+')
                .map(Scope::parse)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Caller::Client(Grant {
                office,
                person,
                scopes,
            }))
        }
        _ => Err(format!("{uri:?} is not a dms identity (urn:dms:node:OFFICE or urn:dms:client:OFFICE:PERSON:SCOPES)")),
    }
}

/// The office among `offices` that made `id` (ids start with `OFFICE-`; the longest
/// matching office wins, so `ny` and `ny-east` are told apart).
pub fn origin_office<'a>(
    id: &str,
    offices: impl Iterator<Item = &'a OfficeId>,
) -> Option<&'a OfficeId> {
    offices
        .filter(|o| {
            id.len() > o.as_str().len()
                && id.starts_with(o.as_str())
                && id.as_bytes()[o.as_str().len()] == b'-'
        })
        .max_by_key(|o| o.as_str().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_uris_round_trip_and_bad_ones_are_named() {
        let client = Caller::Client(Grant {
            office: "ny".into(),
            person: Some("alice".into()),
            scopes: vec![Scope::Book, Scope::Freebusy],
        });
        for c in [Caller::Node("london".into()), client] {
            let uri = identity_uri(&c).unwrap();
            assert_eq!(parse_identity_uri(&uri).unwrap(), c);
        }
        let unbound = parse_identity_uri("urn:dms:client:ny::admin").unwrap();
        assert!(matches!(
            unbound,
            Caller::Client(Grant { person: None, .. })
        ));
        for bad in [
            "urn:dms:node:",
            "urn:dms:node:ny:extra",
            "urn:dms:client:ny::root",
            "urn:dms:client:n y::book",
            "https://example.com",
        ] {
            assert!(parse_identity_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_person_bound_grant_acts_only_as_its_person() {
        let g = Grant {
            office: "ny".into(),
            person: Some("alice".into()),
            scopes: vec![Scope::Book],
        };
        let ny = OfficeId::new("ny");
        assert!(g.acts_for(&"alice".into(), &ny));
        assert!(!g.acts_for(&"bob".into(), &ny));
        let office = Grant { person: None, ..g };
        assert!(office.acts_for(&"bob".into(), &ny));
        assert!(!office.acts_for(&"dev".into(), &"london".into()));
    }

    #[test]
    fn override_reaches_only_the_grant_office_unless_admin() {
        let g = Grant {
            office: "ny".into(),
            person: None,
            scopes: vec![Scope::Book],
        };
        assert_eq!(g.force(true), Force::No);
        let o = Grant {
            scopes: vec![Scope::Book, Scope::Override],
            ..g.clone()
        };
        assert_eq!(o.force(true), Force::Within("ny".into()));
        assert_eq!(o.force(false), Force::No);
        assert!(o.force(true).at(&"ny".into()) && !o.force(true).at(&"london".into()));
        let admin = Grant {
            scopes: vec![Scope::Admin],
            ..g
        };
        assert_eq!(admin.force(true), Force::Everywhere);
    }

    #[test]
    fn origins_are_matched_on_whole_office_names() {
        let offices = [OfficeId::new("ny"), OfficeId::new("ny-east")];
        assert_eq!(
            origin_office("ny-east-12.0-3", offices.iter()),
            Some(&offices[1])
        );
        assert_eq!(
            origin_office("ny-12.0-3", offices.iter()),
            Some(&offices[0])
        );
        assert_eq!(origin_office("nyc-12", offices.iter()), None);
        assert_eq!(origin_office("ny", offices.iter()), None);
    }
}
