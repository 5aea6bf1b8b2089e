"""The ``training_load`` tool: fitness, fatigue and form, the acute:chronic ratio, weekly volume,
monotony and strain, and single-session distance spikes, with the method and how sure it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from storage.metrics import get_profile
from storage.wellness import finished_entries
from tools.activities import no_activities, old_data_shift, parse_day
from tools.checkin.answers import scored
from tools.context import ToolContext
from tools.importing.sports import FOOT_SPORTS
from tools.markdown import escape
from tools.plans.compliance import this_week_against_plan
from tools.reply import standard_reply
from tools.result import ANSWER_KINDS, Fact, Finding, ToolResult
from tools.spec import ToolSpec
from tools.strength.sessions import strength_sessions_between
from tools.trends import load as maths
from tools.trends.history import history
from tools.trends.load_findings import (
    changes_reading,
    form_finding,
    load_findings,
    threshold_words,
)
from tools.trends.proposed import proposed_finding, read_proposed_km
from tools.trends.volume_trend import long_run_trend, volume_trend
from tools.words import day_words, gap_words

if TYPE_CHECKING:
    import pandas as pd

TOOL = "training_load"
#: With no session in this many days before the asked day, the figures are given as of the last
#: session, and the gap is said.
STALE_DAYS = 28
WEEKS_SHOWN = 12
SCALE = "an hour at threshold = 100 load points"
METHOD_WORDS = {
    "hr": "heart rate (Banister TRIMP)",
    "pace": "pace against your threshold pace",
    "effort": "your perceived effort (session RPE)",
    "duration": "duration at an assumed moderate effort",
}
METHOD_CONFIDENCE = {"hr": 0.8, "pace": 0.6, "effort": 0.6, "duration": 0.3}
#: The most the load figures' confidence can be when how form reads hangs on an assumed or
#: estimated threshold ("take it as a rough guide").
UNSETTLED = 0.6
NO_ACTIVITIES = (
    "There are no activities to work out training load from. Import some: drop FIT, GPX or TCX "
    "files or your Strava export zip into the chat, or connect Strava in Settings."
)


@dataclass
class LoadReport:
    """Everything the tool, the Trends tab and the coach's roster show about one athlete."""

    sessions: maths.SessionLoads
    days: pd.DataFrame
    weeks: pd.DataFrame
    spikes: list[maths.Spike]
    as_of: date
    last_session: date | None

    @property
    def stale(self) -> bool:
        """No session in the :data:`STALE_DAYS` before the asked day."""
        return self.last_session is not None and (self.as_of - self.last_session).days > STALE_DAYS

    @property
    def day(self) -> date:
        """The day the figures are given for: the asked day, or the last session's if stale."""
        return self.last_session if self.stale and self.last_session else self.as_of

    @property
    def days_of_history(self) -> int:
        first = self.sessions.frame["date"].min().date()
        return (self.day - first).days + 1


def load_report(
    ctx: ToolContext, until: date | None = None, frame: pd.DataFrame | None = None
) -> LoadReport:
    """Training load of the context's athlete as of ``until`` (default today); ``frame`` is
    their history (``tools.trends.history.history(ctx)``) when the caller has read it already."""
    import pandas as pd

    as_of = until or ctx.day
    frame = history(ctx) if frame is None else frame
    frame = frame[frame["date"] <= pd.Timestamp(as_of)]
    with ctx.session() as session:
        profile = get_profile(session, ctx.actor, ctx.athlete_id)
    foot = frame[frame["sport"].isin(FOOT_SPORTS)]
    thresholds = maths.estimate_thresholds(foot, profile, as_of)
    sessions = maths.session_loads(frame, thresholds)
    days = maths.daily(sessions.frame, as_of)
    weeks = maths.weekly(days, sessions.frame)
    last = sessions.frame["date"].max() if not sessions.frame.empty else None
    return LoadReport(
        sessions=sessions,
        days=days,
        weeks=weeks,
        spikes=maths.spikes(sessions.frame),
        as_of=as_of,
        last_session=last.date() if last is not None else None,
    )


