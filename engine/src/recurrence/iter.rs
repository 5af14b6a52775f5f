//! [`RuleIter`]: one rule expanded lazily, one period (year, month, week, day, hour...) at
//! a time, on the wall clock of the event's zone. Each instance comes out as its wall
//! reading and its instant (DST gaps and folds resolved as RFC 5545 says).
//!
//! The walk is the one python-dateutil, rrule.js and the `rrule` crate share (the shared
//! oracle corpus holds the project to it): for each period, the candidate days are
//! filtered through the BYxxx masks, BYSETPOS picks from the period's (day, time) set, and
//! the period advances by INTERVAL. Nothing is allocated per period.

use super::error::{ExpandError, RuleError};
use super::limits::{
    MAX_EMPTY_DAILY, MAX_EMPTY_MONTHLY, MAX_EMPTY_SUBDAILY, MAX_EMPTY_WEEKLY, MAX_EMPTY_YEARLY,
    MAX_STEPS, MAX_YEAR,
};
use super::plan::Plan;
use super::rule::{Frequency, Rule, Until};
use super::year::{MaskSpec, YearInfo};
use crate::time::civil::{civil_from_days, days_from_civil, days_in_month};
use crate::time::instant::DAY_SECS;
use crate::time::{Disambiguation, Instant, OffsetCache, Wall, Zone};

/// One expanded instance: where the wall clock stands and when it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occ {
    /// The instant.
    pub at: Instant,
    /// The wall reading in the event's zone, as the rule produced it.
    pub wall: Wall,
}

/// The lazy expansion of one rule from one DTSTART in one zone.
pub struct RuleIter {
    plan: Plan,
    rule: Rule,
    offsets: OffsetCache,
    dtstart: Wall,
    until: Option<UntilBound>,
    count_left: Option<u64>,
    year: i32,
    month: u32,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    weekday: i64,
    info: YearInfo,
    times: Vec<u32>,
    days: Vec<u16>,
    picks: Vec<i64>,
    out: Vec<Occ>,
    out_pos: usize,
    done: bool,
    empty_run: u64,
    /// Candidates examined so far (periods, and the grid steps of sub-daily rules
    /// within one), against [`MAX_STEPS`].
    steps: u64,
}

#[derive(Clone, Copy)]
enum UntilBound {
    Instant(Instant),
    Wall(Wall),
}

impl RuleIter {
    /// Starts expanding `rule` from `dtstart` (a wall reading in `zone`).
    pub fn new(rule: &Rule, dtstart: Wall, zone: Zone) -> Result<RuleIter, RuleError> {
        let plan = Plan::new(rule, dtstart)?;
        let until = rule.until.map(|u| match (u, zone) {
            (Until::Utc(t), Zone::Floating) => UntilBound::Wall(t.utc_wall()),
            (Until::Utc(t), _) => UntilBound::Instant(t),
            (Until::Wall(w), Zone::Floating) => UntilBound::Wall(w),
            (Until::Wall(w), z) => UntilBound::Instant(
                z.to_instant(w, Disambiguation::Compatible)
                    .unwrap_or(Instant(w.0)),
            ),
        });
        let (year, month, day) = dtstart.ymd();
        let (h, m, s) = dtstart.hms();
        let mut it = RuleIter {
            rule: rule.clone(),
            offsets: OffsetCache::new(zone),
            dtstart,
            until,
            count_left: rule.count.map(u64::from),
            year,
            month,
            day: i64::from(day),
            hour: i64::from(h),
            minute: i64::from(m),
            second: i64::from(s),
            weekday: i64::from(dtstart.weekday().index()),
            info: YearInfo::new(),
            times: Vec::new(),
            days: Vec::with_capacity(32),
            picks: Vec::new(),
            out: Vec::with_capacity(16),
            out_pos: 0,
            done: false,
            empty_run: 0,
            steps: 0,
            plan,
        };
        it.rebuild();
        it.reset_times();
        Ok(it)
    }

    /// The rule's text, for messages.
    pub fn rule_text(&self) -> String {
        self.rule.to_string()
    }

    /// Whether the rule has COUNT (so it cannot skip ahead).
    pub fn has_count(&self) -> bool {
        self.count_left.is_some()
    }

