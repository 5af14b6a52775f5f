#!/usr/bin/env python3
"""Differential test of `dms expand` against python-dateutil (the oracle corpus's source).

usage: scripts/dateutil-diff.py [--cases N] [--seed S] [--dms PATH]

Generates random RFC 5545 events like the shared corpus does (every FREQ, INTERVAL, BYDAY
with ordinals, BYMONTHDAY, BYMONTH, BYYEARDAY, BYWEEKNO, BYHOUR, BYMINUTE, BYSETPOS,
WKST, COUNT or UNTIL, EXDATE, RDATE, in zones with odd offsets), expands them with
python-dateutil and zoneinfo, and compares `dms expand` line by line. Needs
python-dateutil (pip install python-dateutil). Not part of CI: a tool for finding
disagreements; the shared corpus in CI pins the agreed answers.
"""
import argparse, random, subprocess, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from dateutil import rrule as R

ZONES = ["America/Los_Angeles", "Australia/Sydney", "Pacific/Auckland", "Asia/Kolkata", "Europe/London",
         "Africa/Casablanca", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe", "America/Sao_Paulo",
         "America/New_York", "Europe/Berlin", None, "UTC"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FREQS = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY"]


def rand_rule(rng, freq):
    parts = [f"FREQ={freq}"]
    if rng.random() < 0.5:
        parts.append(f"INTERVAL={rng.randint(1, 4)}")
    if rng.random() < 0.5:
        days = rng.sample(DAYS, rng.randint(1, 3))
        if freq in ("YEARLY", "MONTHLY") and rng.random() < 0.5:
            days = [f"{rng.choice([1, 2, 3, -1, -2])}{d}" for d in days]
        parts.append("BYDAY=" + ",".join(days))
    if rng.random() < 0.3:
        parts.append("BYMONTHDAY=" + ",".join(str(rng.choice([1, 2, 13, 15, 28, 29, 30, 31, -1, -2, -7])) for _ in range(rng.randint(1, 3))))
    if rng.random() < 0.3:
        parts.append("BYMONTH=" + ",".join(str(m) for m in sorted(rng.sample(range(1, 13), rng.randint(1, 4)))))
    if freq == "YEARLY" and rng.random() < 0.1:
        parts.append("BYYEARDAY=" + ",".join(str(rng.choice([1, 60, 100, 200, 365, 366, -1, -100])) for _ in range(2)))
    if freq == "YEARLY" and rng.random() < 0.1:
        parts.append("BYWEEKNO=" + ",".join(str(rng.choice([1, 2, 20, 52, 53, -1])) for _ in range(2)))
    if freq in ("HOURLY", "MINUTELY") or rng.random() < 0.15:
        parts.append("BYHOUR=" + ",".join(str(h) for h in sorted(rng.sample(range(0, 24), rng.randint(1, 3)))))
    if freq == "MINUTELY" or rng.random() < 0.1:
        parts.append("BYMINUTE=" + ",".join(str(m) for m in sorted(rng.sample([0, 15, 30, 45, 10, 50], rng.randint(1, 2)))))
    if rng.random() < 0.15:
        parts.append("BYSETPOS=" + ",".join(str(rng.choice([1, 2, -1, -2])) for _ in range(rng.randint(1, 2))))
    if rng.random() < 0.2:
        parts.append("WKST=" + rng.choice(DAYS))
    return parts


def fmt(dt, zone):
    if zone is None:
        return dt.isoformat()
    inst = dt.astimezone(timezone.utc)
    if zone == "UTC":
        return inst.strftime("%Y-%m-%dT%H:%M:%SZ")
    return inst.astimezone(ZoneInfo(zone)).isoformat()


def ical(dt, zone):
    s = dt.strftime("%Y%m%dT%H%M%S")
    if zone is None:
        return ":" + s
    if zone == "UTC":
        return ":" + s + "Z"
    return f";TZID={zone}:" + s


def make_case(rng, k):
    zone = rng.choice(ZONES)
    freq = rng.choice(FREQS if zone in (None, "UTC") else FREQS[:4])
    tz = ZoneInfo(zone) if zone else None
    seed = datetime(rng.randint(2020, 2035), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.choice([0, 15, 30, 45]), tzinfo=tz)
    parts = rand_rule(rng, freq)
    text = ";".join(parts)
    try:
        horizon = timedelta(days=3 if freq in ("HOURLY", "MINUTELY") else 3 * 366)
        first = R.rrulestr("RRULE:" + text, dtstart=seed).between(seed - timedelta(seconds=1), seed + horizon, inc=True)[:1]
    except Exception:
        return None
    if not first:
        return None
    dtstart = first[0]
    if freq in ("HOURLY", "MINUTELY"):
        end = ("COUNT", rng.randint(1, 40))
    elif rng.random() < 0.6:
        end = ("COUNT", rng.randint(1, 30))
    else:
        end = ("UNTIL", dtstart + timedelta(days=rng.randint(10, 3000)))
    if end[0] == "COUNT":
        text += f";COUNT={end[1]}"
    else:
        u = end[1]
        text += ";UNTIL=" + (u.strftime("%Y%m%dT%H%M%S") if zone is None else u.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    try:
        rule = R.rrulestr("RRULE:" + text, dtstart=dtstart)
        rs = R.rruleset()
        rs.rrule(rule)
        base = list(rule[:200])
    except Exception:
        return None
    if not base or base[0] != dtstart:
        # Like the shared corpus, only rules whose DTSTART is their first instance.
        return None
    lines = [f"UID:case-{k}", "DTSTAMP:20260101T000000Z", "DTSTART" + ical(dtstart, zone), "DURATION:PT30M", "RRULE:" + text]
    if base and rng.random() < 0.2:
        ex = rng.choice(base)
        rs.exdate(ex)
        lines.append("EXDATE" + ical(ex, zone))
    if rng.random() < 0.2:
        rd = (dtstart + timedelta(days=rng.randint(1, 400))).replace(hour=rng.randint(8, 18), minute=0)
        rs.rdate(rd)
        lines.append("RDATE" + ical(rd, zone))
    try:
        expected = [f"case-{k}\t{fmt(d, zone)}" for d in rs]
    except Exception:
        return None
    if len(expected) > 500:
        return None
    return lines, expected


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dms", default="target/release/dms")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    cases, k = [], 0
    while len(cases) < a.cases:
        k += 1
        c = make_case(rng, k)
        if c:
            cases.append(c)
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join("BEGIN:VEVENT\r\n" + "\r\n".join(l) + "\r\nEND:VEVENT\r\n" for l, _ in cases) + "END:VCALENDAR\r\n"
    run = subprocess.run([a.dms, "expand", "-"], input=ics.encode(), capture_output=True)
    if run.returncode != 0:
        print(run.stderr.decode())
        sys.exit(2)
    got = {}
    for line in run.stdout.decode().splitlines():
        got.setdefault(line.split("\t")[0], []).append(line)
    failed = 0
    for lines, expected in cases:
        uid = lines[0][4:]
        if got.get(uid, []) != expected:
            failed += 1
            if failed <= 10:
                print("FAIL", "\n  ".join(lines))
                print("  expected", expected[:8], len(expected))
                print("  got     ", got.get(uid, [])[:8], len(got.get(uid, [])))
    print(f"{len(cases) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