def training_load(
    ctx: ToolContext,
    since: str | None = None,
    until: str | None = None,
    proposed_km: float | None = None,
) -> ToolResult:
    """Fitness, fatigue and form (42- and 7-day load averages), the acute:chronic ratio, weekly
    running volume, monotony and strain, and runs much longer than the recent longest.

    Args:
        since: the first day of the weekly volumes shown, an ISO date (YYYY-MM-DD); default the
            last 12 weeks.
        until: the day to report on, an ISO date (YYYY-MM-DD); default today.
        proposed_km: a run the athlete is thinking of doing soon, in km (32.2 for "a 20 mile
            long run this weekend", 42.2 for "race a marathon"): judged against their longest
            run of the 30 days before the day asked.
    """
    if proposed_km:  # "this weekend", "next Sunday" name the proposed run's day: judged today
        since = until = None
    try:
        start = parse_day(since).date() if since else None
        end = parse_day(until).date() if until else None
    except ValueError:
        return ToolResult.failure(TOOL, "Give dates as YYYY-MM-DD, for example 2024-03-01.")
    report = load_report(ctx, end)
    if report.sessions.frame.empty:
        return ToolResult.failure(TOOL, no_activities(ctx, NO_ACTIVITIES))
    empty = (
        report.stale and start is not None and report.last_session and start > report.last_session
    )
    # "has my mileage gone up this year?" long after the data ends: this year is said to be
    # empty, and the same unit holding the latest session (its year, month or week) answers
    shown = start
    if empty and start is not None and report.last_session is not None:
        shown = old_data_shift(start, None, report.as_of, report.last_session).first
    result = _result(report, shown, ctx.who, ctx.whose)
    if empty and start is not None:
        result.findings.insert(0, _nothing_since(start, ctx.whose))
        result.data.pop("as_of_note", None)  # the finding says it
    if proposed_km:  # "a 20 mile long run this weekend, ok?": that run, first
        facts, finding = proposed_finding(
            report.sessions.frame, float(proposed_km), report.as_of, ctx.whose, ctx.who
        )
        result.facts += facts
        result.findings.insert(0, finding)
    if felt := recent_checkin(ctx, report.day):
        result.data["checkin"] = felt
    if (against := this_week_against_plan(ctx, report.day)) is not None:
        result.data["planned"] = against.to_dict()
        result.facts += [Fact(name, value) for name, value in against.facts().items()]
    strength = strength_sessions_between(ctx, report.day - timedelta(days=6), report.day)
    if strength:  # strength work is not in the load figures: its sessions are counted beside
        result.facts.append(Fact("past_week_strength_sessions", len(strength), "sessions"))
    return result


#: A judgement of the athlete's training as it is now, not of a past run or week.
NOW_CUE = (
    r"\b(right now|currently|at the moment|these days|nowadays|at present)\b"
    r"|\b(am i|are (you|we|they)|is (she|he|\w+))\s+(\w+\s+)?(over ?(train|do|reach)\w*"
    r"|training|running|doing|pushing)\b"
)


def _nothing_since(start: date, whose: str) -> Finding:
    """The period asked ("is my mileage going up this year?") holds no training at all: said
    first, before what the figures up to the latest session show."""
    return Finding(
        topic="nothing_since",
        verdict=f"Nothing logged since {day_words(start)}: {whose} latest session is "
        "{latest_session}, {days_since_latest_session} ago ({time_since_latest_session}), so "
        "what follows is as of that day.",
        action="Import or sync any newer training and ask again.",
        confidence=0.9,
        answers=("judgement", "trend", "what_next", "lookup", "extreme"),
        priority=0,
        cue=r".",
    )


def recent_checkin(ctx: ToolContext, day: date) -> dict[str, Any] | None:
    """How the athlete said they felt in their latest finished check-in of the two weeks up to
    ``day``: its week and each scored item's word and their own words."""
    with ctx.session() as session:
        entries = finished_entries(session, ctx.actor, ctx.athlete_id, limit=3)
        latest = next(
            (e for e in entries if (day - timedelta(days=14)).isoformat() <= e.week <= str(day)),
            None,
        )
        if latest is None:
            return None
        said = scored(latest.answers)
        return {"week": latest.week, "items": said} if said else None


