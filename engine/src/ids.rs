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
    /// A meeting, unique across the company (the node makes it from its office and a counter).
    MeetingId
);
id_type!(
    /// A cross-office transaction (the commit protocol's unit).
    TxnId
);
