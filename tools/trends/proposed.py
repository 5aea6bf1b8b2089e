"""A run the athlete is thinking of doing ("a 20 mile long run this weekend, ok?", "should Ann
race a marathon next weekend?"), judged against the runs of the 30 days before the day asked:
within 10 % of their longest is a yes; beyond it, or after weeks with no running, a no with the
distance that would be within the line. The 10 % line is Frandsen et al. 2025's (a single run
more than 10 % longer than the longest of the 30 days before went with more overuse injuries).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tools.result import Fact, Finding
from tools.trends.load import SPIKE_RATIO
from tools.trends.load_findings import FRANDSEN
from tools.words import day_words, gap_words

if TYPE_CHECKING:
    import pandas as pd

#: Days before the asked day whose longest run a proposed run is set against.
WINDOW_DAYS = 30
#: After this many days without running, the first runs are short ones (as a plan's are).
LONG_BREAK_DAYS = 90
BREAK_RUN_KM = 8.0
KM_PER_MILE = 1.609344
RACE_KM = {"marathon": 42.195, "half": 21.0975, "half marathon": 21.0975}
#: A message about a run ahead: a should-question, a plan put forward, a day to come.
AHEAD = re.compile(
    r"\b(should|shall|can|could|may) (i|we|she|he)\b|\bthinking\b|\bplanning\b|\bwant(ing)? to\b"
    r"|\bgoing to\b|\bgonna\b|\bi'?d like\b|\bplan to\b|\bgood idea\b|\bready (for|to)\b"
    r"|\b(ok|okay|safe|wise|fine|smart)\b.{0,20}\bto (run|race|do|go)\b|\btomorrow\b"
    r"|\b(this|next|on) (weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\bnext week\b|[,.-]\s*(is that |that )?(ok|okay|alright|fine|wise|sensible|safe|doable)"
    r"\s*\?\W*$",
    re.I,
)
#: The load findings a verdict on a proposed run makes beside the point ("that was a big jump"
#: a year before the run asked about).
COVERS = ("stale", "stale_now", "nothing_since", "weekly_jump", "long_run", "spike", "form")
_NUMBER = r"(\d{1,3}(?:\.\d+)?)"
_KM = re.compile(rf"\b{_NUMBER} ?(?:k|km|kms|kilomet(?:er|re)s?)\b", re.I)
_MILES = re.compile(rf"\b{_NUMBER}[- ]?(?:mi|miles?|miler)\b", re.I)
_RACE = re.compile(r"\b(half[- ]marathon|half|marathon)\b", re.I)
#: A race months ahead ("a spring marathon", "a half in April"): a plan's question, not one
#: of whether the training of the last 30 days carries a run now.
_FAR = re.compile(
    r"\b(spring|summer|autumn|fall|winter|next year|in (\d+|two|three|four|five|six) months"
    r"|january|february|march|april|(?:in|on|for) may|june|july|august|september|october"
    r"|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b",
    re.I,
)
#: A distance that is not one run's: a week's, or a pace.
_NOT_A_RUN = re.compile(
    r"\b(a|per|each|every) week\b|\bweekly\b|\bmileage\b|\bvolume\b|/ ?km\b|\bpace\b", re.I
)


def read_proposed_km(text: str) -> float | None:
    """The distance of the run a message proposes, in km ("20 mile long run this weekend" ->
    32.2, "race a marathon next weekend" -> 42.2); None when it proposes none."""
    if not AHEAD.search(text) or _NOT_A_RUN.search(text) or _FAR.search(text):
        return None
    if m := _MILES.search(text):
        return round(float(m[1]) * KM_PER_MILE, 1)
    if m := _KM.search(text):
        return float(m[1])
    if m := _RACE.search(text):
        word = m[1].lower().replace("-", " ")
        return round(RACE_KM.get(word, RACE_KM["half"]), 1)
    return None


def proposed_finding(
    loads: pd.DataFrame, km: float, day: date, whose: str = "your", who: str = "you"
) -> tuple[list[Fact], Finding]:
    """The verdict on a run of ``km`` on (or just after) ``day``, from the runs in ``loads``."""
    import pandas as pd

    runs = loads[(loads["sport"] == "run") & (loads["distance_km"] > 0)]
    runs = runs[runs["date"] <= pd.Timestamp(day)]
    recent = runs[runs["date"] > pd.Timestamp(day - timedelta(days=WINDOW_DAYS))]
    longest = float(recent["distance_km"].max()) if not recent.empty else 0.0
    cap = SPIKE_RATIO * longest
    facts = [Fact("proposed_run", round(km, 1), "km")]
    if longest <= 0:
        latest = runs["date"].max().date() if not runs.empty else None
        gap = (day - latest).days if latest else None
        if latest is None or gap is None:
            when = f"{who} have no runs recorded" if who == "you" else f"{who} has no runs recorded"
        else:
            before = runs[runs["date"] > pd.Timestamp(latest - timedelta(days=WINDOW_DAYS))]
            facts += [
                Fact("latest_run", day_words(latest), ""),
                Fact("days_since_latest_run", gap, "days"),
                Fact("time_since_latest_run", gap_words(gap), ""),
                Fact("longest_before_break", round(float(before["distance_km"].max()), 1), "km"),
            ]
            when = (
                f"{whose} latest run is {{latest_run}}, {{days_since_latest_run}} ago "
                "({time_since_latest_run})"
            )
        cap = BREAK_RUN_KM
        if latest is not None:
            cap = min(cap, max(1.0, float(before["distance_km"].max())))
        first = (
            f"runs of up to about {cap:.0f} km"
            if gap is None or gap > LONG_BREAK_DAYS
            else "short runs, well under the long run before the break"
        )
        have = "have" if who == "you" else "has"
        verdict = (
            "No, not yet: {proposed_run} would come after no running at all in the 30 days "
            f"before: {when}. There is nothing recent to build it on."
        )
        action = (
            f"Start with easy {first}, a few times a week, and lengthen the longest by about "
            f"10 % at a time; import any newer runs if {who} {have} been running."
        )
        evidence = (
            (
                f"{whose[:1].upper()}{whose[1:]} longest run in the 30 days up to then was "
                "{longest_before_break}.",
            )
            if latest is not None
            else ()
        )
        margin = "The 10 % line is a study's, the break's first distances Coach G's caution."
        return facts, _verdict(verdict, action, margin, 0.8, evidence)
    facts += [
        Fact("longest_last_30_days", round(longest, 1), "km"),
        Fact("ten_percent_cap", round(cap, 1), "km"),
        Fact("proposed_change", f"{(km / longest - 1) * 100:+.0f} %", ""),
    ]
    if km <= cap:
        verdict = (
            "Yes, that is within the line: {proposed_run} is {proposed_change} on "
            f"{whose} longest run of the 30 days before ({{longest_last_30_days}}), inside the "
            "+10 % a single run can add."
        )
        action = "Run it at an easy, conversational effort, and keep the next long run in step."
    else:
        verdict = (
            "No, that is too big a step: {proposed_run} would be {proposed_change} on "
            f"{whose} longest run of the 30 days before ({{longest_last_30_days}}), past the "
            "+10 % line."
        )
        action = (
            "Keep it to about {ten_percent_cap} this time and build toward it over the next weeks."
        )
    margin = "The line is +10 % on the longest of the 30 days before; this is {proposed_change}."
    return facts, _verdict(verdict, action, margin, 0.75)


def _verdict(
    verdict: str, action: str, margin: str, confidence: float, evidence: tuple[str, ...] = ()
) -> Finding:
    """The finding on a proposed run: it leads a should- or judgement question whatever its
    words, and the load findings it makes beside the point are not repeated after it."""
    return Finding(
        topic="proposed_run",
        verdict=verdict,
        evidence=evidence,
        action=action,
        source=FRANDSEN,
        confidence=confidence,
        margin=margin,
        answers=("should", "judgement"),
        priority=0,
        cue=r".",
        covers=COVERS,
    )