def _result(
    report: LoadReport, since: date | None, who: str = "you", whose: str = "your"
) -> ToolResult:
    import pandas as pd

    as_of, stale, day = report.as_of, report.stale, report.day
    today = report.days.loc[pd.Timestamp(day)]
    week = report.days.loc[pd.Timestamp(day - timedelta(days=6)) : pd.Timestamp(day)]
    loads = report.sessions.frame
    recent = loads[loads["date"] > pd.Timestamp(day - timedelta(days=7))]
    recent = recent[recent["date"] <= pd.Timestamp(day)]
    spread = week["load"].std(ddof=0)
    monotony = week["load"].mean() / spread if spread > 0 else None
    facts = [
        Fact("fitness", round(float(today["fitness"]), 1), "load/day"),
        Fact("fatigue", round(float(today["fatigue"]), 1), "load/day"),
        Fact("form", round(float(today["form"]), 1), ""),
    ]
    if pd.notna(today["acwr"]):
        facts.append(Fact("acute_chronic_ratio", round(float(today["acwr"]), 2), ""))
    facts += [
        Fact("past_week_running", round(float(week["km"].sum()), 1), "km"),
        Fact("past_week_sessions", len(recent), "sessions"),
        Fact("past_week_load", round(float(week["load"].sum())), ""),
    ]
    if monotony is not None:
        facts.append(Fact("monotony", round(float(monotony), 2), ""))
        facts.append(Fact("strain", round(float(week["load"].sum() * monotony)), ""))
    window_start = since or (day - timedelta(weeks=WEEKS_SHOWN))
    weeks = report.weeks[report.weeks.index >= pd.Timestamp(window_start)]
    weeks = weeks[weeks.index <= pd.Timestamp(day)]
    if len(weeks):
        facts.append(Fact("average_week", round(float(weeks["km"].mean()), 1), "km"))
    recent_spikes = [s for s in report.spikes if s.date > pd.Timestamp(day - timedelta(days=30))]
    methods = report.sessions.methods
    confidence = _confidence(report)
    reasons = _reasons(report)
    found_facts, findings = load_findings(report.weeks, loads, report.spikes, day, who, whose)
    facts += found_facts
    if trend := volume_trend(loads, day, since, whose):  # "is my mileage going up?"
        facts += trend[0]
        findings.append(trend[1])
    if longer := long_run_trend(loads, day, since, whose):  # "are my long runs getting longer?"
        facts += longer[0]
        findings.append(longer[1])
    fitness, fatigue, form = (float(today[c]) for c in ("fitness", "fatigue", "form"))
    alternatives = maths.form_if(loads, report.sessions.thresholds, _chief(report), day)
    if read := form_finding(fitness, fatigue, form, alternatives, confidence, whose):
        facts += read[0]
        findings.append(read[1])
        if flips := changes_reading(alternatives, maths.form_band(form, fitness)):
            other = flips[0]  # how form reads hangs on an assumed or estimated threshold
            confidence = min(confidence, UNSETTLED)
            reasons.insert(
                1,
                f"how form reads rests on the {other.source} {other.what}: with "
                f"{threshold_words(other.other, other.unit)} instead of "
                f"{threshold_words(other.used, other.unit)} it would read {other.words}",
            )
    result = ToolResult(
        tool=TOOL,
        facts=facts,
        confidence=confidence,
        data={
            "as_of": day.isoformat(),
            "asked_day": as_of.isoformat(),
            "last_session": report.last_session.isoformat() if report.last_session else None,
            "form_band": maths.form_band(form, fitness),
            "form_if": [
                {
                    "threshold": a.what,
                    "used": a.used,
                    "used_was": a.source,
                    "other": a.other,
                    "form_share": None if a.share is None else round(a.share, 1),
                    "reads": a.words,
                }
                for a in alternatives
            ],
            "methods": methods,
            "thresholds": {
                "resting_hr": report.sessions.thresholds.resting_hr.value,
                "max_hr": report.sessions.thresholds.max_hr.value,
                "threshold_hr": report.sessions.thresholds.threshold_hr.value,
                "threshold_speed_mps": report.sessions.thresholds.threshold_speed.value,
            },
            "weeks": [
                {
                    "week": week_start.date().isoformat(),
                    "km": round(float(row.km), 1),
                    "sessions": int(row.sessions),
                    "load": round(float(row.load)),
                }
                for week_start, row in weeks.iterrows()
            ],
            "scale": SCALE,
            "spikes": [_spike_row(s, day) for s in recent_spikes],
            "spike_notes": [spike_sentence(_spike_row(s, day), who, whose) for s in recent_spikes],
            "spikes_total": len(report.spikes),
        },
        reasons=reasons,
        findings=findings,
    )
    if stale:
        gap = (as_of - report.last_session).days
        result.facts += [
            Fact("latest_session", day_words(report.last_session), ""),
            Fact("days_since_latest_session", gap, "days"),
            Fact("time_since_latest_session", gap_words(gap), ""),
        ]
        are = "are" if who == "you" else "is"
        before = report.weeks[report.weeks.index <= pd.Timestamp(report.last_session)].tail(8)
        evidence: tuple[str, ...] = ()
        if len(before) >= 4:  # where they left off: what "straight back to 80 km weeks?" needs
            result.facts += [
                Fact("average_week_before_break", round(float(before["km"].mean()), 1), "km"),
                Fact("biggest_week_before_break", round(float(before["km"].max()), 1), "km"),
            ]
            evidence = (
                f"In the {len(before)} weeks up to then {whose} weeks averaged "
                "{average_week_before_break}, the biggest {biggest_week_before_break}.",
            )
        result.findings.insert(
            0,
            Finding(
                topic="stale",
                evidence=evidence,
                verdict=f"Not yet: {whose} latest session is {{latest_session}}, "
                "{days_since_latest_session} ago ({time_since_latest_session}), so I can't judge "
                f"how ready {who} {are} now; "
                f"after a break that long, build back gradually rather than picking up where "
                f"{who} left off.",
                action="Import any newer training and ask again; otherwise start with easy runs "
                "and build up over several weeks.",
                confidence=0.8,
                margin="Everything else here is as of that day.",
                answers=("should",),
                priority=0,
                cue=r".",  # whatever the question names, how old the data is comes first
            ),
        )
        result.findings.insert(
            1,
            Finding(
                topic="stale_now",
                verdict=f"No, not now: {whose} latest session is {{latest_session}}, "
                "{days_since_latest_session} ago ({time_since_latest_session}), so there is no "
                "recent training to be too much. What follows is as of that day.",
                action="Import any newer training and ask again; after a break that long, "
                "start with short, easy runs and build up over several weeks.",
                confidence=0.8,
                answers=("judgement",),
                priority=0,
                cue=NOW_CUE,  # "am I overtraining?", "is Bob training too hard right now?"
                needs_cue=True,
            ),
        )
        result.data["as_of_note"] = (
            f"{whose[0].upper() + whose[1:]} latest session is {day_words(report.last_session)}, "
            f"{(as_of - report.last_session).days} days before {day_words(as_of)}; this is as of "
            "that day."
        )
        result.caveats.append(
            f"{whose} last session was on {report.last_session.isoformat()}, "
            f"{(as_of - report.last_session).days} days before {as_of.isoformat()}; "
            "these figures are as of that day"
        )
    result.caveats.append(
        "the acute:chronic ratio is a rough guide: in Frandsen et al. 2025 (Br J Sports Med) a "
        "week high against the three weeks before it went with fewer injuries, not more, while "
        "single runs well past the recent longest went with more"
    )
    return result


