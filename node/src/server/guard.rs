//! The gate every tarpc call passes before it reaches its handler: node-only calls
//! (the commit protocol and deliveries) only from another office's node, each speaking
//! only for the transactions and deliveries its own office made; client calls only with
//! the scope they need, for the people the client may act for, with overrides limited
//! to what the client may override; the ids of meetings a client creates are made here
//! ([`engine::ids::MeetingId::made`]), never taken from the client. The check reads nothing about the call's target
//! beyond what deciding needs, and a meeting a client may not see reads as absent.

use super::{lock, OfficeServer};
use crate::auth::{origin_office, Caller, Force, Grant, Scope};
use crate::rpc::{OfficeRpcRequest as Req, OfficeRpcResponse as Resp};
use crate::storage::Storage;
use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::state::MeetingSpec;

/// Why a call was refused (sent to the caller as a `PermissionDenied` server error).
pub type Denied = String;

impl<S: Storage + Send + 'static> OfficeServer<S> {
    /// Checks `req` from `caller`; may narrow it (an override to the client's office).
    pub(super) fn admit_call(&self, caller: &Caller, req: &mut Req) -> Result<(), Denied> {
        match caller {
            Caller::Open => Ok(()),
            Caller::Node(from) => self.admit_node(from, req),
            Caller::Client(grant) => self.admit_client(grant, req),
        }
    }

    /// Filters an answer for a client: a meeting it may not see reads as absent.
    pub(super) fn filter_answer(&self, caller: &Caller, resp: Resp) -> Resp {
        match (caller, resp) {
            (Caller::Client(g), Resp::Meeting(Some(m))) if !self.sees(g, &m) => Resp::Meeting(None),
            (_, resp) => resp,
        }
    }

    fn admit_node(&self, from: &OfficeId, req: &Req) -> Result<(), Denied> {
        let own = |id: &str, what: &str| -> Result<(), Denied> {
            match origin_office(id, self.shared.peers.offices()) {
                Some(o) if o == from => Ok(()),
                _ => Err(format!(
                    "office {from}'s node may not speak for {what} {id}, which it did not make"
                )),
            }
        };
        let txns = |list: &mut dyn Iterator<Item = &TxnId>| -> Result<(), Denied> {
            for t in list {
                own(t.as_str(), "transaction")?;
            }
            Ok(())
        };
        match req {
            Req::Fence { txn } => own(txn.as_str(), "transaction"),
            Req::PrepareMany {
                decisions,
                prepares,
            } => {
                txns(&mut decisions.iter().map(|(t, _)| t))?;
                txns(&mut prepares.iter().map(|(t, _, _)| t))
            }
            Req::DecideMany { decisions } => txns(&mut decisions.iter().map(|(t, _)| t)),
            Req::Deliver { key, .. } => own(key, "delivery"),
            // Any office's node may ask how a transaction coordinated here ended, and
            // make the calls clients make (the HTTP API forwards them).
            _ => Ok(()),
        }
    }

    fn admit_client(&self, g: &Grant, req: &mut Req) -> Result<(), Denied> {
        let req_is_book = matches!(req, Req::Book { .. });
        let need = |scope: Scope| -> Result<(), Denied> {
            if g.has(scope) {
                Ok(())
            } else {
                Err(format!("the client has no {scope} scope"))
            }
        };
        match req {
            Req::PrepareMany { .. }
            | Req::DecideMany { .. }
            | Req::Decision { .. }
            | Req::Fence { .. }
            | Req::Deliver { .. } => Err(format!(
                "{} is a call between office nodes; a client may not make it",
                tarpc::RequestName::name(req)
            )),
            Req::Book { meeting, force } | Req::Update { meeting, force } => {
                need(Scope::Book)?;
                self.may_act_for(g, &meeting.organizer)?;
                name_meeting(req_is_book, meeting)?;
                if *force != Force::No {
                    need(Scope::Override)?;
                    *force = g.force(true);
                }
                Ok(())
            }
            Req::Cancel { meeting, .. } => {
                need(Scope::Book)?;
                self.own_office_unless_admin(g)?;
                let organizer = lock(&self.shared.state)
                    .state()
                    .meeting(meeting)
                    .map(|m| m.organizer.clone());
                match organizer {
                    Some(o) => self.may_act_for(g, &o),
                    // The handler answers "unknown meeting".
                    None => Ok(()),
                }
            }
            Req::Respond { attendee, .. } => {
                need(Scope::Book)?;
                self.may_act_for(g, attendee)
            }
            // The invitee proposes; the organizer declines.
            Req::Counter { proposal } if proposal.declined => {
                need(Scope::Book)?;
                let organizer = lock(&self.shared.state)
                    .state()
                    .meeting(&proposal.meeting)
                    .map(|m| m.organizer.clone());
                match organizer {
                    Some(o) => self.may_act_for(g, &o),
                    None => Ok(()),
                }
            }
            Req::Counter { proposal } => {
                need(Scope::Book)?;
                self.may_act_for(g, &proposal.attendee)
            }
            Req::Import { meetings } => {
                need(Scope::Book)?;
                meetings.iter_mut().for_each(MeetingSpec::take_server_id);
                self.own_office_unless_admin(g)?;
                match &g.person {
                    Some(p) if !g.has(Scope::Admin) => Err(format!(
                        "a client bound to {p} may not import into the office's calendars"
                    )),
                    _ => Ok(()),
                }
            }
            Req::MeetingsOf { resource, .. } | Req::Entries { resource, .. } => {
                need(Scope::Freebusy)?;
                self.may_act_for(g, resource)
            }
            Req::Meeting { .. }
            | Req::FreeBusy { .. }
            | Req::Suggest { .. }
            | Req::Directory {} => need(Scope::Freebusy),
            Req::Health {} => need(Scope::Admin),
        }
    }

    fn may_act_for(&self, g: &Grant, who: &ResourceId) -> Result<(), Denied> {
        let home = self
            .shared
            .dir
            .home(who)
            .map_err(|_| format!("unknown person or room {who}"))?;
        if g.acts_for(who, home) {
            Ok(())
        } else {
            Err(match &g.person {
                Some(p) => format!("the client acts as {p} only, not as {who}"),
                None => format!(
                    "the client is office {}'s; {who} is office {home}'s",
                    g.office
                ),
            })
        }
    }

    fn own_office_unless_admin(&self, g: &Grant) -> Result<(), Denied> {
        if g.has(Scope::Admin) || g.office == self.shared.office {
            Ok(())
        } else {
            Err(format!(
                "the client is office {}'s, not office {}'s",
                g.office, self.shared.office
            ))
        }
    }

    /// Whether a client sees a meeting: an admin, or one of its people is the client's
    /// person (or, unbound, of the client's office).
    fn sees(&self, g: &Grant, m: &MeetingSpec) -> bool {
        g.has(Scope::Admin)
            || std::iter::once(&m.organizer)
                .chain(m.attendees.iter().map(|a| &a.resource))
                .any(|p| {
                    self.shared
                        .dir
                        .home(p)
                        .is_ok_and(|home| g.acts_for(p, home))
                })
    }
}

/// Meeting ids are the server's: a new meeting's id is made from its organizer and the
/// name (UID) the client gave it; a change names its meeting by that id, and may not
/// give it another UID.
fn name_meeting(new: bool, meeting: &mut MeetingSpec) -> Result<(), Denied> {
    if new {
        meeting.take_server_id();
        return Ok(());
    }
    match &meeting.uid {
        Some(uid) if MeetingId::made(&meeting.organizer, uid) != meeting.id => Err(format!(
            "meeting {} is not named {uid}; a meeting's UID cannot change",
            meeting.id
        )),
        _ => Ok(()),
    }
}
