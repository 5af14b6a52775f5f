//! The sample company (`node/sample/`, embedded in the binary) and the loader of any
//! directory of the same form: `offices.toml` (offices, people, rooms) and
//! `calendars/*.ics` (meetings; ORGANIZER and ATTENDEE addresses `id@...` name people and
//! rooms by id).
//!
//! [`World`] holds one [`OfficeState`] per office and books across them with the same
//! prepare/commit steps the networked node runs over tarpc, here in one process.

use anyhow::{bail, Context, Result};
use engine::calendar::{BusyStatus, Conflict, Interval};
use engine::ical::{parse_series, Series};
use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::office::{Directory, Office, Person, Room};
use engine::recurrence::RecurrenceSet;
use engine::state::{Attendee, Command, MeetingSpec, OfficeState, Response};
use engine::suggest::BusySource;
use engine::time::{Disambiguation, Instant, Wall, Zone};
use protocol::{Action, Coordinator, Decision, Logged, Verdict, Vote};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The embedded sample: `offices.toml`.
pub const SAMPLE_OFFICES: &str = include_str!("../sample/offices.toml");
/// The embedded sample: `calendars/*.ics`, by file name.
pub const SAMPLE_CALENDARS: &[(&str, &str)] = &[
    ("ny.ics", include_str!("../sample/calendars/ny.ics")),
    ("london.ics", include_str!("../sample/calendars/london.ics")),
    (
        "bangalore.ics",
        include_str!("../sample/calendars/bangalore.ics"),
    ),
    ("sydney.ics", include_str!("../sample/calendars/sydney.ics")),
];

/// The form of `offices.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficesFile {
    version: u32,
    #[serde(default)]
    office: Vec<Office>,
    #[serde(default)]
    person: Vec<Person>,
    #[serde(default)]
    room: Vec<Room>,
}

/// Parses an `offices.toml` text.
pub fn parse_directory(text: &str) -> Result<Directory> {
    let f: OfficesFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("offices.toml: {e}"))?;
    if f.version != 1 {
        bail!(
            "offices.toml: version {} is not supported (expected 1)",
            f.version
        );
    }
    Directory::new(f.office, f.person, f.room).context("offices.toml")
}

/// A whole company in one process: the directory and every office's state.
pub struct World {
    /// Offices, people, rooms.
    pub dir: Directory,
    /// Each office's calendars.
    pub offices: BTreeMap<OfficeId, OfficeState>,
    next_txn: u64,
}

/// What a booking attempt did.
#[derive(Debug, PartialEq, Eq)]
pub enum Booking {
    /// Booked; overridden conflicts, if forced.
    Booked {
        /// Conflicts booked over.
        overridden: Vec<Conflict>,
    },
    /// Not booked: the conflicts every office reported.
    Conflicts(Vec<Conflict>),
}

impl World {
    /// An empty world over a directory: every person and room registered at its office.
    pub fn new(dir: Directory) -> World {
        let mut offices: BTreeMap<OfficeId, OfficeState> = dir
            .offices
            .keys()
            .map(|id| (id.clone(), OfficeState::new(id.clone())))
            .collect();
        let resources = dir
            .people
            .iter()
            .map(|(id, p)| (id, &p.office))
            .chain(dir.rooms.iter().map(|(id, r)| (id, &r.office)));
        for (id, office) in resources {
            if let Some(state) = offices.get_mut(office) {
                state.apply(&Command::Register {
                    resource: id.clone(),
                });
            }
        }
        World {
            dir,
            offices,
            next_txn: 0,
        }
    }

    /// The embedded sample company with its calendars booked.
    pub fn sample() -> Result<World> {
        let mut w = World::new(parse_directory(SAMPLE_OFFICES)?);
        for (name, text) in SAMPLE_CALENDARS {
            w.import(name, text)?;
        }
        Ok(w)
    }