def _spike_row(spike: maths.Spike, day: date) -> dict[str, Any]:
    import pandas as pd

    return {
        "this_week": spike.date > pd.Timestamp(day - timedelta(days=7)),
        "date": spike.date.date().isoformat(),
        "name": spike.name,
        "activity_id": spike.activity_id,
        "distance_km": round(spike.distance_km, 1),
        "previous_longest_km": round(spike.previous_longest_km, 1),
        "increase_pct": round(spike.increase_pct),
        "band": spike.band,
        "hazard_ratio": spike.hazard_ratio,
    }


def _chief(report: LoadReport) -> str:
    """The method most sessions' load came from."""
    methods = report.sessions.methods
    return max(methods, key=lambda m: methods[m]) if methods else ""


def _confidence(report: LoadReport) -> float:
    """How sure the load figures are: the methods' confidence weighted by how many sessions
    used each, capped by the thresholds the chief method relies on (each one assumed or
    estimated rather than given lowers it)."""
    methods = report.sessions.methods
    total = sum(methods.values())
    if not total:
        return 0.0
    by_method = sum(METHOD_CONFIDENCE.get(m, 0.3) * n for m, n in methods.items()) / total
    th = report.sessions.thresholds
    chief = _chief(report)
    if chief == "hr":
        used = (th.resting_hr.confidence, th.max_hr.confidence, th.threshold_hr.confidence)
        by_method = min(by_method, 0.5 + 0.5 * min(sum(used) / len(used), 1.0))
    elif chief == "pace":
        by_method = min(by_method, 0.4 + 0.5 * th.threshold_speed.confidence)
    if report.days_of_history < maths.FITNESS_DAYS:
        by_method = min(by_method, 0.4)  # fitness needs about six weeks of history to settle
    return round(by_method, 2)


