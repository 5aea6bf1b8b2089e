"""The ``weekly_checkin`` tool: a conversation of a few turns about the athlete's week.

1. It opens with the week in numbers, every one from a tool: running volume and sessions against
   the four weeks before, the long run, load and form, long-run spikes, changes in the runner's
   metrics, video analyses, and what they said in last week's check-in. When the latest activity
   is more than a week before the check-in's week, it says so once, and the figures are those of
   the week to that day, dated.
2. It asks short questions one at a time (sleep, soreness, stress, mood, how hard the key sessions
   felt, pain, next week's constraints) and reads free answers, several at once; "skip" skips one.
   Pain comes first: an answer that reports pain (to any question) is met with the safety-first
   answer of :mod:`knowledge.pain` (ordinary soreness with a short line), then asks where it
   hurts if that was not said, and whether a race is near.
3. It closes with a summary and one focus for next week, each with its reason and, where one
   applies, a cited source; pain to get assessed keeps its place and comes first, and it never
   prescribes treatment.

Answers are stored as they come (a wellness entry per week), so the athlete can stop and carry
on later the same week, or start again; their coach sees finished check-ins, written about the
athlete by name. Pain described with red-flag words never reaches this flow: the safety rules
answer it with "see a doctor" first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from knowledge.pain import PHYSIO, body_part, pain_answer, where
from storage.gait_reports import list_gait_reports
from storage.models import User
from storage.wellness import finished_entries, get_entry, save_entry
from tools.checkin.answers import (
    ASSESS,
    ITEMS,
    MILD_SORENESS,
    QUESTIONS,
    SCALE_WORDS,
    SCALES,
    SCORED,
    Answer,
    pain_level,
    read_message,
    scored,
)
from tools.checkin.reported import ReportedWeek, reported_week
from tools.context import ToolContext
from tools.importing.sports import FOOT_SPORTS
from tools.markdown import escape
from tools.plans import rules
from tools.plans.compliance import week_against_plan
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import FlowStep, ToolSpec
from tools.strength.sessions import strength_sessions_between
from tools.trends.changes import OVERVIEW, overview
from tools.trends.training_load import load_report
from tools.words import day_words, week_of

TOOL = "weekly_checkin"
#: Asking to see a check-in rather than to do one.
SHOW = re.compile(
    r"\b(show|see|view|pull up|look at|read|what did i (say|write|answer|put|tell))\b"
    r"(?!.*\b(do|start|begin|let's)\b)",
    re.I,
)
#: Correcting an answer of a finished check-in: "change my sleep answer to good".
EDIT = re.compile(r"\b(change|correct|update|edit|fix|amend|actually)\b", re.I)
AGAIN = re.compile(r"\b(again|restart|start over|from scratch|redo|new one)\b", re.I)
#: A score this high (of 7) on an item is worth acting on.
HIGH = 5.0
#: With no activity in this many days before the check-in's week, the figures shown are those
#: of the week of the latest activity, dated.
STALE_DAYS = 7
FRANDSEN = "Frandsen et al. 2025, Br J Sports Med 59:1203-1210"
FOSTER = "Foster 1998, Med Sci Sports Exerc 30:1164-1168"
HOOPER = "Hooper & Mackinnon 1995, Sports Med 20:321-327"
HALSON = "Halson 2014, Sports Med 44(Suppl 1):S13-S23"
#: What ordinary soreness gets instead of the whole safety answer.
SORENESS_LINE = (
    "Some soreness after training is normal. If it turns into pain in one spot, makes you limp "
    f"or changes how you run, stop running on it and get it assessed by {PHYSIO}."
)
#: Said before a question asked again because the answer was to another one.
NOTED = "Noted, thanks."
#: The focus that pain to get assessed puts first.
ASSESS_FIRST = "Get it assessed before running"


@dataclass(frozen=True)
class Reader:
    """Whom a summary is written for: the athlete ("you"), or someone else who reads it about
    them by ``name`` (their coach)."""

    name: str = ""

    @property
    def you(self) -> str:
        return self.name or "you"

    @property
    def your(self) -> str:
        return f"{self.name}'s" if self.name else "your"

    def verb(self, you_form: str, their_form: str) -> str:
        return their_form if self.name else you_form

    def cap(self, text: str) -> str:
        return text[:1].upper() + text[1:]


def day_text(day: date | str) -> str:
    """A day as people write it: "19 Oct 2025"."""
    return day_words(date.fromisoformat(day) if isinstance(day, str) else day)


def span_text(first: date | str, last: date | str) -> str:
    """Two days as people write a span: "13-19 Oct 2025", "29 Sep - 5 Oct 2025"."""
    first = date.fromisoformat(first) if isinstance(first, str) else first
    last = date.fromisoformat(last) if isinstance(last, str) else last
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_text(last)}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {day_text(last)}"
    return f"{day_text(first)} – {day_text(last)}"


def weekly_checkin(ctx: ToolContext, of_week: str | None = None) -> ToolResult:
    """Do the weekly check-in: the week in numbers, a few questions about sleep, soreness,
    stress, mood, effort, pain and next week, then a summary and a focus for next week. In a
    chat it asks its questions one at a time; called directly (or by a coach) it shows finished
    check-ins.

    Args:
        of_week: a day (YYYY-MM-DD) of the week whose finished check-in to show; default the
            latest ones.
    """
    return latest_checkins(ctx, of_week)


def latest_checkins(ctx: ToolContext, of_week: str | None = None) -> ToolResult:
    """The athlete's finished check-ins, newest first (what a coach sees, about the athlete by
    name); with ``of_week``, the one of the week holding that day."""
    with ctx.session() as session:
        entries = finished_entries(session, ctx.actor, ctx.athlete_id, limit=52 if of_week else 4)
        if of_week:
            try:
                monday = week_of(date.fromisoformat(of_week)).isoformat()
            except ValueError:
                return ToolResult.failure(TOOL, "Give the week as a date, YYYY-MM-DD.")
            entries = [e for e in entries if e.week == monday]
        third = ctx.about_someone_else
        rows = [
            {
                "week": e.week,
                "answers": e.answers,
                "summary": (third and e.summary.get("lines_third")) or e.summary.get("lines", []),
            }
            for e in entries
        ]
    this_week = week_of(ctx.day).isoformat()
    if not rows:
        message = (
            "There is no finished weekly check-in yet."
            if not ctx.about_someone_else
            else f"{ctx.who} has not finished a weekly check-in yet."
        )
        return ToolResult.failure(TOOL, message, this_week=this_week)
    latest = rows[0]
    facts = [
        Fact(item, answer["score"], "/7")
        for item, answer in latest["answers"].items()
        if item in SCORED and answer.get("score") is not None
    ]
    return ToolResult(
        tool=TOOL,
        facts=facts,
        data={"checkins": rows, "shown": "history", "this_week": this_week},
        reasons=["the check-ins as the athlete answered them"],
    )


def reported_by_coach(ctx: ToolContext, told: ReportedWeek) -> ToolResult:
    """A coach telling an athlete's week ("Ann's check-in: 3 runs, 20k, longest 9k, no pain"):
    said back, with next week's cautious ceiling from it; not stored as the athlete's check-in,
    which stays theirs to do. The ceiling is the plans' cautious weekly ramp and single-run
    spike lines (:mod:`tools.plans.rules`)."""
    facts = [Fact(n, v, "km" if "km" in n else "") for n, v in told.facts().items()]
    lines = [told.words(ctx.who)]
    if told.km:
        facts.append(Fact("next_week_at_most", round(told.km * (1 + rules.RAMP), 1), "km"))
        lines.append(
            "Next week: up to about {next_week_at_most} in all, no more than 10 % over this week"
        )
    if told.longest_km:
        longest = round(told.longest_km * (1 + rules.SPIKE), 1)
        facts.append(Fact("next_long_run_at_most", longest, "km"))
        lines.append(
            "The long run: up to about {next_long_run_at_most}, within 10 % of this week's "
            "longest (a single run more than 10 % past the longest of the 30 days before went "
            "with more overuse injuries: Frandsen et al. 2025, Br J Sports Med)"
        )
    table = {f.name: f.render() for f in facts}
    said = [line.format(**table) for line in lines]
    message = (
        f"{said[0]} {'. '.join(said[1:])}{'.' if len(said) > 1 else ''} The 10 % week is Coach "
        f"G's caution, not a tested threshold. This is not stored as {ctx.whose} check-in, "
        f"which {ctx.who} does from their own account."
    )
    return ToolResult(
        tool=TOOL,
        message=message,
        facts=facts,
        data={"reported": told.to_dict(), "shown": "reported by the coach"},
        reasons=["the week as the coach reported it, not stored"],
        confidence=0.7,
    )


def checkin_flow(ctx: ToolContext, data: dict[str, Any], message: str) -> FlowStep:
    """One turn of the check-in (see the module docstring)."""
    if ctx.actor.id != ctx.athlete_id:
        if told := reported_week(message):  # "Ann's check-in: 3 runs, 20k, longest 9k"
            return FlowStep(result=reported_by_coach(ctx, told))
        return FlowStep(result=latest_checkins(ctx, data.get("of_week")))
    if "week" not in data:
        return _open(ctx, message, data.get("of_week"))
    asked = data.get("asked")
    answers = dict(data.get("answers", {}))
    found = read_message(message, asked)
    lead = _pain_first(answers, found, message, data)
    retried = data.get("retried") == asked
    got = found.get(asked) if asked else None
    unread = asked in SCORED and got is not None and got.score is None and not got.skipped
    if unread and lead:  # pain came instead of an answer: the question comes back after
        found.pop(asked)
        unread = False
    if unread and not retried:
        low, high = SCALES[asked]
        return FlowStep(
            ask=_lead(
                lead,
                "I couldn't read a score from that. A word such as good, so-so or bad, a "
                f"number from {low} to {high}, or 'skip' all work. {QUESTIONS[asked]}",
            ),
            data=data | {"retried": asked},
        )
    _keep(answers, found, asked)
    if found and asked not in found and not lead and _pending(answers) == asked:
        lead = NOTED  # another question answered instead: that is said before asking again
    step = _next(ctx, data | {"answers": answers, "retried": None, "mild_said": _mild(data, lead)})
    return _led(step, lead)


def _keep(answers: dict[str, dict], found: dict[str, Answer], asked: str | None) -> None:
    """Store what a message answered: the question asked, and any other not answered yet
    (pain reported again is added to what was said before)."""
    for item, answer in found.items():
        before = answers.get(item)
        if item == "pain" and answer.score and before and before.get("score"):
            answer = Answer(
                1.0,
                f"{before['words']}; {answer.words}"[:500],
                place=answer.place or before.get("place", ""),
                limping=answer.limping or before.get("limping", False),
                level=ASSESS if ASSESS in (answer.level, before.get("level")) else answer.level,
            )
        elif item != asked and before is not None and not (item == "pain" and answer.score):
            continue  # answered before: a side remark does not overwrite it
        answers[item] = answer.to_dict()
    where = found.get("pain_where")
    if where is not None and not where.skipped and "pain" in answers:
        answers["pain"] = answers["pain"] | {"place": where.place}


def _pain_first(
    answers: dict[str, dict], found: dict[str, Answer], message: str, data: dict[str, Any]
) -> str:
    """What a reply starts with when the message reports pain: the safety-first answer for
    pain to get assessed, a short line for ordinary soreness (once), or nothing."""
    pain = found.get("pain")
    before = answers.get("pain") or {}
    if pain is not None and pain.score and pain.level == ASSESS:
        said = f"{before['words']}; {message}" if before.get("score") else message
        return pain_answer(said).text
    where = found.get("pain_where")
    if where is not None and not where.skipped and before.get("score"):
        said = f"{before['words']}; {where.words}"
        if body_part(where.words) is not None:  # the warning signs of that part
            return pain_answer(said).text
        return f"{ASSESS_FIRST}: stop running on your {where.place} until {PHYSIO} has seen it."
    mild = (pain is not None and pain.level == MILD_SORENESS) or pain_level(message) == (
        MILD_SORENESS
    )
    return SORENESS_LINE if mild and not data.get("mild_said") else ""


def _mild(data: dict[str, Any], lead: str) -> bool:
    return bool(data.get("mild_said")) or lead == SORENESS_LINE


def _lead(lead: str, text: str) -> str:
    return (" " if lead == NOTED else "\n\n").join(part for part in (lead, text) if part)


def _led(step: FlowStep, lead: str) -> FlowStep:
    """``step`` with ``lead`` first, in its question or its result."""
    if not lead:
        return step
    if step.result is None:
        step.ask = _lead(lead, step.ask)
    else:
        step.result.message = _lead(lead, step.result.message)
    return step


def _is_week(day: str, week: date) -> bool:
    """Whether ``day`` (an ISO date) falls in the week starting ``week`` ("let's do this week's
    check-in" names this week: it is done, not shown)."""
    try:
        return week_of(date.fromisoformat(day)) == week
    except ValueError:
        return False


def _open(ctx: ToolContext, message: str, of_week: str | None = None) -> FlowStep:
    week = week_of(ctx.day)
    if SHOW.search(message) or (of_week and not _is_week(of_week, week)):
        return FlowStep(result=latest_checkins(ctx, of_week))  # asked to see one: not done again
    with ctx.session() as session:
        entry = get_entry(session, ctx.actor, ctx.athlete_id, week.isoformat())
        stored = dict(entry.answers) if entry is not None else {}
        done = entry is not None and entry.status == "done"
    restart = bool(AGAIN.search(message))
    edits = read_message(message, None) if done and EDIT.search(message) else {}
    if edits and not restart:  # one answer corrected: the summary and focus are redone
        answers = stored | {item: answer.to_dict() for item, answer in edits.items()}
        data = {"week": week.isoformat(), "opening": week_in_numbers(ctx, week)}
        result = _close(ctx, data | {"answers": answers})
        changed = " and ".join(edits)
        result.message = f"I've changed your {changed} answer; here is the check-in again."
        return FlowStep(result=result)
    if done and not restart:
        result = latest_checkins(ctx)
        result.message = (
            "You've done this week's check-in already; here it is. Say \"start my check-in "
            'again" to do it over.'
        )
        return FlowStep(result=result)
    opening = week_in_numbers(ctx, week)
    if told := reported_week(message):  # "3 runs, 5k 6k 8k all easy": said back, kept apart
        opening["parts"]["reported"] = told.to_dict()
        opening["facts"] |= told.facts()
        opening["text"] = "\n".join(opening_lines(opening["parts"]))
    answers = {} if restart else stored
    found = read_message(message, None)
    if heard := [f"{item} (“{escape(a.words)}”)" for item, a in found.items() if a.words]:
        opening["text"] += "\n- Taken from your message: " + "; ".join(heard) + "."
    lead = _pain_first(answers, found, message, {})
    _keep(answers, found, None)
    data = {"week": week.isoformat(), "opening": opening, "answers": answers}
    data["mild_said"] = _mild({}, lead)
    resumed = bool(stored) and not restart and not done
    welcome = "Welcome back: let's carry on with this week's check-in.\n\n" if resumed else ""
    step = _next(ctx, data)
    if step.result is None:
        step.ask = f"{welcome}{opening['text']}\n\n{step.ask}"
        step.shown = ToolResult(
            tool=TOOL,
            facts=[Fact(name, value) for name, value in opening["facts"].items()],
            data={"opening": opening["text"]},
            reasons=["the week's numbers from your activities"],
        )
    return _led(step, lead)


def _pending(answers: dict[str, dict]) -> str | None:
    """The next question: where it hurts and whether a race is near right after pain to get
    assessed, then the first of :data:`ITEMS` not answered yet."""
    pain = answers.get("pain") or {}
    if pain.get("score") and pain.get("level") == ASSESS:
        if not pain.get("place") and "pain_where" not in answers:
            return "pain_where"
        if "race" not in answers:
            return "race"
    return next((item for item in ITEMS if item not in answers), None)


def _next(ctx: ToolContext, data: dict[str, Any]) -> FlowStep:
    answers = data["answers"]
    with ctx.session() as session:
        save_entry(session, ctx.actor, ctx.athlete_id, data["week"], answers=answers)
    item = _pending(answers)
    if item is not None:
        return FlowStep(ask=QUESTIONS[item], data=data | {"asked": item})
    return FlowStep(result=_close(ctx, data))


def week_in_numbers(ctx: ToolContext, week: date) -> dict[str, Any]:
    """The week so far, from the tools: volume against the four weeks before, the long run,
    load, form and spikes, changes in the runner's metrics, video analyses, last check-in.

    When the latest activity is more than :data:`STALE_DAYS` before ``week``, the running
    figures are those of the week to that day, each dated. Returns the text (for the athlete),
    the facts, and the ``parts`` the text is written from (:func:`opening_lines`)."""
    import pandas as pd

    end = week + timedelta(days=6)
    parts: dict[str, Any] = {"week": week.isoformat()}
    facts: dict[str, Any] = {}
    report = load_report(ctx, min(end, ctx.day))
    frame = report.sessions.frame
    if frame.empty:
        parts["empty"] = True
    else:
        latest = frame["date"].max().date()
        first, last, prefix = week, end, ""
        if latest < week - timedelta(days=STALE_DAYS):
            first, last, prefix = week_of(latest), latest, "latest_"
            parts["latest"] = latest.isoformat()
            facts |= {"week_km": 0.0, "week_sessions": 0, "latest_activity": latest.isoformat()}
            report = load_report(ctx, latest)
            frame = report.sessions.frame
        runs = frame[frame["sport"].isin(FOOT_SPORTS)]
        shown = runs[(runs["date"] >= pd.Timestamp(first)) & (runs["date"] <= pd.Timestamp(last))]
        before = runs[
            (runs["date"] >= pd.Timestamp(first - timedelta(weeks=4)))
            & (runs["date"] < pd.Timestamp(first))
        ]
        running = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "km": round(float(shown["distance_km"].sum()), 1),
            "sessions": len(shown),
            "usual_km": round(float(before["distance_km"].sum()) / 4, 1),
            "usual_sessions": round(len(before) / 4, 1),
        }
        parts["running"] = running
        facts |= {
            f"{prefix}week_km": running["km"],
            f"{prefix}week_sessions": running["sessions"],
            "usual_week_km": running["usual_km"],
            "usual_week_sessions": running["usual_sessions"],
        }
        if len(shown):
            longest = shown.loc[shown["distance_km"].idxmax()]
            facts["long_run_km"] = round(float(longest["distance_km"]), 1)
            parts["long_run"] = {
                "km": facts["long_run_km"],
                "date": longest["date"].date().isoformat(),
            }
        today = report.days.loc[pd.Timestamp(report.day)]
        facts |= {
            "fitness": round(float(today["fitness"]), 1),
            "form": round(float(today["form"]), 1),
        }
        parts["load"] = {
            "fitness": facts["fitness"],
            "form": facts["form"],
            "day": report.day.isoformat(),
            "today": report.day == ctx.day,
        }
        spikes = [s for s in report.spikes if first <= s.date.date() <= last]
        parts["spikes"] = [
            {"km": s.distance_km, "date": s.date.date().isoformat(), "pct": s.increase_pct}
            for s in spikes
        ]
        facts["spikes"] = len(spikes)
        changes = overview(ctx, (first - timedelta(weeks=12)).isoformat())
        parts["changes"] = (
            [
                f"{OVERVIEW[key].replace('_', ' ')} {c['before_text']} → {c['after_text']} "
                f"(from {day_text(c['date'])})"
                for key, c in (changes.data.get("latest_changes") or {}).items()
                if (first - timedelta(weeks=4)).isoformat() <= c["date"] <= last.isoformat()
            ]
            if changes.ok
            else []
        )
    with ctx.session() as session:
        videos = [
            r
            for r in list_gait_reports(session, ctx.actor, ctx.athlete_id)
            if week <= r.created_at.date() <= end
        ]
        last_entry = finished_entries(session, ctx.actor, ctx.athlete_id, limit=1)
        last_entry = [e for e in last_entry if e.week < week.isoformat()]
    if videos:
        parts["videos"] = facts["videos"] = len(videos)
    strength = strength_sessions_between(ctx, week, min(end, ctx.day))
    facts["strength_sessions"] = len(strength)
    if strength:
        parts["strength"] = {
            "sessions": len(strength),
            "sets": sum(s.working_sets for s in strength),
            "exercises": "; ".join(escape(", ".join(s.exercises[:3])) for s in strength),
        }
    if (against := week_against_plan(ctx, week, min(end, ctx.day))) is not None:
        parts["plan"] = against.lines()
        facts |= against.facts()
    if last_entry:
        said = [
            f"{item} {a['word']} (“{escape(a['words'])}”)"
            for item, a in scored(last_entry[0].answers).items()
        ]
        if said:
            parts["last"] = {"week": last_entry[0].week, "said": said}
    return {"text": "\n".join(opening_lines(parts)), "facts": facts, "parts": parts}


