//! How large a history the linearizability checker verifies in under 10 s: correct
//! synthetic histories (clients with overlapping calls, applied in a hidden order) of
//! doubling size, timed. A figure for the README, not a timed test: it runs only with
//! `SIM_CAPACITY=1` (see `make sim-capacity`); without it, one small history is checked.
#![cfg(madsim)]

use sim::check::linear::{check, Action, Answer, Call, Version};
use std::collections::BTreeMap;

/// A tiny seeded generator (xorshift), so the histories are the same every time.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const PEOPLE: u64 = 16;
const OFFICES: u32 = 4;
const CLIENTS: usize = 5;

/// A correct history of `n` calls: each client's calls follow each other; each call
/// takes effect at a hidden instant between its invocation and its return, in which
/// order a sequential model answers it.
fn history(n: usize, seed: u64) -> Vec<Call> {
    let mut rng = Rng(seed | 1);
    // (effect, client, invoked, returned), in effect order.
    let mut plan = Vec::new();
    let mut t = [0u64; CLIENTS];
    for k in 0..n {
        let c = k % CLIENTS;
        let invoked = t[c] + rng.below(50);
        let effect = invoked + 1 + rng.below(100);
        let returned = effect + 1 + rng.below(100);
        t[c] = returned;
        plan.push((effect, c, invoked, returned));
    }
    plan.sort();
    let slots = (n as i64 / 4).max(8);
    let mut cal: BTreeMap<u32, Vec<(u32, i64)>> = BTreeMap::new();
    let mut mine: Vec<Vec<(u32, Vec<u32>)>> = vec![Vec::new(); CLIENTS];
    let mut out = Vec::new();
    for (k, (_, c, invoked, returned)) in plan.into_iter().enumerate() {
        let roll = rng.below(10);
        let (action, answer) = if roll < 3 {
            let r = rng.below(PEOPLE) as u32;
            let entries = cal.get(&r).cloned().unwrap_or_default();
            let entries = entries
                .iter()
                .map(|&(m, h)| (m, (h, h + 1), false))
                .collect();
            let office = r % OFFICES;
            (
                Action::Read {
                    res: r,
                    office,
                    entries,
                },
                Answer::Ok,
            )
        } else if roll < 4 && !mine[c].is_empty() {
            let pick = rng.below(mine[c].len() as u64) as usize;
            let (id, res) = mine[c].remove(pick);
            for r in &res {
                cal.entry(*r).or_default().retain(|(m, _)| *m != id);
            }
            (
                Action::Cancel {
                    id,
                    home: res[0] % OFFICES,
                },
                Answer::Ok,
            )
        } else {
            let id = k as u32;
            let a = rng.below(PEOPLE) as u32;
            let b = (a + 1 + rng.below(PEOPLE - 1) as u32) % PEOPLE as u32;
            let h = rng.below(slots as u64) as i64;
            let res = vec![a, b];
            let busy: Vec<(u32, u32)> = res
                .iter()
                .flat_map(|r| {
                    let on = cal.get(r).cloned().unwrap_or_default();
                    on.into_iter()
                        .filter(|e| e.1 == h)
                        .map(|e| (*r, e.0))
                        .collect::<Vec<_>>()
                })
                .collect();
            let version = Version {
                id,
                slots: vec![(h, h + 1)],
                resources: res.iter().map(|r| (*r, r % OFFICES)).collect(),
                home: a % OFFICES,
            };
            if busy.is_empty() {
                for r in &res {
                    cal.entry(*r).or_default().push((id, h));
                }
                mine[c].push((id, res));
                (Action::Book(version), Answer::Ok)
            } else {
                (Action::Book(version), Answer::Conflicts(busy))
            }
        };
        out.push(Call {
            action,
            answer,
            invoked,
            returned: Some(returned),
        });
    }
    out.sort_by_key(|c| c.invoked);
    out
}

#[test]
fn a_small_synthetic_history_is_linearizable() {
    assert!(check(&history(300, 7)).is_ok());
}

#[test]
fn a_synthetic_history_with_a_wrong_answer_is_not() {
    // Small: refuting a history means trying every order, exponential in the calls
    // that may go in any order (here, cancellations still on their way).
    let mut h = history(60, 7);
    let read = h
        .iter_mut()
        .rev()
        .find(|c| matches!(&c.action, Action::Read { entries, .. } if !entries.is_empty()))
        .expect("a read that saw something");
    if let Action::Read { entries, .. } = &mut read.action {
        entries.pop();
    }
    assert!(check(&h).is_err());
}

#[test]
fn capacity() {
    if std::env::var("SIM_CAPACITY").is_err() {
        return;
    }
    let mut n = 250;
    loop {
        let h = history(n, 42);
        let started = std::time::Instant::now();
        let verdict = check(&h);
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{n} calls: {:?} in {secs:.2} s",
            verdict.map_err(|v| v.placed)
        );
        if secs > 10.0 || n >= 256_000 {
            break;
        }
        n *= 2;
    }
}
