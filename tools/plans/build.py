"""Building a plan from the runs done: week targets from the weeks before (build, lighter,
taper), sessions spread over the days the athlete can run, and every run held to the rules of
:mod:`tools.plans.rules` as it is placed."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import date, timedelta

from tools.plans import rules
from tools.plans.model import PaceRange, Plan, Session, Week

#: The most weeks a plan holds; a race further away gets its first weeks planned.
MAX_WEEKS = 16
#: Shares of a week's km: the long run and the tempo or interval session.
LONG_SHARE, QUALITY_SHARE = 0.30, 0.20
STRENGTH_MINUTES = 30
#: The longest run a build before a race of at least this many km grows toward, km (a coaching
#: convention: about 18 km before a half marathon, about 32 km before a marathon).
LONG_GOALS = ((42.0, 32.0), (21.0, 18.0), (10.0, 14.0))
#: The most of a week's km its long run takes when it builds toward a race.
LONG_MAX_SHARE = 0.45
#: Days lightened after a check-in that reported poor sleep or sore legs, and how much shorter
#: their runs are (hard sessions become easy runs).
LIGHT_DAYS = 2
LIGHTER_RUN = 0.8


def habitual_days(runs: list[tuple[date, float]], day: date) -> int:
    """Run days a week over the four weeks to ``day``, 3 to 6 (3 with none)."""
    days = {d for d, _ in runs if day - timedelta(days=28) < d <= day}
    return min(6, max(3, round(len(days) / 4))) if days else 3


def blocks(start: date, weeks: int, race_day: date | None) -> list[tuple[date, date]]:
    """Seven-day blocks from ``start``; before a race, blocks that end on race day (the first
    one shorter when the days do not divide)."""
    if race_day is None:
        return [(start + timedelta(7 * i), start + timedelta(7 * i + 6)) for i in range(weeks)]
    count = math.ceil(((race_day - start).days + 1) / 7)
    out = []
    for i in range(count):
        end = race_day - timedelta(days=7 * (count - 1 - i))
        out.append((max(start, end - timedelta(days=6)), end))
    return out


def build_plan(
    runs: list[tuple[date, float]],
    today: date,
    *,
    weeks: int = 1,
    race_day: date | None = None,
    race_km: float | None = None,
    days_per_week: int | None = None,
    avoid: Collection[int] = (),
    paces: Mapping[str, PaceRange] | None = None,
    heart_rates: Mapping[str, tuple[float, float]] | None = None,
    strength: bool = False,
    light_days: int = 0,
) -> Plan:
    """The plan from the day after ``today``: ``runs`` are the athlete's recorded runs as
    (day, km); ``avoid`` holds weekdays (0 = Monday) not to run on; the first ``light_days``
    days are lighter (their hard sessions easy runs, every run shorter), after a check-in that
    said the athlete is not recovered."""
    paces, heart_rates = paces or {}, heart_rates or {}
    done = sorted((d, km) for d, km in runs if d <= today and km > 0)
    start = today + timedelta(days=1)
    notes: list[str] = []
    last_run = done[-1][0] if done else None
    restart = last_run is None or (today - last_run).days > rules.STALE_DAYS
    easy_weeks = 0  # weeks of easy running only, after a break
    if restart and last_run is not None:
        ref_start = last_run + timedelta(days=1)
        before = rules.ramp_reference(done, ref_start)
        longest = rules.longest_before(done, ref_start)
        gap = (today - last_run).days
        if gap > rules.LONG_BREAK_DAYS:
            base_km = round(min(rules.LONG_BREAK_RESTART * before, rules.LONG_BREAK_WEEK_KM), 1)
            base_long = round(
                min(rules.LONG_BREAK_RESTART * longest, rules.LONG_BREAK_LONGEST_KM), 1
            )
            easy_weeks = rules.EASY_WEEKS_AFTER_LONG_BREAK
            notes.append(
                f"The last run recorded is from {last_run} ({gap} days ago): after a break that "
                f"long this plan starts from a small, reduced base, {base_km:.1f} km a week "
                f"with runs up to about {base_long:.1f} km (under a third of the {before:.1f} "
                "km a week and the longest run before the break), and the first "
                f"{easy_weeks} weeks are easy running only. That is Coach G's own caution, not "
                "a figure from a study. Tell me if you have been running since."
            )
        else:
            base_km = round(rules.RESTART * before, 1)
            base_long = round(rules.RESTART * longest, 1)
            easy_weeks = rules.EASY_WEEKS_AFTER_BREAK
            notes.append(
                f"The last run recorded is from {last_run} ({gap} days ago), so this plan starts "
                f"from a reduced base: half of the {before:.1f} km a week and of the longest run "
                "of the weeks before that run, and the first week is easy running only. Tell me "
                "if you have been running since."
            )
    elif restart:
        base_km, base_long = 15.0, 5.0
        notes.append(
            "There are no runs recorded, so this plan starts from an assumed small base "
            "(15 km a week, a 5 km longest run). Import your runs for a plan from your own."
        )
    else:
        base_km = round(rules.ramp_reference(done, start), 1)
        base_long = rules.longest_before(done, start)
    # The runs the rules measure against: after a break, the reduced base as if done.
    history = (
        [(start - timedelta(days=7 * i + 1), base_long) for i in range(4)]
        if restart
        else list(done)
    )
    weekly = [(start - timedelta(days=7 * i + 1), base_km) for i in range(4)] if restart else done
    if race_day is not None and (race_day - start).days + 1 > 7 * MAX_WEEKS:
        notes.append(
            f"The race on {race_day} is more than {MAX_WEEKS} weeks away: these are the first "
            f"{weeks} weeks; the taper comes in a later plan."
        )
        spans, race_in_plan = blocks(start, weeks, None), False
    elif race_day is not None:
        spans, race_in_plan = blocks(start, 0, race_day), True
    else:
        spans, race_in_plan = blocks(start, max(1, min(weeks, MAX_WEEKS)), None), False
    run_days = days_per_week or habitual_days(done, today)
    if restart:
        run_days = min(run_days, 3) if days_per_week is None else run_days
    plan = Plan(
        start=start,
        weeks=[],
        notes=notes,
        race_day=race_day if race_in_plan else None,
        race_km=race_km if race_in_plan else None,
        base_km=base_km,
        base_long_km=base_long,
        last_run=last_run,
        restart=restart,
    )
    planned: list[tuple[date, float]] = []
    peak = 0.0
    goal = long_goal(race_km) if race_day is not None else None
    light_until = start + timedelta(days=light_days - 1) if light_days else None
    for index, (first, last) in enumerate(spans):
        days = (last - first).days + 1
        mean4 = rules.ramp_reference(weekly + planned, first)
        cap = rules.ramp_cap(weekly + planned, first, days)
        kind = "build"
        if race_in_plan and index == len(spans) - 1:
            kind, target = "race", rules.TAPER[1] * (peak or mean4)
        elif race_in_plan and index == len(spans) - 2:
            kind, target = "taper", rules.TAPER[0] * (peak or mean4)
        elif (index + 1) % rules.LIGHTER_EVERY == 0:
            kind, target = "lighter", rules.LIGHTER * mean4 * days / 7
        else:
            target = (1 + rules.BUILD) * mean4 * days / 7
        target = min(target, cap)
        week = Week(first, last, kind, round(target, 1))
        _fill(
            week,
            run_days,
            avoid,
            index,
            history + planned,
            paces,
            heart_rates,
            strength,
            long_goal=goal if kind == "build" else None,
            light_until=light_until,
            easy_only=index < easy_weeks,
        )
        if race_in_plan and kind == "race":
            week.sessions = [s for s in week.sessions if s.day != race_day]
            week.sessions.append(
                Session(race_day, "race", km=race_km or 0.0, detail="Race day: good luck.")
            )
            week.sessions.sort(key=lambda s: s.day)
        planned += [(s.day, s.km) for s in week.sessions if s.is_run]
        if kind == "build":
            peak = max(peak, week.km * 7 / days)
        plan.weeks.append(week)
    plan.notes += [rules.SPIKE_NOTE, rules.RAMP_NOTE]
    if any(w.kind == "lighter" for w in plan.weeks):
        plan.notes.append(rules.LIGHTER_NOTE)
    if goal is not None:
        longest = max((s.km for s in plan.sessions if s.type == "long"), default=0.0)
        plan.notes.append(
            f"Before a race of {race_km:.1f} km the long run builds toward about {goal:.0f} km "
            f"(a common coaching target, not a tested one), never more than 10 % over the "
            f"longest of the 30 days before: {longest:.1f} km at most in this plan."
        )
    if race_in_plan:
        plan.notes.append(rules.TAPER_NOTE)
        if race_km and race_km > rules.spike_cap(history + planned, race_day):
            plan.notes.append(
                f"The race ({race_km:.1f} km) is more than 10 % longer than the longest run of "
                "the 30 days before it: race it easier than your best, or choose a shorter one."
            )
    return plan


def _fill(
    week: Week,
    run_days: int,
    avoid: Collection[int],
    index: int,
    before: list[tuple[date, float]],
    paces: Mapping[str, PaceRange],
    heart_rates: Mapping[str, tuple[float, float]],
    strength: bool,
    long_goal: float | None = None,
    light_until: date | None = None,
    easy_only: bool = False,
) -> None:
    """Place the week's runs on the days the athlete can run, each within the 10 % rule; a long
    run building toward ``long_goal`` km takes more of the week; runs up to ``light_until`` are
    lighter; ``easy_only`` (after a break) holds no tempo or intervals. No easy run is longer
    than the week's long run."""
    days = [week.start + timedelta(i) for i in range((week.end - week.start).days + 1)]
    free = [d for d in days if d.weekday() not in avoid]
    if week.kind == "race":  # no run on race day or the day before it
        free = [d for d in free if d < week.end - timedelta(days=1)]
    count = min(run_days, len(free), max(1, int(week.target_km // rules.MIN_RUN_KM)))
    chosen: dict[date, str] = {}
    if count and free:
        if week.kind != "race" and count >= 2:
            weekend = [d for d in free if d.weekday() == 6] or [d for d in free if d.weekday() == 5]
            chosen[(weekend or free)[-1]] = "long"
        if (count >= 2 or week.kind == "race") and not easy_only:
            quality = "tempo" if index % 2 == 0 else "intervals"
            rest = [d for d in free if d not in chosen]
            chosen[max(rest, key=lambda d: _apart(d, chosen))] = quality
        while len(chosen) < count:
            rest = [d for d in free if d not in chosen]
            chosen[max(rest, key=lambda d: _apart(d, chosen))] = "easy"
    shares = {
        "long": LONG_SHARE if count >= 3 else 0.45,
        "tempo": QUALITY_SHARE,
        "intervals": QUALITY_SHARE,
    }
    long_day = next((d for d, t in chosen.items() if t == "long"), None)
    if long_goal and long_day is not None and week.target_km:
        wanted = min(long_goal, rules.spike_cap(before, long_day), LONG_MAX_SHARE * week.target_km)
        shares["long"] = max(shares["long"], wanted / week.target_km)
    fixed = sum(shares.get(t, 0) for t in chosen.values())
    easy_count = sum(1 for t in chosen.values() if t == "easy")
    easy_share = max(0.0, 1 - fixed) / easy_count if easy_count else 0.0
    if long_day is not None and easy_share > shares["long"]:  # few runs: long and easy even
        shares["long"] = easy_share = (1 - fixed + shares["long"]) / (easy_count + 1)
    so_far = list(before)
    long_km = None
    if long_day is not None:  # what the long run will be, for the easy runs' ceiling
        long_km = min(week.target_km * shares["long"], rules.spike_cap(before, long_day))
    for day in days:
        kind = chosen.get(day)
        if kind is None:
            continue
        km = week.target_km * (shares.get(kind, easy_share))
        if kind == "easy" and long_km is not None:
            km = min(km, long_km)
        if light_until is not None and day <= light_until:
            kind, km = "easy", km * LIGHTER_RUN
        cap = rules.spike_cap(so_far, day)
        km = math.floor(min(km, cap) * 10) / 10
        if km < rules.MIN_RUN_KM:
            continue
        pace = paces.get(kind)
        minutes = km * (pace.fast_s_per_km + pace.slow_s_per_km) / 2 / 60 if pace else 0.0
        week.sessions.append(
            Session(
                day,
                kind,
                km=km,
                minutes=round(minutes),
                pace=pace,
                hr_bpm=heart_rates.get(kind),
                detail=session_detail(kind, km),
            )
        )
        so_far.append((day, km))
    runs = {s.day for s in week.sessions}
    if strength and week.kind in ("build", "lighter"):
        spare = [d for d in days if d not in runs and d.weekday() not in avoid]
        if spare:
            day = spare[len(spare) // 2]
            week.sessions.append(
                Session(
                    day,
                    "strength",
                    minutes=STRENGTH_MINUTES,
                    detail="Your usual strength routine, kept moderate.",
                )
            )
            runs.add(day)
    for day in days:
        if day not in runs and not (week.kind == "race" and day == week.end):
            week.sessions.append(Session(day, "rest"))
    week.sessions.sort(key=lambda s: s.day)


def long_goal(race_km: float | None) -> float | None:
    """The long run a build before a race of ``race_km`` grows toward (None for a short race)."""
    if not race_km:
        return None
    return next((goal for least, goal in LONG_GOALS if race_km >= least), None)


def _apart(day: date, chosen: Collection[date]) -> int:
    """Days from ``day`` to the nearest chosen day, around the week (a Sunday long run is one
    day from next Monday): hard days and runs are spread, not stacked."""
    gaps = [abs((day - c).days) % 7 for c in chosen]
    return min((min(g, 7 - g) for g in gaps), default=7)


def tempo_minutes(km: float) -> int:
    """The tempo block of a tempo run of ``km``, minutes."""
    return max(10, min(40, round(km * 0.5 * 5)))


def interval_reps(km: float) -> int:
    """The 3-minute repeats of an interval run of ``km``."""
    return max(3, min(8, round(km / 1.5)))


def session_detail(kind: str, km: float) -> str:
    """What to do in a session, in words (the structure :mod:`tools.plans.workout` gives)."""
    if kind == "tempo":
        block = tempo_minutes(km)
        return f"Warm up, then {block} min at tempo pace, then cool down."
    if kind == "intervals":
        reps = interval_reps(km)
        return f"Warm up, then {reps} x 3 min at interval pace with 2 min jog, then cool down."
    if kind == "long":
        return "Steady and conversational all the way."
    return "Easy and conversational."