def opening_lines(parts: dict[str, Any], reader: Reader | None = None) -> list[str]:
    """The week in numbers (:func:`week_in_numbers`' parts) as written for ``reader``."""
    reader = reader or Reader()
    lines = [f"**{reader.cap(reader.your)} week from {parts['week']}**"]
    if parts.get("empty"):
        lines.append("- No activities stored yet, so no numbers this time.")
    if told := parts.get("reported"):
        stale = (
            " Nothing stored is this recent, so I go by what you tell me."
            if (parts.get("latest") or parts.get("empty"))
            else ""
        )
        lines.append(f"- {ReportedWeek(**told).words(reader.you)}{stale}")
    running = parts.get("running")
    if running:
        figures = (
            f"{running['km']} km in {running['sessions']} sessions, against "
            f"{running['usual_km']} km and {running['usual_sessions']} sessions a week over the "
            "four weeks before"
        )
        if parts.get("latest"):
            lines.append(
                f"- {reader.cap(reader.your)} latest activity is {day_text(parts['latest'])}: "
                "nothing is stored since, so these figures are for the week to that day."
            )
            lines.append(f"- Running, {span_text(running['from'], running['to'])}: {figures}.")
        else:
            lines.append(f"- Running: {figures}.")
    if long_run := parts.get("long_run"):
        lines.append(f"- Longest run: {long_run['km']} km on {day_text(long_run['date'])}.")
    if load := parts.get("load"):
        when = "today" if load["today"] else f"on {day_text(load['day'])}"
        lines.append(f"- Load {when}: fitness {load['fitness']}, form {load['form']}.")
    for spike in parts.get("spikes", []):
        lines.append(
            f"- Long-run spike: {spike['km']:.1f} km on {day_text(spike['date'])}, "
            f"{spike['pct']:.0f} % over the longest of the 30 days before."
        )
    if parts.get("changes"):
        lines.append("- Changed lately: " + "; ".join(parts["changes"]) + ".")
    if parts.get("videos"):
        lines.append(f"- Video analyses this week: {parts['videos']}.")
    if strength := parts.get("strength"):
        lines.append(
            f"- Strength: {strength['sessions']} sessions, {strength['sets']} working sets "
            f"({strength['exercises']})."
        )
    else:
        lines.append("- Strength: no sessions logged this week.")
    if plan := parts.get("plan"):
        lines.append(f"- {plan[0]}:")
        lines += [f"  - {line}" for line in plan[1:]]
    if last := parts.get("last"):
        lines.append(f"- Last check-in ({last['week']}): " + "; ".join(last["said"]) + ".")
    return lines


