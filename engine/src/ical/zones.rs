//! TZID to zone. iCalendar files name zones in several ways; this reads the common ones:
//! an IANA name (`Europe/London`), an IANA name behind a vendor prefix
//! (`/citadel.org/20190914_1/Europe/London`), a VTIMEZONE whose `X-LIC-LOCATION` is an IANA
//! name, and the Windows names Outlook and Exchange write (`W. Europe Standard Time`).
//! A TZID that none of these explain is an error that names it; guessing an offset from a
//! VTIMEZONE's rules is not attempted.

use crate::time::Zone;
use std::collections::BTreeMap;

/// Windows zone names to IANA names: the zones most offices sit in (CLDR's mapping).
const WINDOWS: &[(&str, &str)] = &[
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Central Standard Time", "America/Chicago"),
    ("China Standard Time", "Asia/Shanghai"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Eastern Standard Time", "America/New_York"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GMT Standard Time", "Europe/London"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("Mountain Standard Time", "America/Denver"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("UTC", "UTC"),
    ("W. Europe Standard Time", "Europe/Berlin"),
];

/// Resolves TZIDs for one calendar, knowing its VTIMEZONEs' `X-LIC-LOCATION`s.
#[derive(Default)]
pub struct ZoneResolver {
    locations: BTreeMap<String, String>,
}

impl ZoneResolver {
    /// Records that the VTIMEZONE `tzid` says it is the IANA zone `location`.
    pub fn add_location(&mut self, tzid: &str, location: &str) {
        self.locations
            .insert(tzid.to_string(), location.to_string());
    }

    /// The zone a TZID names.
    pub fn resolve(&self, tzid: &str) -> Result<Zone, String> {
        let tzid = tzid.trim().trim_matches('"');
        if let Ok(z) = Zone::parse(tzid) {
            return Ok(z);
        }
        if let Some(loc) = self.locations.get(tzid) {
            if let Ok(z) = Zone::parse(loc) {
                return Ok(z);
            }
        }
        if let Some((_, iana)) = WINDOWS.iter().find(|(w, _)| w.eq_ignore_ascii_case(tzid)) {
            return Zone::parse(iana).map_err(|e| e.to_string());
        }
        // A vendor prefix: try the last two, then three, path segments.
        let parts: Vec<&str> = tzid.split('/').filter(|p| !p.is_empty()).collect();
        for take in [2, 3, 1] {
            if parts.len() >= take {
                if let Ok(z) = Zone::parse(&parts[parts.len() - take..].join("/")) {
                    return Ok(z);
                }
            }
        }
        Err(format!(
            "unknown time zone {:?} (not an IANA name, a known Windows name, or a VTIMEZONE with X-LIC-LOCATION)",
            tzid.chars().take(60).collect::<String>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_the_common_forms() {
        let mut r = ZoneResolver::default();
        r.add_location("Custom", "Asia/Kolkata");
        assert_eq!(r.resolve("Europe/London").unwrap().name(), "Europe/London");
        assert_eq!(
            r.resolve("/citadel.org/20190914_1/Europe/London")
                .unwrap()
                .name(),
            "Europe/London"
        );
        assert_eq!(
            r.resolve("W. Europe Standard Time").unwrap().name(),
            "Europe/Berlin"
        );
        assert_eq!(r.resolve("Custom").unwrap().name(), "Asia/Kolkata");
        assert!(r
            .resolve("Mars Standard Time")
            .unwrap_err()
            .contains("Mars Standard Time"));
    }
}
