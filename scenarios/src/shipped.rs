//! The scenarios that come with the project, compiled in (the files are in
//! `scenarios/files/`, each opening with a comment that says what it shows).

/// Every shipped scenario: file name and text.
pub const SHIPPED: [(&str, &str); 5] = [
    (
        "global-company.toml",
        include_str!("../files/global-company.toml"),
    ),
    (
        "partition-storm.toml",
        include_str!("../files/partition-storm.toml"),
    ),
    (
        "thundering-herd.toml",
        include_str!("../files/thundering-herd.toml"),
    ),
    (
        "recurring-quarter.toml",
        include_str!("../files/recurring-quarter.toml"),
    ),
    (
        "rolling-restart.toml",
        include_str!("../files/rolling-restart.toml"),
    ),
];

/// The text of the shipped scenario named `name` (with or without `.toml`).
pub fn shipped(name: &str) -> Option<&'static str> {
    let file = name.strip_suffix(".toml").unwrap_or(name);
    SHIPPED
        .iter()
        .find(|(f, _)| f.strip_suffix(".toml") == Some(file))
        .map(|(_, text)| *text)
}