def _athlete_name(ctx: ToolContext) -> str:
    with ctx.session() as session:
        athlete = session.get(User, ctx.athlete_id)
        return (athlete.display_name or athlete.name) if athlete else "the athlete"


def _close(ctx: ToolContext, data: dict[str, Any]) -> ToolResult:
    answers = {k: Answer(**v) for k, v in data["answers"].items()}
    opening = data["opening"]
    facts_found = opening["facts"]
    facts = []
    for item in SCORED:
        answer = answers.get(item)
        if answer is not None and not answer.skipped and answer.score is not None:
            facts.append(Fact(item, answer.score, "/7"))
    effort = answers.get("effort")
    if effort is not None and effort.score is not None:
        facts.append(Fact("session_effort", effort.score, "/10"))
        rated = [s for s in effort.sessions if s.get("score") is not None]
        if len(rated) > 1:
            facts += [
                Fact(f"session_effort_{i}", s["score"], "/10") for i, s in enumerate(rated, 1)
            ]
    wellness = [a.score for i, a in answers.items() if i in SCORED and a.score is not None]
    if wellness:
        facts.append(Fact("wellness_total", sum(wellness), f"/{7 * len(wellness)}"))
    focus = _focus(answers, opening)
    lines = _summary(answers, opening, focus, Reader())
    third = Reader(_athlete_name(ctx))
    focus_third = _focus(answers, opening, third)
    lines_third = _summary(answers, opening, focus_third, third)
    result = ToolResult(
        tool=TOOL,
        facts=facts,
        confidence=0.8 if len(wellness) >= 3 else 0.5,
        data={
            "week": data["week"],
            "lines": lines,
            "opening_facts": facts_found,
            "focus": focus,
            "answers": data["answers"],
        },
        reasons=["your answers in your own words, and the week's numbers from your activities"],
        caveats=["this is training advice, not medical advice"],
    )
    with ctx.session() as session:
        save_entry(
            session,
            ctx.actor,
            ctx.athlete_id,
            data["week"],
            answers=data["answers"],
            status="done",
            summary={
                "lines": lines,
                "lines_third": lines_third,
                "focus": focus,
                "facts": facts_found,
            },
        )
    return result


