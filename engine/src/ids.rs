//! Identifiers. Strings chosen by people (offices, people, rooms) or by the node
//! (meetings, transactions); ordered, so that every map keyed by them iterates the same
//! way on every machine.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a string.
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            /// The string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }
    };
}

id_type!(
    /// An office (`ny`, `london`).
    OfficeId
);
id_type!(
    /// A person or a room: anything with a calendar.
    ResourceId
);
id_type!(
    /// A meeting, unique across the company: made by the server (see [`MeetingId::made`]),
    /// never chosen by a client.
    MeetingId
);

impl MeetingId {
    /// The id the server gives the meeting that `organizer` names `uid` (a client's name
    /// for it, or an `.ics` event's UID): `m-` and 24 hex digits of a SHA-256 of both.
    /// The same name from the same organizer is the same meeting (a retry finds it); two
    /// organizers never share an id, and no client can pick another's.
    pub fn made(organizer: &ResourceId, uid: &str) -> MeetingId {
        Self::digest("meeting", organizer.as_str(), uid)
    }

    /// The id the server gives the meeting a create request makes, from who asked (an
    /// API key's id) and the request's idempotency key: the same request again is the
    /// same meeting. Never equal to a [`Self::made`] id of the same strings.
    pub fn of_request(client: &str, idempotency: &str) -> MeetingId {
        Self::digest("request", client, idempotency)
    }

    fn digest(kind: &str, who: &str, name: &str) -> MeetingId {
        use sha2::{Digest, Sha256};
        // `who`'s length first: no choice of strings reads as another split of them.
        let text = format!("{kind}\n{}\n{who}\n{name}", who.len());
        let digest = Sha256::digest(text.as_bytes());
        MeetingId(format!("m-{}", &hex::encode(digest)[..24]))
    }
}
id_type!(
    /// A cross-office transaction (the commit protocol's unit).
    TxnId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_ids_are_made_from_organizer_and_name_only() {
        let (alice, bob) = (ResourceId::new("alice"), ResourceId::new("bob"));
        let id = MeetingId::made(&alice, "review");
        assert_eq!(id, MeetingId::made(&alice, "review"));
        assert_ne!(id, MeetingId::made(&bob, "review"));
        assert_ne!(id, MeetingId::made(&alice, "review2"));
        assert_ne!(id, MeetingId::of_request("alice", "review"));
        assert!(id.as_str().starts_with("m-") && id.as_str().len() == 26);
        // A name cannot forge another split of organizer and name.
        assert_ne!(
            MeetingId::made(&ResourceId::new("a"), "b\nc"),
            MeetingId::made(&ResourceId::new("a\nb"), "c")
        );
    }
}
