"""The ``strength_history`` tool: sessions, sets and volume per exercise and muscle group,
estimated one-rep max (Epley, an estimate), personal records, sessions per week, and plots of the
estimated 1RM and weekly volume over time.

Its findings answer the questions a coach is asked about the gym, each led by its answer:

- *record* (extreme): the heaviest set of the exercise asked about, or of its logged variants
  when it has none of its own ("deadlift" -> Romanian Deadlift, said so), with the best estimated
  1RM as evidence;
- *last_session* (lookup): the day of the last session (of an exercise, a runner group or a body
  part such as the legs) and the top set of each exercise in it;
- *how_often* (judgement, should): sessions per week over the last weeks of the log, beside the
  two a week that strength programmes for runners commonly use.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tools.activities import parse_day
from tools.context import ToolContext
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Artifact, Fact, Finding, ToolResult
from tools.spec import ToolSpec
from tools.strength.library import (
    GROUPS,
    Matcher,
    exercise_vocabulary,
    group_of,
    names_an_exercise,
    words_of,
)
from tools.strength.sessions import SessionSummary, set_rows
from tools.strength.stats import (
    E1RM_MAX_REPS,
    EPLEY,
    RECENT_WEEKS,
    ExerciseStats,
    History,
    SetRow,
    history_of,
    recent_rate,
    top_set,
)
from tools.words import day_words

TOOL = "strength_history"
TOP_EXERCISES = 8
NO_SESSIONS = (
    "There are no strength sessions{period} yet. Log one (“3x8 squats at 60kg”) or import your "
    "Strong or Hevy export (drop the CSV into the chat)."
)
ESTIMATE_NOTE = (
    f"the estimated 1RM is an estimate from {EPLEY} (Epley 1985), over working sets of 1-"
    f"{E1RM_MAX_REPS} reps; it drifts the more reps a set has"
)
_NOT_AN_EXERCISE = re.compile(
    r"\b(show|list|give|tell|me|my|the|a|an|of|for|in|on|at|since|from|to|until|over|during|"
    r"what|what's|whats|when|how|much|many|did|do|does|i|is|was|were|has|have|been|last|this|"
    r"past|ever|time|times|all|every|strength|gym|history|sessions?|workouts?|training|lifts?|"
    r"lifting|lifted|progress(?:ed|ion)?|numbers?|records?|prs?|pbs?|best|heaviest|max|most|"
    r"weights?|volume|sets?|reps?|e1rm|1rm|one rep|estimated|week|weeks|month|months|year|"
    r"years|today|yesterday|ago|per|consistency|consistent|often|log|logged|done|up|going|"
    r"heavy|used|using|use|doing|it|ve|i've|been|day|days|and|or|with|about|far|trend|over time|"
    r"plot|chart|graph|muscle|group|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"spring|summer|autumn|fall|winter|core|calves|glutes|hamstrings|quads|abductors|train|"
    r"trained|should|add|second|third|another|extra|more|fewer|each|too|enough|latest|recent|"
    r"recently|previous|she|he|her|his|they|their|we|you|your|still|yet|anymore|creeping|"
    r"improving|improved|getting|better|stronger|weaker|heavier|lighter|keep|keeping|while|"
    r"build|building|down|are|am|be|running|run|runs|ran|\d+)\b"
)
#: An exercise said as a verb ("the heaviest I've squatted", "when did I last bench").
_AS_VERB = re.compile(r"\b(squat|deadlift|bench|curl|press|lunge)(?:ted|ting|ed|ing|es|s)\b", re.I)

#: Body parts people ask about ("when did I last train legs?"): what each is called in a reply,
#: the library's primary muscles that train it, and the words of an exercise name outside the
#: library that do ("Calf Press on Seated Leg Press").
PARTS: dict[str, tuple[str, frozenset[str], str]] = {
    "legs": (
        "legs",
        frozenset({"quadriceps", "hamstrings", "glutes", "calves", "abductors", "adductors"}),
        r"squat|\bleg|lunge|calf|calves|deadlift|hip thrust|glute|step ?up|abduct|adduct",
    ),
    "upper_body": (
        "upper body",
        frozenset(
            {"chest", "shoulders", "lats", "middle back", "traps", "biceps", "triceps", "forearms"}
        ),
        r"press|row|pull|curl|fl(y|ye)\b|raise|push|tricep|bicep|chest|\blat\b|shoulder|dip|shrug",
    ),
    "arms": (
        "arms",
        frozenset({"biceps", "triceps", "forearms"}),
        r"curl|tricep|bicep|skullcrusher|pushdown|pressdown|kickback|wrist",
    ),
    "back": (
        "back",
        frozenset({"lats", "middle back", "lower back", "traps"}),
        r"\brow\b|pulldown|pull ?up|chin ?up|shrug|back extension|hyperextension",
    ),
    "chest": ("chest", frozenset({"chest"}), r"chest|bench|\bfl(y|ye)\b|pec|push ?up|\bdip"),
    "shoulders": (
        "shoulders",
        frozenset({"shoulders"}),
        r"shoulder|lateral raise|overhead|military|face pull|rear delt",
    ),
}
_PART_WORDS = {
    "legs": r"\b(legs|leg (day|session|workout)s?|lower[- ]body)\b",
    "upper_body": r"\bupper[- ]body\b|\bupper (day|session|workout)s?\b",
    "arms": r"\b(arms|arm (day|session|workout)s?)\b",
    "back": r"\b(my|her|his|the|train|trained|training|hit) back\b(?! (squat|extension|raise|fly"
    r"|row))|\bback (day|session|workout)s?\b",
    "chest": r"\bchest\b(?! (press|fly|flye|supported|dip))",
    "shoulders": r"\bshoulders\b(?! press)|\bshoulder (day|session|workout)s?\b",
}

#: What a question asks of the history, beyond its numbers (the ``show`` argument).
SHOWS = ("last_session", "how_often")
_LAST_SESSION = re.compile(
    r"\b(last|latest|most recent|previous) (?!(?:\d+|two|three|four|five|six|few|couple)\b)"
    r"(?:[a-z]+ ){0,2}?(session|workout|time|lift|visit)s?\b"
    r"|\bwhen (did|was|were|have|has) \w+ (last|most recently)\b"
    r"|\b(last|most recently) (trained|train|did|lifted|hit|worked|squatted|deadlifted|went)\b"
)
_HOW_OFTEN = re.compile(
    r"\bhow (often|many times|regularly|consistent\w*)\b"
    r"|\b(sessions?|times|workouts|days) (a|per|each|every) week\b"
    r"|\b(second|third|another|extra|more|fewer|less) (strength |gym |lifting |weights? )?"
    r"(sessions?|workouts?|days?)\b"
    r"|\btoo (much|many|often|little)\b|\benough\b|\bover ?(do|doing|did|train\w*)\b"
)
_STRENGTH_WORDS = re.compile(
    r"\b(gym|strength|lift\w*|weights?|sessions?|workouts?|squat\w*|deadlift\w*|train\w*)\b"
)


def exercise_words(text: str) -> str | None:
    """What is left of a history question once the history words are taken out ("when did I
    last deadlift" -> "deadlift"), or None."""
    text = re.sub(r"\b\w+['’]s\b", " ", text)  # "what's", "Ann's"
    text = _AS_VERB.sub(r"\1", text)
    for pattern in _PART_WORDS.values():
        text = re.sub(pattern, " ", text, flags=re.I)
    rest = _NOT_AN_EXERCISE.sub(" ", re.sub(r"[^\w' -]", " ", text.lower()))
    rest = " ".join(re.sub(r"(?<!\w)'|'(?!\w)", " ", rest).split())  # "i've" -> "'ve" left
    if not rest or len(rest.split()) > 5 or not names_an_exercise(rest):
        return None
    return _exercise_part(rest)


def _exercise_part(rest: str) -> str:
    """The longest run of words of ``rest`` that are words of exercise names, when other words
    surround it ("who squat ann bob", from "who squats heavier, Ann or Bob?": "squat")."""
    known = exercise_vocabulary()
    words = rest.split()
    named = [
        all(w in known for w in words_of(word)[0]) and bool(words_of(word)[0]) for word in words
    ]
    best, start = (0, 0), None
    for i, ok in enumerate([*named, False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            best = max(best, (i - start, -start))
            start = None
    length, first = best[0], -best[1]
    return " ".join(words[first : first + length]) if length else rest


def body_part(text: str) -> str | None:
    """The body part a message names ("when did I last train legs?" -> ``legs``), or None."""
    lower = text.lower()
    return next((p for p, pattern in _PART_WORDS.items() if re.search(pattern, lower)), None)


def show_of(text: str) -> str | None:
    """What a question asks of the history: ``last_session`` ("what did I lift last time?",
    "when did I last train legs?") or ``how_often`` ("should I add a second gym session?"),
    else None (the numbers)."""
    lower = text.lower()
    if _LAST_SESSION.search(lower):
        return "last_session"
    if _HOW_OFTEN.search(lower) and _STRENGTH_WORDS.search(lower):
        return "how_often"
    return None


def _trains(row: SetRow, part: str) -> bool:
    """Whether a set trains the body part: by the library's primary muscles, or by its name
    when the exercise is not in the library."""
    _, muscles, words = PARTS[part]
    if row.mapped:
        return bool(muscles & set(row.muscles))
    name = row.exercise.lower()
    if part != "legs" and re.search(PARTS["legs"][2], name):
        return False  # "Leg Press" is no press for the chest
    return bool(re.search(words, name))


@dataclass
class _Variants:
    """The logged exercises an asked name covers: the one it names (``exact``) when logged,
    and every logged exercise whose name holds its words ("deadlift" -> Romanian Deadlift)."""

    asked: str
    exact: str | None
    names: list[str]

    @property
    def noun(self) -> str:
        """The asked name, one of it ("deadlifts" -> "deadlift"), escaped for Markdown."""
        words = self.asked.split()
        last = words[-1] if words else ""
        if len(last) > 3 and last.lower().endswith("s") and not last.lower().endswith("ss"):
            words[-1] = last[:-1]
        return escape(" ".join(words))

    def said(self, name: str) -> str:
        """Which exercise an answer is about, in brackets after the asked name."""
        if self.exact is not None or name.lower() == self.asked.lower():
            return f" ({escape(name)})"
        return f" ({escape(name)}; no plain {self.noun} is logged)"


def _variants(ctx: ToolContext, history: History, exercise: str) -> _Variants | None:
    logged = history.exercises
    match = Matcher.for_context(ctx).match(exercise)
    asked = set(words_of(exercise)[0])
    holding = [n for n in logged if asked and asked <= set(words_of(n)[0])]
    holding += [n for n in logged if exercise.lower() in n.lower() and n not in holding]
    if match.sure and match.name in logged:
        others = [n for n in holding if n != match.name]
        return _Variants(exercise, match.name, [match.name, *others])
    if holding:
        return _Variants(exercise, None, holding)
    return None


def _most_estimated(history: History) -> str | None:
    scored = [s for s in history.exercises.values() if s.e1rm_by_day]
    return max(scored, key=lambda s: (len(s.e1rm_by_day), s.sets)).name if scored else None


def strength_history(
    ctx: ToolContext,
    exercise: str | None = None,
    group: str | None = None,
    since: str | None = None,
    until: str | None = None,
    part: str | None = None,
    show: str | None = None,
) -> ToolResult:
    """Strength history: sessions, working sets and volume (kg × reps) per exercise and per
    muscle group, the estimated one-rep max (Epley) and personal records of an exercise,
    sessions per week, the last session, and plots of the estimated 1RM and weekly volume over
    time.

    Args:
        exercise: an exercise to look at ("squat", "RDL"); default the one logged most.
        group: a runner-relevant group: calves, hip_abductors, glutes, hamstrings, quads, core
            or plyometrics.
        since: the first day, YYYY-MM-DD; default the first session.
        until: the last day, YYYY-MM-DD; default today.
        part: a body part: legs, upper_body, arms, back, chest or shoulders.
        show: what the question asks: last_session (the last session and its top sets) or
            how_often (sessions per week lately); default the numbers.
    """
    try:
        start = parse_day(since).date() if since else None
        end = parse_day(until).date() if until else None
    except ValueError:
        return ToolResult.failure(TOOL, "Give dates as YYYY-MM-DD, for example 2025-03-01.")
    if group is not None and group not in GROUPS:
        return ToolResult.failure(TOOL, "Pick a group from: " + ", ".join(GROUPS) + ".")
    if part is not None and part not in PARTS:
        return ToolResult.failure(TOOL, "Pick a body part from: " + ", ".join(PARTS) + ".")
    if show is not None and show not in SHOWS:
        return ToolResult.failure(TOOL, "Ask for one of: " + ", ".join(SHOWS) + ".")
    rows, summaries = set_rows(ctx, start, end or ctx.day)
    if group:
        rows = [r for r in rows if group in r.groups]
    if part:
        rows = [r for r in rows if _trains(r, part)]
    if not rows:
        period = f" from {start or 'the start'} to {end or ctx.day}" if start or end else ""
        what = f" for {GROUPS[group]}" if group else f" for the {PARTS[part][0]}" if part else ""
        return ToolResult.failure(TOOL, NO_SESSIONS.format(period=what + period))
    history = history_of(rows, start, end)
    variants = _variants(ctx, history, exercise) if exercise else None
    note = ""
    if variants is not None:
        focus: str | None = variants.exact or max(
            variants.names, key=lambda n: history.exercises[n].heaviest_kg or 0.0
        )
    else:
        focus = _most_estimated(history)
        if exercise and not group and not part:
            note = f"no logged sets of “{escape(exercise)}” were found; showing all exercises"
    result = _result(ctx, history, summaries, focus, note, group)
    result.data |= {"part": part, "show": show, "lead": show}
    scope = _scope(group, part)
    if variants is not None:
        _add_record(ctx, result, history, variants)
        _add_progress(ctx, result, rows, history, variants)
    _add_last_session(ctx, result, rows, summaries, variants, scope)
    _add_how_often(ctx, result, rows, scope)
    return result


def _scope(group: str | None, part: str | None) -> str:
    """What the rows were narrowed to, in words ("legs", "calves and soleus"), or ""."""
    if part:
        return PARTS[part][0]
    return GROUPS[group] if group else ""


def _subject(ctx: ToolContext) -> tuple[str, str, str]:
    """The athlete as a sentence starts with them: ("You", "Your", "") or ("Ann", "Ann's",
    "s") - the last is the verb's ending ("you lift", "Ann lifts")."""
    if not ctx.about_someone_else:
        return "You", "Your", ""
    return ctx.who, ctx.whose, "s"


def _kg(value: float) -> int | float:
    """A weight as it reads: 100 kg, not 100.0 kg."""
    return int(value) if float(value).is_integer() else round(value, 1)


def _weighted(history: History, variants: _Variants) -> list[str]:
    """The asked exercise's variants that have a weighted set logged."""
    return [n for n in variants.names if history.exercises[n].heaviest_kg is not None]


def _chosen_lift(history: History, variants: _Variants, weighted: list[str]) -> str:
    """The lift a record or progress answer is about: the exercise named exactly when it is
    among ``weighted``, else the heaviest of them."""
    if variants.exact is not None and variants.exact in weighted:
        return variants.exact
    return max(weighted, key=lambda n: history.exercises[n].heaviest_kg or 0.0)


def _add_record(
    ctx: ToolContext, result: ToolResult, history: History, variants: _Variants
) -> None:
    """The heaviest set of the asked exercise (or its heaviest variant), with the best
    estimated 1RM as evidence: the finding that answers "what's my heaviest squat?"."""
    weighted = _weighted(history, variants)
    if not weighted:
        return
    name = _chosen_lift(history, variants, weighted)
    stats = history.exercises[name]
    assert stats.heaviest_kg is not None and stats.heaviest_reps_day is not None
    _, whose, _ = _subject(ctx)
    result.facts += [
        Fact("record_weight", _kg(stats.heaviest_kg), "kg"),
        Fact("record_reps", stats.heaviest_reps or 0),
        Fact("record_day", day_words(stats.heaviest_reps_day)),
        Fact("record_exercise", name),
    ]
    verdict = (
        f"{whose} heaviest {variants.noun} was {{record_weight}} × {{record_reps}} on "
        f"{{record_day}}{variants.said(name)}."
    )
    evidence = []
    if stats.heaviest_day and stats.heaviest_day != stats.heaviest_reps_day:
        result.facts.append(Fact("record_first_day", day_words(stats.heaviest_day)))
        evidence.append("First lifted at {record_weight} on {record_first_day}.")
    if stats.best_e1rm is not None and stats.best_e1rm_set and stats.best_e1rm_day:
        weight, reps = stats.best_e1rm_set
        result.facts += [
            Fact("record_e1rm", round(stats.best_e1rm, 1), "kg"),
            Fact("record_e1rm_weight", _kg(weight), "kg"),
            Fact("record_e1rm_reps", reps),
            Fact("record_e1rm_day", day_words(stats.best_e1rm_day)),
        ]
        evidence.append(
            "Best estimated 1RM: {record_e1rm} from {record_e1rm_weight} × {record_e1rm_reps} "
            "on {record_e1rm_day} (Epley's formula: an estimate, not a lift)."
        )
    others = [n for n in weighted if n != name]
    others.sort(key=lambda n: -(history.exercises[n].heaviest_kg or 0.0))
    for i, other in enumerate(others[:2], 1):
        o = history.exercises[other]
        assert o.heaviest_kg is not None and o.heaviest_reps_day is not None
        result.facts += [
            Fact(f"variant_{i}_weight", _kg(o.heaviest_kg), "kg"),
            Fact(f"variant_{i}_reps", o.heaviest_reps or 0),
            Fact(f"variant_{i}_day", day_words(o.heaviest_reps_day)),
        ]
        evidence.append(
            f"Also logged: {escape(other)}, heaviest {{variant_{i}_weight}} × "
            f"{{variant_{i}_reps}} on {{variant_{i}_day}}."
        )
    result.findings.append(
        Finding(
            topic="record",
            verdict=verdict,
            evidence=tuple(evidence),
            source=f"{whose} strength log (working sets; warm-ups left out)",
            confidence=1.0,
            answers=("extreme",),
            priority=0,
            cue=r"\b(heaviest|pr|prs|pb|pbs|record|best|max|most)\b",
            value=float(stats.heaviest_kg),
            shown=f"{_kg(stats.heaviest_kg)} kg ({escape(name)})",
        )
    )


#: The latest stretch of the log a lift's progress is read from, against all before it.
PROGRESS_WEEKS = 8


def _add_progress(
    ctx: ToolContext,
    result: ToolResult,
    rows: list[SetRow],
    history: History,
    variants: _Variants,
) -> None:
    """Whether the asked lift is still going up: its heaviest working set of the log's last
    :data:`PROGRESS_WEEKS` weeks against the best before them, with where it started; the
    finding that answers "is my squat still going up?"."""
    weighted = _weighted(history, variants)
    if not weighted:
        return
    name = _chosen_lift(history, variants, weighted)
    sets = sorted(
        (r for r in rows if r.exercise == name and r.working and r.weight_kg),
        key=lambda r: r.day,
    )
    if len({r.day for r in sets}) < 3:
        return
    end = sets[-1].day
    cut = end - timedelta(weeks=PROGRESS_WEEKS)
    recent = [r for r in sets if r.day > cut]
    before = [r for r in sets if r.day <= cut]
    if not before:
        return
    first_day = sets[0].day
    first = max(r.weight_kg or 0.0 for r in sets if r.day == first_day)
    best_before = max(before, key=lambda r: r.weight_kg or 0.0)
    best_recent = max(recent, key=lambda r: r.weight_kg or 0.0)
    who, owner, _ = _subject(ctx)  # "You", "Your" or "Ann", "Ann's"
    whose = "your" if owner == "Your" else owner  # mid-sentence
    result.facts += [
        Fact("progress_first_weight", _kg(first), "kg"),
        Fact("progress_first_day", day_words(first_day)),
        Fact("progress_recent_weight", _kg(best_recent.weight_kg or 0.0), "kg"),
        Fact("progress_recent_day", day_words(best_recent.day)),
        Fact("progress_before_weight", _kg(best_before.weight_kg or 0.0), "kg"),
        Fact("progress_before_day", day_words(best_before.day)),
        Fact("progress_weeks", PROGRESS_WEEKS, "weeks"),
    ]
    noun = f"{variants.noun}{variants.said(name)}"
    if (best_recent.weight_kg or 0.0) > (best_before.weight_kg or 0.0):
        verdict = (
            f"Yes, still going up: {whose} {noun} went from {{progress_first_weight}} on "
            "{progress_first_day} to {progress_recent_weight} on {progress_recent_day}, above "
            "the best before it ({progress_before_weight})."
        )
    elif (best_recent.weight_kg or 0.0) == (best_before.weight_kg or 0.0):
        verdict = (
            f"Holding, not going up: {whose} heaviest {noun} of the log's last "
            "{progress_weeks}, {progress_recent_weight}, equals the best before them (on "
            "{progress_before_day}); it started at {progress_first_weight} on "
            "{progress_first_day}."
        )
    else:
        verdict = (
            f"Not lately: {whose} heaviest {noun} of the log's last {{progress_weeks}}, "
            "{progress_recent_weight}, is below the best before them ({progress_before_weight} "
            "on {progress_before_day}); it started at {progress_first_weight} on "
            "{progress_first_day}."
        )
    stale = (ctx.day - end).days > 28
    if stale:
        result.facts.append(Fact("progress_log_end", day_words(end)))
    result.findings.append(
        Finding(
            topic="progress",
            verdict=verdict,
            evidence=("Heaviest working sets, warm-ups left out.",),
            action="Nothing is logged since {progress_log_end}: this is where the log stops, "
            f"not where {'you are' if who == 'You' else f'{who} is'} now."
            if stale
            else "",
            source=f"{owner} strength log (working sets; warm-ups left out)",
            confidence=0.7 if stale else 0.9,
            answers=("trend", "judgement"),
            priority=0,
            cue=r"\b(going up|progress\w*|improv\w*|stronger|weaker|getting|still|trend\w*"
            r"|stall\w*|plateau\w*|creeping|heavier|increas\w*)\b",
            needs_cue=True,
        )
    )


def _add_last_session(
    ctx: ToolContext,
    result: ToolResult,
    rows: list[SetRow],
    summaries: list[SessionSummary],
    variants: _Variants | None,
    scope: str,
) -> None:
    """The last session (with the asked exercise, group or body part) and the top set of each
    exercise in it: the finding that answers "what did I lift last time?"."""
    if variants is not None:
        rows = [r for r in rows if r.exercise in variants.names]
    working = [r for r in rows if r.working]
    if not working:
        return
    last = max(working, key=lambda r: (r.day, r.session_id))
    session_rows = [r for r in working if r.session_id == last.session_id]
    session_rows.sort(key=lambda r: (r.position, r.set_id))
    by_exercise: dict[str, list[SetRow]] = {}
    for row in session_rows:
        by_exercise.setdefault(row.exercise, []).append(row)
    head = next((s for s in summaries if s.session_id == last.session_id), None)
    latest = max((s.day for s in summaries), default=last.day)
    days = (ctx.day - last.day).days
    who, whose, _ = _subject(ctx)
    result.facts += [
        Fact("last_day", day_words(last.day)),
        Fact("days_since_last", days, "days"),
        Fact("last_exercises", len(by_exercise)),
    ]
    title = f" (“{escape(head.name)}”)" if head is not None and head.name else ""
    if variants is not None:
        only = next(iter(by_exercise)) if len(by_exercise) == 1 else None
        which = variants.said(only) if only else ""
        verdict = f"{whose} last {variants.noun} session was on {{last_day}}{which}"
    elif scope:
        verdict = f"{who} last trained {scope} on {{last_day}}{title}"
    else:
        verdict = f"{whose} last strength session was on {{last_day}}{title}"
    if days == 0:
        verdict += ", today."
    elif days == 1:
        verdict += ", yesterday."
    elif days <= 28:
        verdict += ", {days_since_last} ago."
    else:
        verdict += "."
    evidence = []
    for i, (name, sets) in enumerate(list(by_exercise.items())[:TOP_EXERCISES], 1):
        top = top_set(sets)
        if top is None:
            continue
        result.facts.append(Fact(f"last_{i}_sets", len(sets)))
        count = f"{{last_{i}_sets}} working set{'s' if len(sets) != 1 else ''}"
        evidence.append(f"{escape(name)}: top set {_top_words(result, i, top)} ({count}).")
    if len(by_exercise) > TOP_EXERCISES:
        result.facts.append(Fact("last_more", len(by_exercise) - TOP_EXERCISES))
        evidence.append("… and {last_more} more exercises.")
    margin = ""
    if days > 28:
        after = "; nothing is logged since" if last.day >= latest else ""
        margin = f"That was {{days_since_last}} before today{after}."
    result.findings.append(
        Finding(
            topic="last_session",
            verdict=verdict,
            evidence=tuple(evidence),
            source=f"{whose} strength log (working sets; warm-ups left out)",
            confidence=1.0,
            margin=margin,
            answers=("lookup", "listing"),
            priority=1,
            cue=r"\b(last|latest|most recent|previous)\b",
        )
    )
    result.data["last"] = {
        "day": last.day.isoformat(),
        "session": head.name if head else None,
        "exercises": [
            {
                "exercise": name,
                "sets": [[r.weight_kg, r.reps, r.seconds] for r in sets],
            }
            for name, sets in by_exercise.items()
        ],
    }


def _top_words(result: ToolResult, i: int, top: SetRow) -> str:
    """A top set as facts by name: "{last_1_weight} × {last_1_reps}", "{last_1_reps} reps",
    "{last_1_seconds}"."""
    if top.weight_kg and top.reps:
        result.facts.append(Fact(f"last_{i}_weight", _kg(top.weight_kg), "kg"))
        result.facts.append(Fact(f"last_{i}_reps", top.reps))
        return f"{{last_{i}_weight}} × {{last_{i}_reps}}"
    if top.reps:
        result.facts.append(Fact(f"last_{i}_reps", top.reps, "reps"))
        return f"{{last_{i}_reps}}"
    if top.seconds:
        result.facts.append(Fact(f"last_{i}_seconds", _kg(top.seconds), "s"))
        return f"{{last_{i}_seconds}}"
    return "(no weight or reps)"


#: What strength programmes for runners commonly use; the line "how often" is read against.
USUAL_PER_WEEK = 2
#: As the knowledge note on strength training for runners cites it (a test holds them equal).
LAUERSEN_2018 = (
    "Lauersen JB, Andersen TE, Andersen LB. Strength training as superior, dose-dependent and "
    "safe prevention of acute and overuse sports injuries: a systematic review, qualitative "
    "analysis and meta-analysis. Br J Sports Med. 2018;52(24):1557-1563"
)


def _add_how_often(ctx: ToolContext, result: ToolResult, rows: list[SetRow], scope: str) -> None:
    """Sessions per week over the last weeks of the log (ending at its latest session), read
    against the two a week of strength programmes for runners: the finding that answers
    "should I add a second strength session?" and "am I doing too much in the gym?"."""
    days = {r.session_id: r.day for r in rows}
    rate = recent_rate(days.values())
    if rate is None:
        return
    legs = {r.session_id for r in rows if rate.start <= r.day <= rate.end and _trains(r, "legs")}
    who, _, s = _subject(ctx)
    per_week = round(rate.per_week, 1)
    weeks = round(rate.weeks, 1)
    since = (ctx.day - rate.end).days
    result.facts += [
        Fact("recent_per_week", per_week),
        Fact("recent_sessions", rate.sessions, "sessions"),
        Fact("recent_weeks", int(weeks) if float(weeks).is_integer() else weeks, "weeks"),
        Fact("recent_start", day_words(rate.start)),
        Fact("log_end", day_words(rate.end)),
        Fact("days_since_log_end", since, "days"),
        Fact("usual_per_week", USUAL_PER_WEEK),
    ]
    of = f" {scope}" if scope else ""
    sessions = "sessions" if scope else "times"
    already = "already " if per_week >= USUAL_PER_WEEK - 0.25 else ""
    window = "the last {recent_weeks}" if weeks >= RECENT_WEEKS else "all {recent_weeks}"
    if per_week > USUAL_PER_WEEK + 0.5:
        lead = "More than enough: "
    elif already:
        lead = "Enough: "
    else:
        lead = "Room for more: "
    subject = "you" if who == "You" else who
    verdict = lead + (
        f"{subject} {already}train{s}{of} {{recent_per_week}} {sessions} a week ({window} of "
        f"{ctx.whose} log, to {{log_end}})"
    )
    if not scope:
        verdict = verdict.replace(f"train{s} ", f"lift{s} ", 1)
    verdict += "; nothing is logged since." if since > 28 else "."
    evidence = ["{recent_sessions} from {recent_start} to {log_end}."]
    if legs and not scope:
        result.facts.append(Fact("recent_leg_sessions", len(legs)))
        evidence.append("{recent_leg_sessions} of them trained the legs.")
    evidence.append(
        "A meta-analysis found the protection strength training gives against injuries grew "
        "with the amount done, and reported it as safe (Lauersen et al. 2018); it gives no upper "
        "limit."
    )
    usual = "the {usual_per_week} sessions a week that strength programmes for runners commonly use"
    if per_week < USUAL_PER_WEEK - 0.5:
        action = (
            f"A second session a week is a sensible step: {usual}. Start it light, and make it "
            f"one {who.lower() if who == 'You' else who} can keep up - keeping at it is the hard "
            "part."
        )
    elif per_week <= USUAL_PER_WEEK + 0.5:
        action = (
            f"That is about {usual}, so there's no need to add one; keeping these going matters "
            "more than adding a third."
        )
    else:
        action = (
            f"That is more than {usual}, so there's no need to add one. Whether it is too much "
            "depends on the running: if key runs feel flat or legs stay heavy, fewer or lighter "
            "leg sessions is the first change to try."
        )
    confidence = 1.0 if weeks >= RECENT_WEEKS else 0.7
    margin = "" if weeks >= RECENT_WEEKS else "Only {recent_weeks} of log to go on."
    if since > 28:
        margin = (margin + " That rate is from the log's last weeks, not from now.").strip()
        confidence = min(confidence, 0.7)
    result.findings.append(
        Finding(
            topic="how_often",
            verdict=verdict,
            evidence=tuple(evidence),
            action=action,
            source=LAUERSEN_2018,
            confidence=confidence,
            margin=margin,
            answers=("judgement", "should", "what_next", "lookup", "listing"),
            priority=2,
            cue=r"\bhow (often|many)\b|\ba week\b|\bper week\b|\btoo (much|many|often)\b"
            r"|\b(second|another|extra|more) \w*\s?session",
        )
    )
    result.findings.append(
        Finding(
            topic="keep_lifting",
            verdict=f"Yes, keep {'lifting' if not scope else 'at it'}: strength work went with "
            "fewer sports injuries in a meta-analysis (Lauersen et al. 2018), and "
            f"{ctx.whose} log shows {{recent_per_week}} sessions a week to {{log_end}}.",
            evidence=tuple(evidence[:2]),
            action=f"Keep about {usual}; while the running builds, keep leg work light the day "
            "before a long or hard run, and let the running come first if both feel too much.",
            source=LAUERSEN_2018,
            confidence=min(confidence, 0.8),
            margin=margin,
            answers=("should", "judgement"),
            priority=1,
            cue=r"\b(keep|keeping|continue|stop|stopping|quit|drop|give up|carry on|still)\b"
            r".{0,25}\b(lift\w*|strength|gym|weights?)\b",
            needs_cue=True,
        )
    )


#: A period of at most this many sessions lists each one (date, name, exercises).
LISTED_SESSIONS = 12


def _result(
    ctx: ToolContext,
    history: History,
    summaries: list[Any],
    focus: str | None,
    note: str,
    group: str | None,
) -> ToolResult:
    facts = [
        Fact("sessions", history.sessions, "sessions"),
        Fact("working_sets", history.working_sets, "sets"),
        Fact("volume", round(history.volume_kg), "kg"),
        Fact("sessions_per_week", round(history.per_week, 1), ""),
    ]
    stats: ExerciseStats | None = history.exercises.get(focus) if focus else None
    if stats is not None:
        if stats.best_e1rm is not None:
            facts.append(Fact("estimated_1rm", round(stats.best_e1rm, 1), "kg"))
        if stats.heaviest_kg is not None:
            facts.append(Fact("heaviest_set", round(stats.heaviest_kg, 1), "kg"))
        facts.append(Fact("records_set", len(stats.record_days), ""))
    top = sorted(history.exercises.values(), key=lambda s: -s.sets)[:TOP_EXERCISES]
    last = summaries[-1] if summaries else None
    data: dict[str, Any] = {
        "period": {
            "start": history.start.isoformat() if history.start else None,
            "end": history.end.isoformat() if history.end else None,
        },
        "focus": focus,
        "group": group,
        "last_session": last.day.isoformat() if last else None,
        "exercises": [_exercise_row(s) for s in top],
        "muscles": {
            m: {"sets": int(v["sets"]), "volume_kg": round(v["volume_kg"])}
            for m, v in sorted(history.muscles.items(), key=lambda kv: -kv[1]["sets"])
        },
        "groups": {
            g: {"sets": int(v["sets"]), "volume_kg": round(v["volume_kg"])}
            for g, v in history.groups.items()
        },
        "weeks": [w | {"volume_kg": round(w["volume_kg"])} for w in history.weeks],
        "unmapped": history.unmapped,
        "formula": EPLEY,
        "sessions": history.sessions,
        "per_week": round(history.per_week, 1),
        "working_sets": history.working_sets,
        "volume_kg": round(history.volume_kg),
    }
    if len(summaries) <= LISTED_SESSIONS:  # "my strength workouts in september": each one
        data["session_list"] = [
            {
                "day": x.day.isoformat(),
                "name": x.name,
                "exercises": list(x.exercises[:3]),
                "more": max(0, len(x.exercises) - 3),
                "working_sets": x.working_sets,
            }
            for x in reversed(summaries)
        ]
    if stats is not None:
        data["focus_stats"] = _exercise_row(stats) | {
            "record_days": [d.isoformat() for d in stats.record_days],
            "e1rm_by_day": [[d.isoformat(), round(v, 1)] for d, v in stats.e1rm_by_day],
        }
    result = ToolResult(
        tool=TOOL,
        facts=facts,
        data=data,
        reasons=["from every logged and imported set; warm-up sets are left out"],
        caveats=[ESTIMATE_NOTE],
    )
    if note:
        result.caveats.insert(0, note)
    if history.unmapped:
        result.caveats.append(
            f"{len(history.unmapped)} exercise names are not in the library, so they count "
            "for no muscle group: " + ", ".join(escape(n) for n in history.unmapped[:8])
        )
    result.artifacts = _plots(ctx, history, stats)
    data["lines"] = _lines(data)
    return result


def _exercise_row(stats: ExerciseStats) -> dict[str, Any]:
    return {
        "exercise": stats.name,
        "sessions": stats.sessions,
        "sets": stats.sets,
        "volume_kg": round(stats.volume_kg),
        "best_e1rm_kg": round(stats.best_e1rm, 1) if stats.best_e1rm is not None else None,
        "best_e1rm_day": stats.best_e1rm_day.isoformat() if stats.best_e1rm_day else None,
        "best_set": list(stats.best_e1rm_set) if stats.best_e1rm_set else None,
        "heaviest_kg": stats.heaviest_kg,
        "heaviest_day": stats.heaviest_day.isoformat() if stats.heaviest_day else None,
        "last_day": stats.last_day.isoformat() if stats.last_day else None,
    }


def _lines(data: dict[str, Any]) -> list[str]:
    period = data["period"]
    lines = [
        f"**Strength, {period['start']} to {period['end']}**: {data['sessions']} "
        f"session{'s' if data['sessions'] != 1 else ''} "
        f"({data['per_week']} a week), {data['working_sets']} working sets, "
        f"{data['volume_kg']} kg volume; last session {data['last_session']}."
    ]
    for x in data.get("session_list", []):
        more = f" and {x['more']} more" if x["more"] else ""
        lines.append(
            f"- {x['day']} · {escape(x['name'] or 'session')} · "
            f"{', '.join(escape(e) for e in x['exercises'])}{more} · {x['working_sets']} sets"
        )
    focus = data.get("focus_stats")
    if focus:
        line = f"- {escape(focus['exercise'])}: last done {focus['last_day']}"
        if focus["best_e1rm_kg"] is not None:
            weight, reps = focus["best_set"]
            line += (
                f"; best estimated 1RM {focus['best_e1rm_kg']} kg ({weight:g} kg × {reps} on "
                f"{focus['best_e1rm_day']}, Epley)"
            )
        if focus["heaviest_kg"]:
            line += f"; heaviest set {focus['heaviest_kg']:g} kg on {focus['heaviest_day']}"
        lines.append(line)
    lines.append("- By exercise (working sets, volume):")
    for row in data["exercises"]:
        lines.append(f"  - {escape(row['exercise'])}: {row['sets']} sets, {row['volume_kg']} kg")
    groups = data["groups"]
    if groups:
        lines.append(
            "- Runner groups (sets): "
            + ", ".join(f"{GROUPS[g]} {v['sets']}" for g, v in groups.items())
        )
    return lines


def _plots(ctx: ToolContext, history: History, stats: ExerciseStats | None) -> list[Artifact]:
    import matplotlib  # a second to import: only when there is something to plot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder: Path = ctx.media_dir / "strength"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    if stats is not None and len(stats.e1rm_by_day) >= 2:
        path = folder / f"e1rm-{uuid.uuid4().hex[:12]}.png"
        figure, axes = plt.subplots(figsize=(7, 3.2))
        days = [d for d, _ in stats.e1rm_by_day]
        axes.plot(days, [v for _, v in stats.e1rm_by_day], marker="o", ms=3)
        axes.set_title(f"{stats.name}: estimated 1RM (Epley) per session")
        axes.set_ylabel("kg")
        figure.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.14)
        figure.savefig(path, dpi=80)
        plt.close(figure)
        out.append(Artifact(path, "image", "estimated 1RM over time"))
    if len(history.weeks) >= 2:
        path = folder / f"volume-{uuid.uuid4().hex[:12]}.png"
        figure, axes = plt.subplots(figsize=(7, 3.2))
        weeks = [date.fromisoformat(w["week"]) for w in history.weeks]
        axes.bar(weeks, [w["volume_kg"] for w in history.weeks], width=5)
        axes.set_title("Weekly volume (kg × reps, working sets)")
        axes.set_ylabel("kg")
        figure.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.14)
        figure.savefig(path, dpi=80)
        plt.close(figure)
        out.append(Artifact(path, "image", "weekly volume"))
    return out


#: Where a short answer points for the rest.
MORE_FIGURES = "Say “show my strength history” for sessions, sets and volume by exercise."


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    lead = result.data.get("lead")
    found = [f for f in result.rendered_findings() if f.topic == lead] if lead else []
    if found:
        return _lead_reply(result, found[0])
    out = list(result.data.get("lines", []))
    out += ["", *(f"Note: {c}" for c in result.caveats[:4])]
    return "\n".join(out).strip()


def _lead_reply(result: ToolResult, finding: Finding) -> str:
    """A lookup answered by one finding ("what did I lift last time?"): its verdict first,
    then what it rests on; the whole history one request away."""
    out = [finding.verdict]
    if finding.evidence:
        out += ["", *(f"- {line}" for line in finding.evidence)]
    if finding.action:
        out += ["", f"**What to do:** {finding.action}"]
    if finding.margin:
        out += ["", finding.margin]
    if finding.topic == "how_often" and result.data.get("lines"):
        out += ["", result.data["lines"][0]]
    return "\n".join([*out, "", MORE_FIGURES]).strip()


SPEC = ToolSpec(
    name=TOOL,
    function=strength_history,
    summary="show your strength history and records",
    examples=(
        "show my strength history",
        "how many lifting sessions did I log in march?",
        "how many gym sessions did she do last month",
        "when did I last deadlift",
        "what's my squat PR",
        "how has my bench progressed",
        "list my gym sessions this month",
        "heaviest squat ever",
        "how much did I lift on lunges last time",
        "what weight did I use for squats",
        "my deadlift numbers over time",
        "when was my last core session",
        "when did I last lift",
        "what's my estimated 1RM for squats",
        "how many strength sessions a week do I do",
        "my gym volume per week",
        "how much calf work have I done",
        "plot my squat progress",
        "how consistent am I with strength training",
        "what are my personal records in the gym",
        "volume per muscle group",
        "how many sets for glutes this month",
        "what's Sam's squat PR?",
        "show Ann's strength history",
        "how is Sam's deadlift progressing",
        "when did Ann last lift",
        "what weights did I lift at the gym last time",
        "which exercises did I do in my latest workout",
        "what weights did she use in her most recent session",
        "when was my last upper body session",
        "last time I trained my legs",
        "when did she last train her arms",
        "when did I last do a leg day",
        "when did Sam last do squats or leg press",
        "how often do I go to the gym",
        "am I lifting too often",
        "is my strength training enough",
        "is Sam spending too much time in the gym",
        "too many gym sessions alongside my running?",
        "should I lift weights more often",
        "should I do more gym sessions",
        "should I do strength work twice a week",
        "what's the most I've deadlifted",
        "how often does Sam do strength work",
        "how many lifting sessions did I log in march?",
        "how many gym sessions did Ann do last month?",
        "what strength sessions did I do the week of 3 march?",
        "my gym workouts in may",
        "which lifting sessions did she log in june?",
    ),
    phrase=_phrase,
    readers={"exercise": exercise_words, "group": group_of, "part": body_part, "show": show_of},
    # "how many lifting sessions did Bob log in September?", "what strength sessions did I do
    # the week of 8 September?": strength, whatever the dates say
    claims=r"\b(how many|what|which|list|show( me)?|my|her|his)( \w+'s)? (lifting|gym|strength"
    r"|weights?|lift|weight training) (sessions|workouts|days)\b|\b(e?1 ?rm|one[- ]rep[- ]max)\b",
    answers=frozenset({"extreme", "judgement", "should", "trend", "lookup", "listing"}),
)