def _summary(
    answers: dict[str, Answer], opening: dict[str, Any], focus: list[dict], reader: Reader
) -> list[str]:
    """The closing summary as written for ``reader``."""
    parts = opening.get("parts")
    head = opening_lines(parts, reader) if parts else opening["text"].split("\n")
    lines = [*head, "", f"**What {reader.you} told me**"]
    for item in SCORED:
        answer = answers.get(item)
        if answer is None or answer.skipped:
            lines.append(f"- {item.capitalize()}: skipped.")
        elif answer.score is None:
            lines.append(f"- {item.capitalize()}: “{escape(answer.words)}” (no score read).")
        else:
            word = SCALE_WORDS[round(answer.score)]
            lines.append(f"- {item.capitalize()}: {word} (“{escape(answer.words)}”).")
    effort = answers.get("effort")
    rated = [s for s in effort.sessions if s.get("score") is not None] if effort else []
    if len(rated) > 1:
        each = [
            f"{escape(s['name'] or 'a session')} {s['score']:g} of 10 (“{escape(s['words'])}”)"
            for s in rated
        ]
        lines.append("- Key sessions: " + "; ".join(each) + ".")
    elif effort is not None and effort.score is not None:
        lines.append(f"- Key sessions felt {effort.score:g} of 10 (“{escape(effort.words)}”).")
    pain = answers.get("pain")
    if pain is not None and pain.score:
        said = [pain.place or ("place not said" if pain.level == ASSESS else "")]
        said += ["limping"] if pain.limping else []
        said += ["ordinary soreness"] if pain.level == MILD_SORENESS else []
        what = ", ".join(escape(s) for s in said if s)
        lines.append(f"- Pain: {what + ' ' if what else ''}(“{escape(pain.words)}”).")
    race = answers.get("race")
    if race is not None and not race.skipped and race.score is not None:
        yes = "yes" if race.score else "no"
        lines.append(f"- Race in the next weeks: {yes} (“{escape(race.words)}”).")
    constraints = answers.get("constraints")
    if (
        constraints is not None
        and constraints.words not in ("", "none")
        and not constraints.skipped
    ):
        lines.append(f"- Next week: “{escape(constraints.words)}”.")
    lines += ["", "**Focus for next week**", *(f"- {f['text']}" for f in focus)]
    return lines