def _reasons(report: LoadReport) -> list[str]:
    methods = report.sessions.methods
    total = sum(methods.values())
    parts = [
        f"{n} of {total} sessions from {METHOD_WORDS.get(m, m)}"
        for m, n in sorted(methods.items(), key=lambda kv: -kv[1])
    ]
    reasons = ["load measured from " + "; ".join(parts)] if parts else []
    reasons += report.sessions.thresholds.notes()
    if report.days_of_history < maths.FITNESS_DAYS:
        reasons.append(
            f"only {report.days_of_history} days of history; fitness needs about six weeks to "
            "settle: it starts from zero at the first session, so it reads low until then"
        )
    return reasons


def spike_sentence(spike: dict[str, Any], who: str = "you", whose: str = "your") -> str:
    """A spike in careful words, with its source (``who`` ran it: "you", or a coach's athlete)."""
    return (
        f"on {spike['date']} {who} ran {spike['distance_km']} km, {spike['increase_pct']} % longer "
        f"than {whose} longest run of the 30 days before ({spike['previous_longest_km']} km). In a "
        "study of 5,205 runners (Frandsen et al. 2025, Br J Sports Med), a run more than 10 % "
        "longer than the recent longest went with a higher rate of overuse injury (a "
        f"{spike['band']} spike: {spike['hazard_ratio']} times the rate). That is a risk signal, "
        "not a diagnosis."
    )


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    read = next((f for f in result.rendered_findings() if f.topic == "form"), None)
    form = f"{read.verdict} {read.margin}" if read else f"Form: {data['form_band']}."
    lines = [
        f"**Training load** as of {data['as_of']} ({SCALE}):",
        f"- {form}",
        *(f"- Spike: {text}" for text in data.get("spike_notes", [])),
    ]
    if felt := data.get("checkin"):
        lines.append(
            f"- Check-in of the week of {felt['week']}: "
            + "; ".join(
                f"{item} {said['word']} (“{escape(said['words'])}”)"
                for item, said in felt["items"].items()
            )
        )
    if planned := data.get("planned"):
        lines.append(f"- {planned['lines'][0]}:")
        lines += [f"  - {line}" for line in planned["lines"][1:]]
    if data.get("weeks"):
        shown = data["weeks"][-6:]
        lines.append(
            "- Weekly running: "
            + ", ".join(f"{w['week']} {w['km']} km" for w in shown)
            + (" (latest weeks)" if len(data["weeks"]) > len(shown) else "")
        )
    return standard_reply(result, lines)


