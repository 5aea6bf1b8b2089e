"""The ``weekly_checkin`` tool: a conversation of a few turns about the athlete's week.

1. It opens with the week in numbers, every one from a tool: running volume and sessions against
   the four weeks before, the long run, load and form, long-run spikes, changes in the runner's
   metrics, video analyses, and what they said in last week's check-in.
2. It asks short questions one at a time (sleep, soreness, stress, mood, how hard the key sessions
   felt, pain, next week's constraints) and reads free answers, several at once; "skip" skips one.
3. It closes with a summary and one focus for next week, each with its reason and, where one
   applies, a cited source; it never prescribes treatment.

Answers are stored as they come (a wellness entry per week), so the athlete can stop and carry
on later the same week, or start again; their coach sees finished check-ins. Pain described with
red-flag words never reaches this flow: the safety rules answer it with "see a doctor" first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd

from storage.gait_reports import list_gait_reports
from storage.wellness import finished_entries, get_entry, save_entry
from tools.checkin.answers import (
    ITEMS,
    QUESTIONS,
    SCALE_WORDS,
    SCORED,
    Answer,
    read_message,
    scored,
)
from tools.context import ToolContext
from tools.importing.sports import FOOT_SPORTS
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import FlowStep, ToolSpec
from tools.strength.sessions import strength_sessions_between
from tools.trends.changes import OVERVIEW, overview
from tools.trends.training_load import load_report

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
FRANDSEN = "Frandsen et al. 2025, Br J Sports Med 59:1203-1210"
FOSTER = "Foster 1998, Med Sci Sports Exerc 30:1164-1168"
HOOPER = "Hooper & Mackinnon 1995, Sports Med 20:321-327"
HALSON = "Halson 2014, Sports Med 44(Suppl 1):S13-S23"


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


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
    """The athlete's finished check-ins, newest first (what a coach sees); with ``of_week``,
    the one of the week holding that day."""
    with ctx.session() as session:
        entries = finished_entries(session, ctx.actor, ctx.athlete_id, limit=52 if of_week else 4)
        if of_week:
            try:
                monday = week_of(date.fromisoformat(of_week)).isoformat()
            except ValueError:
                return ToolResult.failure(TOOL, "Give the week as a date, YYYY-MM-DD.")
            entries = [e for e in entries if e.week == monday]
        rows = [
            {"week": e.week, "answers": e.answers, "summary": e.summary.get("lines", [])}
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


def checkin_flow(ctx: ToolContext, data: dict[str, Any], message: str) -> FlowStep:
    """One turn of the check-in (see the module docstring)."""
    if ctx.actor.id != ctx.athlete_id:
        return FlowStep(result=latest_checkins(ctx, data.get("of_week")))
    if "week" not in data:
        return _open(ctx, message, data.get("of_week"))
    asked = data.get("asked")
    answers = dict(data.get("answers", {}))
    found = read_message(message, asked)
    retried = data.get("retried") == asked
    got = found.get(asked) if asked else None
    unread = asked in SCORED and got is not None and got.score is None and not got.skipped
    if unread and not retried:
        return FlowStep(
            ask=(
                "I couldn't read a score from that. A word such as good, so-so or bad, a "
                f"number from 1 to 7, or 'skip' all work. {QUESTIONS[asked]}"
            ),
            data=data | {"retried": asked},
        )
    for item, answer in found.items():
        answers[item] = answer.to_dict()
    return _next(ctx, data | {"answers": answers, "retried": None})


def _open(ctx: ToolContext, message: str, of_week: str | None = None) -> FlowStep:
    if of_week or SHOW.search(message):  # asked to see one: shown, not done again
        return FlowStep(result=latest_checkins(ctx, of_week))
    week = week_of(ctx.day)
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
    answers = {} if restart else stored
    for item, answer in read_message(message, None).items():
        answers[item] = answer.to_dict()
    data = {"week": week.isoformat(), "opening": opening, "answers": answers}
    resumed = bool(stored) and not restart and not done
    lead = "Welcome back: let's carry on with this week's check-in.\n\n" if resumed else ""
    step = _next(ctx, data)
    if step.result is None:
        step.ask = f"{lead}{opening['text']}\n\n{step.ask}"
        step.shown = ToolResult(
            tool=TOOL,
            facts=[Fact(name, value) for name, value in opening["facts"].items()],
            data={"opening": opening["text"]},
            reasons=["the week's numbers from your activities"],
        )
    return step


def _next(ctx: ToolContext, data: dict[str, Any]) -> FlowStep:
    answers = data["answers"]
    with ctx.session() as session:
        save_entry(session, ctx.actor, ctx.athlete_id, data["week"], answers=answers)
    for item in ITEMS:
        if item not in answers:
            return FlowStep(ask=QUESTIONS[item], data=data | {"asked": item})
    return FlowStep(result=_close(ctx, data))


def week_in_numbers(ctx: ToolContext, week: date) -> dict[str, Any]:
    """The week so far, from the tools: volume against the four weeks before, the long run,
    load, form and spikes, changes in the runner's metrics, video analyses, last check-in."""
    end = week + timedelta(days=6)
    lines: list[str] = [f"**Your week from {week.isoformat()}**"]
    facts: dict[str, Any] = {}
    report = load_report(ctx, min(end, ctx.day))
    frame = report.sessions.frame
    if frame.empty:
        lines.append("- No activities stored yet, so no numbers this time.")
    else:
        runs = frame[frame["sport"].isin(FOOT_SPORTS)]
        this = runs[(runs["date"] >= pd.Timestamp(week)) & (runs["date"] <= pd.Timestamp(end))]
        before = runs[
            (runs["date"] >= pd.Timestamp(week - timedelta(weeks=4)))
            & (runs["date"] < pd.Timestamp(week))
        ]
        km, usual = float(this["distance_km"].sum()), float(before["distance_km"].sum()) / 4
        facts |= {
            "week_km": round(km, 1),
            "week_sessions": len(this),
            "usual_week_km": round(usual, 1),
            "usual_week_sessions": round(len(before) / 4, 1),
        }
        lines.append(
            f"- Running: {facts['week_km']} km in {len(this)} sessions, against "
            f"{facts['usual_week_km']} km and {facts['usual_week_sessions']} sessions a week "
            "over the four weeks before."
        )
        if len(this):
            longest = this.loc[this["distance_km"].idxmax()]
            facts["long_run_km"] = round(float(longest["distance_km"]), 1)
            lines.append(
                f"- Longest run: {facts['long_run_km']} km on {longest['date'].date().isoformat()}."
            )
        today = report.days.loc[pd.Timestamp(report.day)]
        facts |= {
            "fitness": round(float(today["fitness"]), 1),
            "form": round(float(today["form"]), 1),
        }
        lines.append(f"- Load: fitness {facts['fitness']}, form {facts['form']}.")
        spikes = [s for s in report.spikes if week <= s.date.date() <= end]
        for spike in spikes:
            lines.append(
                f"- Long-run spike: {spike.distance_km:.1f} km on {spike.date.date().isoformat()}, "
                f"{spike.increase_pct:.0f} % over the longest of the 30 days before."
            )
        facts["spikes"] = len(spikes)
        changes = overview(ctx, (week - timedelta(weeks=12)).isoformat())
        recent = (
            [
                f"{OVERVIEW[key].replace('_', ' ')} {c['before_text']} → {c['after_text']}"
                for key, c in (changes.data.get("latest_changes") or {}).items()
                if c["date"] >= (week - timedelta(weeks=4)).isoformat()
            ]
            if changes.ok
            else []
        )
        if recent:
            lines.append("- Changed lately: " + "; ".join(recent) + ".")
    with ctx.session() as session:
        videos = [
            r
            for r in list_gait_reports(session, ctx.actor, ctx.athlete_id)
            if week <= r.created_at.date() <= end
        ]
        last = finished_entries(session, ctx.actor, ctx.athlete_id, limit=1)
        last = [e for e in last if e.week < week.isoformat()]
    if videos:
        lines.append(f"- Video analyses this week: {len(videos)}.")
        facts["videos"] = len(videos)
    strength = strength_sessions_between(ctx, week, min(end, ctx.day))
    facts["strength_sessions"] = len(strength)
    if strength:
        sets = sum(s.working_sets for s in strength)
        lines.append(
            f"- Strength: {len(strength)} sessions, {sets} working sets ("
            + "; ".join(escape(", ".join(s.exercises[:3])) for s in strength)
            + ")."
        )
    else:
        lines.append("- Strength: no sessions logged this week.")
    if last:
        said = [
            f"{item} {a['word']} (“{escape(a['words'])}”)"
            for item, a in scored(last[0].answers).items()
        ]
        if said:
            lines.append(f"- Last check-in ({last[0].week}): " + "; ".join(said) + ".")
    return {"text": "\n".join(lines), "facts": facts}


