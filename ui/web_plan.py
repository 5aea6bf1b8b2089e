"""The Plan tab: the athlete's current training plan (the one the chat made or changed, or their
coach's) as a week calendar, its notes, and downloads of it as a calendar file (.ics) and as FIT
workouts for a watch (a zip). The plan and the files come from :mod:`tools.plans` (the same
functions the chat and ``coachg plan export`` use); this module only lays them out."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gradio as gr

from storage.access import AccessDenied
from storage.db import Database
from storage.settings import Settings
from tools.context import ToolContext
from tools.markdown import escape, safe_markdown
from tools.plans import fit, ics
from tools.plans.model import Plan, Session
from tools.plans.store import MADE, StoredPlan, stored_plan
from ui.web_files import publish
from ui.web_format import km, styled_table
from ui.web_session import tab_context

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HEADERS = ["Week of", *DAYS, "Planned km"]
FORMATS = {"Planned km": km}
NO_PLAN = "has no training plan yet. Ask in the chat: “plan my next week”."


def cell(sessions: list[Session]) -> str:
    """A day's sessions as short words: "Long 23.1 km", "Tempo 15.4 km + Strength", "Rest"."""
    parts = []
    for s in sessions:
        if s.is_run or s.type == "race":
            parts.append(f"{s.type.capitalize()} {s.km:.1f} km")
        elif s.type == "strength":
            parts.append(f"Strength {s.minutes:.0f} min")
        else:
            parts.append("Rest")
    return " + ".join(parts)


def calendar_rows(plan: Plan) -> list[list[Any]]:
    """The plan as Monday-to-Sunday weeks: a row a week, a cell a day (empty outside the plan),
    and the week's planned running km."""
    first = plan.start - timedelta(days=plan.start.weekday())
    rows = []
    monday = first
    while monday <= plan.end:
        days = [monday + timedelta(days=i) for i in range(7)]
        cells = [cell([s for s in plan.sessions if s.day == d]) for d in days]
        total = sum(s.km for s in plan.sessions if s.is_run and days[0] <= s.day <= days[-1])
        rows.append([monday.isoformat(), *cells, round(total, 1)])
        monday += timedelta(days=7)
    return rows


def summary_text(who: str, stored: StoredPlan | None) -> str:
    """The tab's headline in Markdown (names escaped): whose plan, its days, who made it."""
    if stored is None:
        return f"**{escape(who)}** {NO_PLAN}"
    plan = stored.plan
    by = f" by {escape(stored.author)}" if stored.by_coach and stored.author else ""
    change = "" if stored.change in ("", MADE) else f" · last change: {escape(stored.change)}"
    return (
        f"**{escape(who)}** · plan from {plan.start} to {plan.end}, {len(plan.weeks)} week(s), "
        f"made{by} on {stored.created_at.date()}{change}\n\n"
        "Change it in the chat: “move Thursday's run to Friday”, “make Sunday shorter”, "
        "“I'm ill, clear this week”."
    )


def plan_files(ctx: ToolContext, stored: StoredPlan, who: str) -> tuple[Path, Path]:
    """The plan as an .ics file and a zip of FIT workouts, in the athlete's media folder."""
    folder = ctx.media_dir / "plans"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"plan-{stored.plan.start}-v{stored.id}"
    calendar = ics.write_ics(stored.plan, folder / f"{stem}.ics", who)
    workouts = folder / f"{stem}-fit-workouts.zip"
    workouts.write_bytes(fit.fit_zip(stored.plan))
    return calendar, workouts


def _today_row(plan: Plan, today: date) -> str:
    session = [s for s in plan.sessions if s.day == today]
    if not session:
        return ""
    text = "; ".join(f"{s.title()}. {s.description()}".strip() for s in session)
    return f"**Today ({today:%a %d %b}):** {escape(text)}"


class PlanHandler:
    """The Plan tab's events; every one re-checks whom the user may see."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def refresh(
        self, opened: bool, athlete_choice: str | None, request: gr.Request
    ) -> tuple[Any, ...]:
        """Everything the tab shows (nothing until it is opened)."""
        if not opened:
            return tuple(gr.skip() for _ in range(6))
        hidden = gr.DownloadButton(value=None, visible=False)
        try:
            ctx, who = tab_context(self.db, self.settings, request, athlete_choice)
        except AccessDenied as error:
            return str(error), "", styled_table(HEADERS, []), "", hidden, hidden
        stored = stored_plan(ctx)
        if stored is None:
            text = safe_markdown(summary_text(who, None))
            return text, "", styled_table(HEADERS, []), "", hidden, hidden
        calendar, workouts = plan_files(ctx, stored, who if ctx.about_someone_else else "")
        notes = "\n".join(f"- {escape(note)}" for note in stored.plan.notes)
        return (
            safe_markdown(summary_text(who, stored)),
            safe_markdown(_today_row(stored.plan, ctx.day)),
            styled_table(HEADERS, calendar_rows(stored.plan), FORMATS),
            safe_markdown(notes),
            gr.DownloadButton(value=publish(calendar, ctx.athlete_id, self.db), visible=True),
            gr.DownloadButton(value=publish(workouts, ctx.athlete_id, self.db), visible=True),
        )

    def build(self, athlete: gr.Dropdown, tab: gr.Tab) -> None:
        """The tab's components and events, inside ``tab``; it follows ``athlete``."""
        opened = gr.State(False)
        summary = gr.Markdown(elem_id="plan-summary")
        today = gr.Markdown(elem_id="plan-today")
        table = gr.Dataframe(
            headers=HEADERS,
            interactive=False,
            elem_id="plan-calendar",
            label="The plan, a week a row",
            wrap=True,
        )
        with gr.Row():
            ics_button = gr.DownloadButton(
                "Calendar (.ics)", visible=False, elem_id="plan-ics", size="sm"
            )
            fit_button = gr.DownloadButton(
                "Watch workouts (FIT, zip)", visible=False, elem_id="plan-fit", size="sm"
            )
        gr.Markdown("### The plan's rules and notes")
        notes = gr.Markdown(elem_id="plan-notes")
        private: dict[str, Any] = {"api_visibility": "private"}
        outputs = [summary, today, table, notes, ics_button, fit_button]
        tab.select(lambda: True, None, [opened], **private).then(
            self.refresh, [opened, athlete], outputs, **private
        )
        athlete.change(self.refresh, [opened, athlete], outputs, **private)