    fn rebuild(&mut self) {
        let p = &self.plan;
        let spec = MaskSpec {
            wkst: p.wkst,
            by_week_no: &p.by_week_no,
            by_nth_weekday: &p.by_nth_weekday,
            nth_in_months: (p.freq == Frequency::Yearly).then_some(&p.months[..]),
            monthly: p.freq == Frequency::Monthly,
        };
        self.info.rebuild(self.year, self.month, &spec);
    }

    /// The time set of the first period at HOURLY and finer: empty when DTSTART's own
    /// hour (minute, second) is not one the rule allows.
    fn reset_times(&mut self) {
        let p = &self.plan;
        if p.freq < Frequency::Hourly {
            return;
        }
        let off = |v: &[u32], x: i64| !v.is_empty() && !v.contains(&(x as u32));
        let blocked = off(&p.by_hour, self.hour)
            || (p.freq >= Frequency::Minutely && off(&p.by_minute, self.minute))
            || (p.freq >= Frequency::Secondly && off(&p.by_second, self.second));
        if blocked {
            self.times.clear();
        } else {
            self.fill_times();
        }
    }

    fn fill_times(&mut self) {
        let p = &self.plan;
        self.times.clear();
        let (h, m, s) = (self.hour as u32, self.minute as u32, self.second as u32);
        match p.freq {
            Frequency::Hourly => {
                for &mi in &p.by_minute {
                    for &se in &p.by_second {
                        self.times.push(h * 3600 + mi * 60 + se);
                    }
                }
            }
            Frequency::Minutely => {
                for &se in &p.by_second {
                    self.times.push(h * 3600 + m * 60 + se);
                }
            }
            _ => self.times.push(h * 3600 + m * 60 + s),
        }
        self.times.sort_unstable();
    }

    /// Skips whole periods that end before `target` (a wall reading). Only for rules without
    /// COUNT, whose instances do not depend on the ones skipped.
    pub fn seek(&mut self, target: Wall) {
        if self.count_left.is_some() || self.done {
            return;
        }
        let target = target.days() - 2;
        let interval = self.plan.interval;
        let cur_day = days_from_civil(self.year, self.month, 1) + self.day - 1;
        match self.plan.freq {
            Frequency::Yearly => {
                let (ty, _, _) = civil_from_days(target);
                if ty > self.year {
                    let n = (i64::from(ty - self.year) + interval - 1) / interval;
                    self.year =
                        (i64::from(self.year) + n * interval).min(i64::from(MAX_YEAR) + 1) as i32;
                }
            }
            Frequency::Monthly => {
                let (ty, tm, _) = civil_from_days(target);
                let cur = i64::from(self.year) * 12 + i64::from(self.month) - 1;
                let want = i64::from(ty) * 12 + i64::from(tm) - 1;
                if want > cur {
                    let n = (want - cur + interval - 1) / interval;
                    let idx = cur + n * interval;
                    self.year = idx.div_euclid(12).min(i64::from(MAX_YEAR) + 1) as i32;
                    self.month = (idx.rem_euclid(12) + 1) as u32;
                }
            }
            Frequency::Weekly => {
                let week0 = cur_day - (self.weekday - i64::from(self.plan.wkst)).rem_euclid(7);
                let step = 7 * interval;
                let j = (target - 7 - week0).div_euclid(step) + 1;
                if j >= 1 {
                    self.set_day(week0 + j * step);
                    self.weekday = i64::from(self.plan.wkst);
                }
            }
            Frequency::Daily => {
                if target > cur_day {
                    let n = (target - cur_day) / interval;
                    self.set_day(cur_day + n * interval);
                }
            }
            _ => self.seek_subdaily(cur_day, target),
        }
        if self.year > MAX_YEAR {
            self.done = true;
            return;
        }
        self.rebuild();
    }

    fn seek_subdaily(&mut self, cur_day: i64, target_day: i64) {
        let unit = match self.plan.freq {
            Frequency::Hourly => 3600,
            Frequency::Minutely => 60,
            _ => 1,
        };
        let now = cur_day * DAY_SECS + self.hour * 3600 + self.minute * 60 + self.second;
        let want = target_day * DAY_SECS;
        let step = unit * self.plan.interval;
        if want <= now {
            return;
        }
        let next = now + (want - now) / step * step;
        self.set_day(next.div_euclid(DAY_SECS));
        let s = next.rem_euclid(DAY_SECS);
        (self.hour, self.minute, self.second) = (s / 3600, s / 60 % 60, s % 60);
        self.reset_times();
    }