def _close(ctx: ToolContext, data: dict[str, Any]) -> ToolResult:
    answers = {k: Answer(**v) for k, v in data["answers"].items()}
    facts_found = data["opening"]["facts"]
    lines = [data["opening"]["text"], "", "**What you told me**"]
    facts = []
    for item in SCORED:
        answer = answers.get(item)
        if answer is None or answer.skipped:
            lines.append(f"- {item.capitalize()}: skipped.")
        elif answer.score is None:
            lines.append(f"- {item.capitalize()}: “{escape(answer.words)}” (no score read).")
        else:
            facts.append(Fact(item, answer.score, "/7"))
            word = SCALE_WORDS[round(answer.score)]
            lines.append(f"- {item.capitalize()}: {word} (“{escape(answer.words)}”).")
    effort = answers.get("effort")
    if effort is not None and effort.score is not None:
        facts.append(Fact("session_effort", effort.score, "/10"))
        lines.append(f"- Key sessions felt {effort.score:g} of 10 (“{escape(effort.words)}”).")
    pain = answers.get("pain")
    if pain is not None and pain.score:
        lines.append(f"- Pain: “{escape(pain.words)}”.")
    constraints = answers.get("constraints")
    if (
        constraints is not None
        and constraints.words not in ("", "none")
        and not constraints.skipped
    ):
        lines.append(f"- Next week: “{escape(constraints.words)}”.")
    wellness = [a.score for i, a in answers.items() if i in SCORED and a.score is not None]
    if wellness:
        facts.append(Fact("wellness_total", sum(wellness), f"/{7 * len(wellness)}"))
    focus = _focus(answers, facts_found)
    lines += ["", "**Focus for next week**", *(f"- {f['text']}" for f in focus)]
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
            summary={"lines": lines, "focus": focus, "facts": facts_found},
        )
    return result