def _focus(
    answers: dict[str, Answer], opening: dict[str, Any], reader: Reader | None = None
) -> list[dict[str, str]]:
    """One to three things for next week, each with its reason and source; pain to get
    assessed comes first."""
    reader = reader or Reader()
    you, your = reader.you, reader.your
    numbers = opening["facts"]
    current = not (opening.get("parts") or {}).get("latest")  # figures of this week, not old
    focus: list[dict[str, str]] = []
    score = {i: a.score for i, a in answers.items() if a.score is not None}
    pain = answers.get("pain")
    race = answers.get("race")
    if pain is not None and pain.score and pain.level == ASSESS:
        place = escape(pain.place) if pain.place else "the painful spot"
        text = f"{ASSESS_FIRST}: no running on {your} {place} until {PHYSIO} has seen it"
        if pain.limping:
            text += f" ({you} {reader.verb('are', 'is')} limping, and a limp always means stop)"
        if race is not None and race.score:
            text += f"; with a race coming up, no racing on it unless they clear {you}"
        focus.append(
            {
                "text": text + ".",
                "reason": f"{you} reported pain" + (", and a limp" if pain.limping else ""),
                "source": "; ".join(pain_answer(pain.words).sources),
            }
        )
    elif pain is not None and pain.score:
        focus.append(
            {
                "text": f"Run only what stays pain-free and does not change how {you} "
                f"{reader.verb('run', 'runs')}; if it lasts more than a few days, gets worse or "
                f"makes {you} limp, stop running on it and get it assessed by {PHYSIO}.",
                "reason": f"{you} reported soreness or pain",
                "source": "",
            }
        )
    sore = answers.get("soreness")
    place = where(sore.words) if sore is not None and (sore.score or 0) >= 3 else ""
    if place and not (pain is not None and pain.score):  # "some calf tightness": watched
        focus.append(
            {
                "text": f"Keep an eye on {your} {escape(place)}: if it turns sharp, lasts more "
                f"than a few days, changes how {you} {reader.verb('run', 'runs')} or makes "
                f"{you} limp, stop running on it and get it assessed by {PHYSIO}.",
                "reason": f"{you} reported {escape(sore.words)}",
                "source": "",
            }
        )
    if current and numbers.get("spikes"):
        focus.append(
            {
                "text": "Keep next week's longest run within 10 % of "
                f"{your} longest of the last 30 days; a single run beyond that went with more "
                f"overuse injuries ({FRANDSEN}).",
                "reason": "a long-run spike this week",
                "source": FRANDSEN,
            }
        )
    tired = [i for i in SCORED if score.get(i, 0) >= HIGH]
    if tired:
        focus.append(
            {
                "text": f"Make next week lighter: {your} {', '.join(tired)} scored {HIGH:g} of 7 "
                f"or worse. Tracking these scores is a way to notice too much load early "
                f"({HOOPER}), and sleep is central to recovery ({HALSON}).",
                "reason": f"{', '.join(tired)} at {HIGH:g}/7 or worse",
                "source": f"{HOOPER}; {HALSON}",
            }
        )
    if current and score.get("effort", 0) >= 8 and numbers.get("form", 0) < 0:
        focus.append(
            {
                "text": "Keep the easy runs truly easy: the key sessions felt very hard while "
                f"{your} form is below zero; vary hard and easy days ({FOSTER}).",
                "reason": "hard sessions on tired legs",
                "source": FOSTER,
            }
        )
    told = (opening.get("parts") or {}).get("reported")
    if told and not current and len(focus) < 3:
        week = ReportedWeek(**told).listed()
        focus.append(
            {
                "text": f"Build from the week {you} told me about ({week}): "
                "keep most runs easy and add a little at a time, keeping any longer run within "
                f"10 % of {your} longest of the last 30 days ({FRANDSEN}). Sync or import "
                f"{your} runs so I can check the numbers.",
                "reason": "the week as reported, with nothing recent stored",
                "source": FRANDSEN,
            }
        )
    if not focus:
        focus.append(
            {
                "text": f"Carry on as planned: {you} {reader.verb('feel', 'feels')} well and the "
                f"load is steady. Build by keeping any longer run within 10 % of {your} recent "
                f"longest ({FRANDSEN}).",
                "reason": "no warning sign in the answers or numbers",
                "source": FRANDSEN,
            }
        )
    return focus[:3]


