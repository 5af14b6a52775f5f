//! TZID to zone. iCalendar files name zones in several ways; this reads the common ones:
//! an IANA name (`Europe/London`), an IANA name behind a vendor prefix
//! (`/citadel.org/20190914_1/Europe/London`), a VTIMEZONE whose `X-LIC-LOCATION` is an IANA
//! name, and the Windows names Outlook and Exchange write (`W. Europe Standard Time`).
//! Failing those, a VTIMEZONE's own rules are evaluated and the IANA zone that keeps
//! them is used (`vtimezone.rs`: Outlook's `Customized Time Zone`). A TZID that none of
//! these explain is an error that names it.

use super::vtimezone::Rules;
use crate::time::Zone;
use std::cell::RefCell;
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
    rules: BTreeMap<String, Rules>,
    /// The zones VTIMEZONE rules were matched to (each evaluated once).
    matched: RefCell<BTreeMap<String, Option<Zone>>>,
}

/// The most VTIMEZONEs whose rules one file may have evaluated (about 0.1 ms each): a
/// bound on the work a file of made-up zones can cause.
pub const MAX_EVALUATED_ZONES: usize = 100;

impl ZoneResolver {
    /// Records that the VTIMEZONE `tzid` says it is the IANA zone `location`.
    pub fn add_location(&mut self, tzid: &str, location: &str) {
        self.locations
            .insert(tzid.to_string(), location.to_string());
    }

    /// Records the observances of the VTIMEZONE `tzid`.
    pub fn add_rules(&mut self, tzid: &str, rules: Rules) {
        self.rules.insert(tzid.to_string(), rules);
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
        let name = tzid.chars().take(60).collect::<String>();
        if let Some(rules) = self.rules.get(tzid) {
            let mut matched = self.matched.borrow_mut();
            if !matched.contains_key(tzid) && matched.len() >= MAX_EVALUATED_ZONES {
                return Err(format!(
                    "time zone {name:?}: more than {MAX_EVALUATED_ZONES} VTIMEZONEs with rules to evaluate in one file"
                ));
            }
            let zone = *(matched.entry(tzid.to_string())).or_insert_with(|| rules.matching_zone());
            return zone.ok_or_else(|| {
                format!(
                    "time zone {name:?}: its VTIMEZONE's rules match no zone of the tz database"
                )
            });
        }
        Err(format!(
            "unknown time zone {name:?} (not an IANA name, a known Windows name, or a VTIMEZONE with X-LIC-LOCATION or rules)"
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

    /// A file of made-up zones: the rules of at most [`MAX_EVALUATED_ZONES`] are
    /// evaluated; the next is refused with the reason, the ones matched stay matched.
    #[test]
    fn the_zones_evaluated_per_file_are_bounded() {
        use super::super::vtimezone::Observance;
        use crate::time::Wall;
        let fixed = Rules(vec![Observance {
            start: Wall::from_ymd_hms(1970, 1, 1, 0, 0, 0),
            from: 3600,
            to: 3600,
            rule: None,
            rdates: vec![],
        }]);
        let mut r = ZoneResolver::default();
        for i in 0..=MAX_EVALUATED_ZONES {
            r.add_rules(&format!("Zone {i}"), fixed.clone());
        }
        for i in 0..MAX_EVALUATED_ZONES {
            assert!(r.resolve(&format!("Zone {i}")).is_ok(), "{i}");
        }
        let err = r
            .resolve(&format!("Zone {MAX_EVALUATED_ZONES}"))
            .unwrap_err();
        assert!(err.contains("more than 100 VTIMEZONEs"), "{err}");
        assert!(r.resolve("Zone 0").is_ok());
    }
}