    /// Loads `DIR/offices.toml` and `DIR/calendars/*.ics` (in file-name order).
    pub fn load(dir: &Path) -> Result<World> {
        let offices = std::fs::read_to_string(dir.join("offices.toml"))
            .with_context(|| format!("reading {}", dir.join("offices.toml").display()))?;
        let mut w = World::new(parse_directory(&offices)?);
        let cal_dir = dir.join("calendars");
        let mut files: Vec<_> = match std::fs::read_dir(&cal_dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "ics"))
                .collect(),
            Err(_) => vec![],
        };
        files.sort();
        for f in files {
            let text =
                std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            w.import(&f.display().to_string(), &text)?;
        }
        Ok(w)
    }

    /// Books every event of an .ics text (conflicts are errors: sample data is clean).
    pub fn import(&mut self, name: &str, text: &str) -> Result<()> {
        for s in parse_series(text).with_context(|| name.to_string())? {
            let spec = self
                .spec_of(&s)
                .with_context(|| format!("{name}: event {:?}", s.uid))?;
            if let Booking::Conflicts(c) = self.book(&spec, false)? {
                bail!(
                    "{name}: event {:?} conflicts with {} booking(s), first {:?}",
                    s.uid,
                    c.len(),
                    c[0]
                );
            }
        }
        Ok(())
    }

    /// Maps an address (`mailto:alice@dms.example`) to a known person or room.
    pub fn resource_of(&self, addr: &str) -> Option<ResourceId> {
        let a = addr.rsplit(':').next().unwrap_or(addr);
        let id = ResourceId::new(a.split('@').next().unwrap_or(a));
        (self.dir.people.contains_key(&id) || self.dir.rooms.contains_key(&id)).then_some(id)
    }

    /// Turns an imported series into a meeting spec (floating times bound to the
    /// organizer's zone).
    pub fn spec_of(&self, s: &Series) -> Result<MeetingSpec> {
        let m = s
            .master
            .as_ref()
            .context("no master VEVENT (only overrides)")?;
        let organizer = m
            .organizer
            .as_deref()
            .and_then(|o| self.resource_of(o))
            .context("ORGANIZER is not a known person")?;
        let mut attendees = Vec::new();
        let mut rooms = Vec::new();
        for a in &m.attendees {
            let r = (self.resource_of(&a.address)).with_context(|| {
                format!("ATTENDEE {:?} is not a known person or room", a.address)
            })?;
            if self.dir.rooms.contains_key(&r) {
                rooms.push(r);
            } else {
                attendees.push(Attendee {
                    resource: r,
                    required: true,
                    response: Response::Accepted,
                });
            }
        }
        let mut recurrence = m.recurrence.clone();
        if recurrence.zone == Zone::Floating {
            let zone = self.dir.zone_of(&organizer)?;
            bind_floating(&mut recurrence, zone);
        }
        Ok(MeetingSpec {
            id: MeetingId::default(),
            organizer,
            title: m.summary.clone().unwrap_or_default(),
            attendees,
            rooms,
            duration_secs: m.duration_secs,
            recurrence,
            cancelled: Default::default(),
            expansion: Default::default(),
            uid: None,
            sequence: 0,
            overrides: Default::default(),
            reminder_minutes: None,
        }
        .named(s.uid.clone()))
    }

    /// The offices a meeting touches.
    pub fn offices_of(&self, spec: &MeetingSpec) -> Result<Vec<OfficeId>> {
        let mut v: Vec<OfficeId> = spec
            .resources()
            .iter()
            .map(|r| self.dir.home(r).cloned())
            .collect::<Result<_, _>>()?;
        v.sort();
        v.dedup();
        Ok(v)
    }

    /// Books a meeting across its offices with the commit protocol (`protocol`'s
    /// [`Coordinator`], the node's too), over an in-memory transport: every office's state
    /// is here, and the organizer's office coordinates. Booked, or not booked with every
    /// office's conflicts; an error if an office refused.
    pub fn book(&mut self, spec: &MeetingSpec, force: bool) -> Result<Booking> {
        self.next_txn += 1;
        let txn = TxnId::new(format!("local-{}", self.next_txn));
        let offices = self.offices_of(spec)?;
        let here = self.dir.home(&spec.organizer)?.clone();
        let (mut machine, mut actions) = Coordinator::start(here.clone(), &offices);
        let prepare = Command::Prepare {
            txn: txn.clone(),
            meeting: Box::new(spec.clone()),
            force,
        };
        while !actions.is_empty() {
            let mut next = Vec::new();
            for action in actions {
                match action {
                    Action::Prepare { to } => {
                        let outcome = self.state_of(&to)?.apply(&prepare);
                        next.extend(machine.on_vote(&to, Vote::of(&to, Ok(outcome))));
                    }
                    Action::PrepareAndCommitHere => {
                        let state = self.state_of(&here)?;
                        let outcome = state.apply(&prepare);
                        state.apply(&Decision::Commit.command(&txn));
                        next.extend(machine.on_local(outcome));
                    }
                    Action::Log { decision, .. } => {
                        let outcome = self.state_of(&here)?.apply(&decision.command(&txn));
                        next.extend(machine.on_logged(Logged::of(&outcome)));
                    }
                    Action::Send { to, decision } => {
                        self.state_of(&to)?.apply(&decision.command(&txn));
                    }
                    Action::Answer(verdict) => {
                        return match verdict {
                            Verdict::Booked { overridden } => Ok(Booking::Booked { overridden }),
                            Verdict::Conflicts { conflicts } => Ok(Booking::Conflicts(conflicts)),
                            Verdict::Refused { why }
                            | Verdict::Unavailable { why, .. }
                            | Verdict::Uncertain { why } => bail!("not booked: {why}"),
                        }
                    }
                    Action::Fence { .. } | Action::Leave(_) => {}
                }
            }
            actions = next;
        }
        bail!("transaction {txn} stopped without an answer")
    }

    fn state_of(&mut self, office: &OfficeId) -> Result<&mut OfficeState> {
        self.offices
            .get_mut(office)
            .with_context(|| format!("no office {office}"))
    }

    /// A meeting for people to read ([`MeetingSpec::label`]); the id alone if no office
    /// has it.
    pub fn label(&self, id: &engine::ids::MeetingId) -> String {
        (self.offices.values())
            .find_map(|o| o.meeting(id))
            .map_or_else(|| id.to_string(), |m| m.label())
    }

    /// The state of the office that owns `r`.
    pub fn home_state(&self, r: &ResourceId) -> Option<&OfficeState> {
        self.dir.home(r).ok().and_then(|o| self.offices.get(o))
    }
}

/// Re-reads a floating recurrence on `zone`'s wall clock.
fn bind_floating(rec: &mut RecurrenceSet, zone: Zone) {
    let rebind = |t: &mut Instant| {
        *t = zone
            .to_instant(Wall(t.0), Disambiguation::Compatible)
            .unwrap_or(*t)
    };
    rec.rdates.iter_mut().for_each(rebind);
    rec.exdates.iter_mut().for_each(rebind);
    rec.zone = zone;
}

impl BusySource for World {
    fn busy(&self, r: &ResourceId, window: Interval) -> Vec<(Interval, BusyStatus)> {
        self.home_state(r)
            .map(|s| s.calendars().busy(r, window))
            .unwrap_or_default()
    }
}