#: The first line of the week in numbers, which a check-in shown again leaves out.
OPENING_HEAD = re.compile(r"^\*\*.+ week from \d{4}-\d\d-\d\d\*\*$")


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    if data.get("shown") == "history":
        lines = []
        for entry in data["checkins"]:
            lines.append(f"**Check-in, week of {entry['week']}**")
            lines += [line for line in entry["summary"] if not OPENING_HEAD.match(line)]
        body = "\n".join(lines)
        return f"{result.message}\n\n{body}".strip() if result.message else body
    lead = [result.message, ""] if result.message else []
    body = data.get("lines", [])
    return "\n".join([*lead, *body, "", *[f"Note: {c}" for c in result.caveats]]).strip()


def _roster(results: Sequence[ToolResult]) -> str:
    """A coach's athletes: who has checked in this week and who has not, with the latest
    scores of each."""
    week = next((r.data["this_week"] for r in results if r.data.get("this_week")), "")
    done, missing, lines = [], [], []
    for result in results:
        name = escape(result.data.get("athlete", ""))
        latest = (result.data.get("checkins") or [None])[0] if result.ok else None
        if latest is not None and latest["week"] == week:
            done.append(name)
        else:
            missing.append(f"{name} (last: {latest['week']})" if latest else f"{name} (never)")
        if latest is not None:
            scores = [
                f"{item} {a['word']}".strip() for item, a in scored(latest["answers"]).items()
            ]
            lines.append(
                f"- {name}, week of {latest['week']}: " + ("; ".join(scores) or "no scores")
            )
    head = [f"**Your athletes' weekly check-ins (week of {week})**", ""]
    head.append("Checked in: " + (", ".join(done) if done else "nobody yet") + ".")
    if missing:
        head.append("Not checked in: " + ", ".join(missing) + ".")
    return "\n".join([*head, *(["", *lines] if lines else [])])


SPEC = ToolSpec(
    name=TOOL,
    function=weekly_checkin,
    summary="do your weekly check-in",
    examples=(
        "let's do my weekly check-in",
        "weekly review please",
        "check in for this week",
        "can we recap my week",
        "time for the weekly summary",
        "weekly catch up",
        "let's reflect on my week",
        "end of week debrief",
        "sunday review: tired legs and low motivation",
        "here's how my week felt",
        "let's talk through how my week went",
        "start my check-in again",
        "how did Ann's check-in go?",
        "who hasn't done their check-in this week?",
        "show last week's check-in",
        "can I see the check-in I did in october",
        "change my sleep answer to good",
    ),
    phrase=_phrase,
    phrase_many=_roster,
    flow=checkin_flow,
    hears=lambda message: bool(read_message(message, None)),
    claims=r"^\W*(here'?s |here is |my |her |his |their |\w+'s )?(weekly |week )?check[- ]?in\b"
    r"(?! (on|with) )",
)