    fn set_day(&mut self, days: i64) {
        let (y, m, d) = civil_from_days(days);
        (self.year, self.month, self.day) = (y, m, i64::from(d));
    }

    /// The next instance, `Ok(None)` when the rule is exhausted.
    pub fn next_occ(&mut self) -> Result<Option<Occ>, ExpandError> {
        loop {
            if self.out_pos < self.out.len() {
                let o = self.out[self.out_pos];
                self.out_pos += 1;
                return Ok(Some(o));
            }
            if self.done {
                return Ok(None);
            }
            self.out.clear();
            self.out_pos = 0;
            self.spend(1)?;
            let filtered = self.expand_period();
            if self.done {
                continue;
            }
            if self.out.is_empty() {
                self.empty_run += 1;
                if self.empty_run > self.empty_limit() {
                    self.done = true;
                    return Err(ExpandError::NeverMatches {
                        rule: self.rule_text(),
                        periods: self.empty_run,
                    });
                }
            } else {
                self.empty_run = 0;
            }
            self.advance(filtered)?;
        }
    }

    /// Counts `n` candidates examined; past [`MAX_STEPS`] the expansion stops with
    /// [`ExpandError::TooMuchWork`], whatever it has produced.
    fn spend(&mut self, n: u64) -> Result<(), ExpandError> {
        self.steps += n;
        if self.steps > MAX_STEPS {
            self.done = true;
            return Err(ExpandError::TooMuchWork {
                rule: self.rule_text(),
                steps: MAX_STEPS,
            });
        }
        Ok(())
    }

    fn empty_limit(&self) -> u64 {
        match self.plan.freq {
            Frequency::Yearly => MAX_EMPTY_YEARLY,
            Frequency::Monthly => MAX_EMPTY_MONTHLY,
            Frequency::Weekly => MAX_EMPTY_WEEKLY,
            Frequency::Daily => MAX_EMPTY_DAILY,
            _ => MAX_EMPTY_SUBDAILY,
        }
    }

    /// The candidate day range `[start, end)` of the current period, in days of the year.
    fn period_days(&self) -> (usize, usize) {
        let i =
            (days_from_civil(self.year, self.month, 1) + self.day - 1 - self.info.day0) as usize;
        match self.plan.freq {
            Frequency::Yearly => (0, self.info.len),
            Frequency::Monthly => (
                self.info.mrange[self.month as usize - 1] as usize,
                self.info.mrange[self.month as usize] as usize,
            ),
            Frequency::Weekly => {
                let mut j = i;
                for _ in 0..7 {
                    j += 1;
                    if self.info.weekday(j) == self.plan.wkst {
                        break;
                    }
                }
                (i, j)
            }
            _ => (i, i + 1),
        }
    }

    /// Whether day `i` of the year passes every BYxxx day filter.
    #[inline]
    fn day_passes(&self, i: usize) -> bool {
        let (p, info) = (&self.plan, &self.info);
        if p.by_month != 0 && p.by_month & (1 << info.mmask[i]) == 0 {
            return false;
        }
        if !p.by_week_no.is_empty() && !info.wno.get(i) {
            return false;
        }
        if p.by_weekday != 0 && p.by_weekday & (1 << info.weekday(i)) == 0 {
            return false;
        }
        if info.has_nth && (i >= info.len || !info.nth.get(i)) {
            return false;
        }
        if p.has_month_day()
            && p.by_month_day & (1 << info.mday[i]) == 0
            && p.by_nmonth_day & (1 << (-info.nmday[i])) == 0
        {
            return false;
        }
        if !p.by_year_day.is_empty() {
            let (len, next) = (info.len as i32, info.next_len as i32);
            let i = i as i32;
            let (pos, neg) = if i < len {
                (i + 1, i - len)
            } else {
                (i + 1 - len, i - len - next)
            };
            if !p.by_year_day.contains(&pos) && !p.by_year_day.contains(&neg) {
                return false;
            }
        }
        true
    }

