//! Plain-text tables.