ROSTER_COLUMNS = (
    "Athlete",
    "Past week km",
    "Fitness",
    "Fatigue",
    "Form",
    "Acute:chronic",
    "Spikes (30 days)",
    "Last session",
)


def roster_row(result: ToolResult) -> dict[str, Any]:
    """One athlete's line of a coach's roster, from their ``training_load`` result."""

    def value(name: str) -> Any:
        fact = result.fact(name)
        return fact.value if fact else None

    athlete = result.data.get("athlete", "")
    if not result.ok:
        return dict.fromkeys(ROSTER_COLUMNS[1:], None) | {
            "Athlete": athlete,
            "Last session": "no activities",
        }
    spikes = result.data.get("spikes", [])
    return {
        "Athlete": athlete,
        "Past week km": value("past_week_running"),
        "Fitness": value("fitness"),
        "Fatigue": value("fatigue"),
        "Form": value("form"),
        "Acute:chronic": value("acute_chronic_ratio"),
        "Spikes (30 days)": ", ".join(f"{s['date']} +{s['increase_pct']} %" for s in spikes)
        or "none",
        "Last session": result.data.get("last_session") or "",
    }


def _roster(results: Sequence[ToolResult]) -> str:
    """A coach's athletes side by side, with who had a spike this week said first."""
    rows = [roster_row(r) for r in results]
    lines = ["**Your athletes' training load**", ""]
    week_spikes = [
        f"{escape(r.data.get('athlete', ''))} ({s['date']}, {s['distance_km']} km, "
        f"+{s['increase_pct']} %)"
        for r in results
        if r.ok
        for s in r.data.get("spikes", [])
        if s.get("this_week")
    ]
    lines.append(
        "Long-run spikes in the past week: " + "; ".join(week_spikes)
        if week_spikes
        else "No long-run spikes in the past week."
    )
    lines += ["", "| " + " | ".join(ROSTER_COLUMNS) + " |"]
    lines.append("|" + "---|" * len(ROSTER_COLUMNS))
    for row in rows:
        cells = [escape(str(row[c])) if row[c] is not None else "–" for c in ROSTER_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Load: {SCALE}. Form below zero means more recent load than fitness."]
    return "\n".join(lines)


SPEC = ToolSpec(
    name=TOOL,
    function=training_load,
    summary="work out your training load: fitness, fatigue, form and long-run spikes",
    examples=(
        "am I overtraining?",
        "what's my training load",
        "what's my acute chronic workload ratio",
        "am I doing too much too soon",
        "do I need a recovery week",
        "how fatigued am I",
        "what's my fitness and form",
        "how's my fitness?",
        "is my mileage ramping up too fast",
        "ctl atl tsb please",
        "how fresh am I for the race",
        "what's my form number",
        "can I safely add more weekly mileage",
        "is my load too high this month",
        "am I recovered enough for a hard week",
        "can my body handle more volume right now",
        "km per week this year",
        "weekly mileage since january",
        "did I have a load spike",
        "who of my athletes had a load spike this week?",
        "which of my athletes is the most fatigued",
        "how is everyone's training load",
        "any long run spikes lately",
        "was my long run too big a jump",
        "weekly mileage lately",
        "how many km a week have I averaged",
        "my weekly volume over the last few months",
        "mileage by week",
        "should I take a rest day",
        "am I overreaching",
        "how tired should I be feeling",
        "is my form positive or negative",
        "how is my mileage trending",
        "is his load climbing too fast",
        "whose form is lowest",
        "what's her form like before the race",
        "Sam's weekly km since march",
        "thinking of a 30k long run this weekend, ok?",
        "should I race a marathon next weekend?",
        "what was my form on 1 october?",
        "what was my fitness at the end of march?",
        "show my weekly volume since june",
        "is it ok to do a 20 mile run on sunday?",
        "can she run a half marathon next week?",
        "was her weekly mileage trending up before she stopped?",
        "are my long runs getting longer?",
        "is her long run going up?",
    ),
    phrase=_phrase,
    phrase_many=_roster,
    readers={"proposed_km": read_proposed_km},
    answers=frozenset(ANSWER_KINDS),
)