    /// Expands the current period into `self.out`; returns whether any day was filtered.
    fn expand_period(&mut self) -> bool {
        let (start, end) = self.period_days();
        self.days.clear();
        for i in start..end {
            if self.day_passes(i) {
                self.days.push(i as u16);
            }
        }
        let filtered = self.days.len() < end - start;
        let times = if self.plan.freq < Frequency::Hourly {
            std::mem::take(&mut self.plan.day_times)
        } else {
            std::mem::take(&mut self.times)
        };
        if !self.plan.by_set_pos.is_empty() && !times.is_empty() {
            self.emit_set_positions(&times);
        } else {
            'days: for k in 0..self.days.len() {
                let day = self.info.day0 + i64::from(self.days[k]);
                for &t in &times {
                    if !self.emit(Wall(day * DAY_SECS + i64::from(t))) {
                        break 'days;
                    }
                }
            }
        }
        if self.plan.freq < Frequency::Hourly {
            self.plan.day_times = times;
        } else {
            self.times = times;
        }
        filtered
    }

    fn emit_set_positions(&mut self, times: &[u32]) {
        let n_days = self.days.len() as i64;
        let n_times = times.len() as i64;
        let mut picks = std::mem::take(&mut self.picks);
        picks.clear();
        for &pos in &self.plan.by_set_pos {
            let pos = i64::from(pos);
            let (day_pos, time_pos) = if pos < 0 {
                (pos.div_euclid(n_times), pos.rem_euclid(n_times))
            } else {
                ((pos - 1).div_euclid(n_times), (pos - 1).rem_euclid(n_times))
            };
            let day_idx = if day_pos < 0 {
                n_days + day_pos
            } else {
                day_pos
            };
            if day_idx < 0 || day_idx >= n_days {
                continue;
            }
            let day = self.info.day0 + i64::from(self.days[day_idx as usize]);
            let wall = day * DAY_SECS + i64::from(times[time_pos as usize]);
            if !picks.contains(&wall) {
                picks.push(wall);
            }
        }
        picks.sort_unstable();
        for &w in &picks {
            if !self.emit(Wall(w)) {
                break;
            }
        }
        self.picks = picks;
    }

    /// Emits one candidate; returns false when the rule has ended (UNTIL or COUNT).
    #[inline]
    fn emit(&mut self, wall: Wall) -> bool {
        let at = self.offsets.to_instant(wall);
        let past = match self.until {
            Some(UntilBound::Instant(u)) => at > u,
            Some(UntilBound::Wall(u)) => wall > u,
            None => false,
        };
        if past {
            self.done = true;
            return false;
        }
        if wall < self.dtstart {
            return true;
        }
        if let Some(c) = self.count_left.as_mut() {
            if *c == 0 {
                self.done = true;
                return false;
            }
            *c -= 1;
        }
        self.out.push(Occ { at, wall });
        true
    }

    /// Moves to the next period.
    fn advance(&mut self, filtered: bool) -> Result<(), ExpandError> {
        let interval = self.plan.interval;
        let mut fix_day = false;
        match self.plan.freq {
            Frequency::Yearly => {
                self.year = (i64::from(self.year) + interval).min(i64::from(MAX_YEAR) + 1) as i32;
                if self.year > MAX_YEAR {
                    self.done = true;
                    return Ok(());
                }
                self.rebuild();
            }
            Frequency::Monthly => {
                let idx = i64::from(self.year) * 12 + i64::from(self.month) - 1 + interval;
                self.year = idx.div_euclid(12).min(i64::from(MAX_YEAR) + 1) as i32;
                self.month = (idx.rem_euclid(12) + 1) as u32;
                if self.year > MAX_YEAR {
                    self.done = true;
                    return Ok(());
                }
                self.rebuild();
            }
            Frequency::Weekly => {
                let wkst = i64::from(self.plan.wkst);
                self.day += -(self.weekday - wkst).rem_euclid(7) + interval * 7;
                self.weekday = wkst;
                fix_day = true;
            }
            Frequency::Daily => {
                self.day += interval;
                fix_day = true;
            }
            Frequency::Hourly => fix_day = self.advance_hourly(filtered)?,
            Frequency::Minutely | Frequency::Secondly => fix_day = self.advance_fine(filtered)?,
        }
        if fix_day && self.day > 28 {
            let mut dim = i64::from(days_in_month(self.year, self.month));
            if self.day > dim {
                while self.day > dim {
                    self.day -= dim;
                    self.month += 1;
                    if self.month == 13 {
                        self.month = 1;
                        self.year += 1;
                        if self.year > MAX_YEAR {
                            self.done = true;
                            return Ok(());
                        }
                    }
                    dim = i64::from(days_in_month(self.year, self.month));
                }
                self.rebuild();
            }
        }
        Ok(())
    }

    /// The next value after `value` in steps of INTERVAL that is in `allowed`, and how many
    /// times `base` was crossed on the way.
    fn next_allowed(
        &mut self,
        value: i64,
        allowed: &[u32],
        base: i64,
    ) -> Result<(i64, i64), ExpandError> {
        let mut v = value;
        let mut carry = 0;
        for _ in 0..base {
            self.spend(1)?;
            let sum = v + self.plan.interval;
            carry += sum.div_euclid(base);
            v = sum.rem_euclid(base);
            if allowed.contains(&(v as u32)) {
                return Ok((carry, v));
            }
        }
        Err(self.never())
    }

    fn never(&self) -> ExpandError {
        ExpandError::NeverMatches {
            rule: self.rule_text(),
            periods: self.empty_run,
        }
    }

    fn advance_hourly(&mut self, filtered: bool) -> Result<bool, ExpandError> {
        let interval = self.plan.interval;
        if filtered {
            // The whole day is out: jump to its last hour on the INTERVAL grid.
            self.hour += (23 - self.hour) / interval * interval;
        }
        let (days, hour) = if self.plan.by_hour.is_empty() {
            let sum = self.hour + interval;
            (sum / 24, sum % 24)
        } else {
            let allowed = std::mem::take(&mut self.plan.by_hour);
            let r = self.next_allowed(self.hour, &allowed, 24);
            self.plan.by_hour = allowed;
            r?
        };
        self.hour = hour;
        self.day += days;
        self.fill_times();
        Ok(days > 0)
    }

    /// MINUTELY and SECONDLY: step on the grid until the hour (and minute) is allowed.
    fn advance_fine(&mut self, filtered: bool) -> Result<bool, ExpandError> {
        let interval = self.plan.interval;
        let secondly = self.plan.freq == Frequency::Secondly;
        let (unit, per_day) = if secondly { (1, DAY_SECS) } else { (60, 1440) };
        let mut now = (self.hour * 3600 + self.minute * 60 + self.second) / unit;
        if filtered {
            now += (per_day - 1 - now) / interval * interval;
        }
        let reps = per_day / gcd(interval, per_day);
        let own = if secondly {
            std::mem::take(&mut self.plan.by_second)
        } else {
            std::mem::take(&mut self.plan.by_minute)
        };
        let result = self.step_fine(now, reps, per_day, unit, &own);
        if secondly {
            self.plan.by_second = own;
        } else {
            self.plan.by_minute = own;
        }
        result
    }

    fn step_fine(
        &mut self,
        mut now: i64,
        reps: i64,
        per_day: i64,
        unit: i64,
        own: &[u32],
    ) -> Result<bool, ExpandError> {
        let interval = self.plan.interval;
        let secondly = unit == 1;
        let mut fix_day = false;
        for _ in 0..reps {
            self.spend(1)?;
            let (lo_carry, lo) = if own.is_empty() {
                let sum = now % 60 + interval;
                (sum / 60, sum % 60)
            } else {
                self.next_allowed(now % 60, own, 60)?
            };
            now = (now / 60 + lo_carry) * 60 + lo;
            let days = now / per_day;
            if days > 0 {
                self.day += days;
                now %= per_day;
                fix_day = true;
            }
            let secs = now * unit;
            let (h, m) = (secs / 3600, secs / 60 % 60);
            let hour_ok = self.plan.by_hour.is_empty() || self.plan.by_hour.contains(&(h as u32));
            let minute_ok = !secondly
                || self.plan.by_minute.is_empty()
                || self.plan.by_minute.contains(&(m as u32));
            if hour_ok && minute_ok {
                (self.hour, self.minute, self.second) = (h, m, secs % 60);
                self.fill_times();
                return Ok(fix_day);
            }
        }
        Err(self.never())
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