def _focus(answers: dict[str, Answer], numbers: dict[str, Any]) -> list[dict[str, str]]:
    """One to three things for next week, each with its reason and source."""
    focus: list[dict[str, str]] = []
    score = {i: a.score for i, a in answers.items() if a.score is not None}
    pain = answers.get("pain")
    if pain is not None and pain.score:
        focus.append(
            {
                "text": "Run only what stays pain-free and does not change how you run; if the "
                "pain lasts more than a few days, gets worse or makes you limp, have a physio or "
                "doctor look at it.",
                "reason": "you reported pain",
                "source": "",
            }
        )
    if numbers.get("spikes"):
        focus.append(
            {
                "text": "Keep next week's longest run within 10 % of your longest of the last 30 "
                f"days; a single run beyond that went with more overuse injuries ({FRANDSEN}).",
                "reason": "a long-run spike this week",
                "source": FRANDSEN,
            }
        )
    tired = [i for i in SCORED if score.get(i, 0) >= HIGH]
    if tired:
        focus.append(
            {
                "text": f"Make next week lighter: your {', '.join(tired)} scored {HIGH:g} of 7 or "
                f"worse. Tracking these scores is a way to notice too much load early "
                f"({HOOPER}), and sleep is central to recovery ({HALSON}).",
                "reason": f"{', '.join(tired)} at {HIGH:g}/7 or worse",
                "source": f"{HOOPER}; {HALSON}",
            }
        )
    if score.get("effort", 0) >= 8 and numbers.get("form", 0) < 0:
        focus.append(
            {
                "text": "Keep the easy runs truly easy: the key sessions felt very hard while your "
                f"form is below zero; vary hard and easy days ({FOSTER}).",
                "reason": "hard sessions on tired legs",
                "source": FOSTER,
            }
        )
    if not focus:
        focus.append(
            {
                "text": "Carry on as planned: you feel well and the load is steady. Build by "
                f"keeping any longer run within 10 % of your recent longest ({FRANDSEN}).",
                "reason": "no warning sign in your answers or numbers",
                "source": FRANDSEN,
            }
        )
    return focus[:3]


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    if data.get("shown") == "history":
        lines = []
        for entry in data["checkins"]:
            lines.append(f"**Check-in, week of {entry['week']}**")
            lines += [line for line in entry["summary"] if not line.startswith("**Your week")]
        body = "\n".join(lines)
        return f"{result.message}\n\n{body}".strip() if result.message else body
    lead = [result.message, ""] if result.message else []
    return "\n".join([*lead, *data["lines"], "", *[f"Note: {c}" for c in result.caveats]]).strip()


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
)
