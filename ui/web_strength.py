"""The Strength tab: sessions, volume and records of the athlete shown (a coach's pick), the
estimated one-rep max (Epley) of an exercise over time, weekly volume, sets per runner group and
the saved routines. Numbers come from :mod:`tools.strength` (the same functions the chat's
``strength_history`` uses); this module only draws them."""

from __future__ import annotations

from typing import Any

import gradio as gr
import plotly.graph_objects as go

from storage.access import AccessDenied
from storage.db import Database
from storage.settings import Settings
from storage.strength import routines_of
from tools.context import ToolContext
from tools.markdown import escape, safe_markdown
from tools.strength.library import GROUPS
from tools.strength.routines import item_line
from tools.strength.sessions import set_rows
from tools.strength.stats import EPLEY, History, history_of
from ui import trends_figures as figures
from ui.web_session import tab_context

EXERCISE_HEADERS = [
    "Exercise",
    "Sessions",
    "Working sets",
    "Volume (kg)",
    "Best e1RM (kg)",
    "Heaviest (kg)",
    "Last done",
]


def summary_text(who: str, history: History | None) -> str:
    """The tab's headline in Markdown (names escaped)."""
    if history is None or not history.sessions:
        return (
            f"**{escape(who)}** has no strength sessions yet. Log one in the chat (“3x8 squats "
            "at 60kg”) or import a Strong or Hevy export on the Activities tab."
        )
    return (
        f"**{escape(who)}** · {history.start} to {history.end} · {history.sessions} sessions "
        f"({history.per_week:.1f} a week) · {history.working_sets} working sets · "
        f"{history.volume_kg:,.0f} kg volume. Estimated 1RM: {EPLEY}, an estimate."
    )


def exercise_rows(history: History) -> list[list[Any]]:
    rows = sorted(history.exercises.values(), key=lambda s: -s.sets)
    return [
        [
            s.name,
            s.sessions,
            s.sets,
            round(s.volume_kg),
            round(s.best_e1rm, 1) if s.best_e1rm is not None else None,
            s.heaviest_kg,
            s.last_day.isoformat() if s.last_day else "",
        ]
        for s in rows
    ]


def e1rm_figure(history: History, exercise: str | None) -> go.Figure:
    stats = history.exercises.get(exercise or "")
    if stats is None or not stats.e1rm_by_day:
        return figures.empty_figure(
            "Estimated 1RM", "Pick an exercise with weighted sets of 1-12 reps", "", "kg"
        )
    figure = go.Figure(
        go.Scatter(
            x=[d.isoformat() for d, _ in stats.e1rm_by_day],
            y=[round(v, 1) for _, v in stats.e1rm_by_day],
            mode="lines+markers",
            name="estimated 1RM",
        )
    )
    records = {d for d in stats.record_days}
    figure.add_trace(
        go.Scatter(
            x=[d.isoformat() for d, _ in stats.e1rm_by_day if d in records],
            y=[round(v, 1) for d, v in stats.e1rm_by_day if d in records],
            mode="markers",
            marker={"symbol": "star", "size": 11},
            name="new best",
        )
    )
    figure.update_layout(
        title=f"{stats.name}: estimated 1RM (Epley) per session",
        yaxis_title="kg",
        height=340,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
    )
    return figure


def volume_figure(history: History) -> go.Figure:
    if not history.weeks:
        return figures.empty_figure("Weekly strength volume", "No sessions yet", "", "kg")
    figure = go.Figure(
        go.Bar(
            x=[w["week"] for w in history.weeks],
            y=[round(w["volume_kg"]) for w in history.weeks],
            name="volume",
            customdata=[[w["sessions"], w["sets"]] for w in history.weeks],
            hovertemplate="week of %{x}<br>%{y} kg<br>%{customdata[0]} sessions, "
            "%{customdata[1]} sets<extra></extra>",
        )
    )
    figure.update_layout(
        title="Weekly strength volume (kg × reps, working sets)",
        yaxis_title="kg",
        height=320,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
    )
    return figure


def groups_figure(history: History) -> go.Figure:
    if not history.groups:
        return figures.empty_figure("Sets per runner group", "No library exercises logged")
    names = [g for g in GROUPS if g in history.groups]
    figure = go.Figure(
        go.Bar(
            x=[GROUPS[g] for g in names],
            y=[history.groups[g]["sets"] for g in names],
            name="working sets",
        )
    )
    figure.update_layout(
        title="Working sets per runner group",
        height=300,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
    )
    return figure


class StrengthHandler:
    """Handlers of the Strength tab, for one database and settings."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def _context(self, request: gr.Request, athlete_choice: str | None) -> tuple[ToolContext, str]:
        return tab_context(self.db, self.settings, request, athlete_choice)

    def refresh(
        self,
        opened: bool,
        athlete_choice: str | None,
        exercise: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Everything the tab shows (nothing until it is opened)."""
        if not opened:
            return tuple(gr.skip() for _ in range(7))
        try:
            ctx, who = self._context(request, athlete_choice)
        except AccessDenied as error:
            empty = figures.empty_figure("Strength", str(error))
            return str(error), gr.Dropdown(choices=[]), empty, empty, empty, [], ""
        rows, _ = set_rows(ctx, None, ctx.day)
        history = history_of(rows) if rows else None
        if history is None:
            empty = figures.empty_figure("Strength", "No strength sessions yet")
            return summary_text(who, None), gr.Dropdown(choices=[]), empty, empty, empty, [], ""
        choices = [s.name for s in sorted(history.exercises.values(), key=lambda s: -s.sets)
                   if s.e1rm_by_day]  # fmt: skip
        if exercise not in choices:
            exercise = choices[0] if choices else None
        with ctx.session() as session:
            routines = [(r.name, r.items) for r in routines_of(session, ctx.actor, ctx.athlete_id)]
        routine_lines = []
        for name, items in routines:
            routine_lines += [f"**{escape(name)}**", *(item_line(i) for i in items)]
        return (
            safe_markdown(summary_text(who, history)),
            gr.Dropdown(choices=choices, value=exercise),
            e1rm_figure(history, exercise),
            volume_figure(history),
            groups_figure(history),
            exercise_rows(history),
            safe_markdown("\n".join(routine_lines) or "No saved routines yet."),
        )

    def build(self, athlete: gr.Dropdown, tab: gr.Tab) -> None:
        """The tab's components and events, inside ``tab``; it follows ``athlete``."""
        opened = gr.State(False)
        summary = gr.Markdown(elem_id="strength-summary")
        exercise = gr.Dropdown(label="Exercise", choices=[], elem_id="strength-exercise")
        e1rm = gr.Plot(elem_id="strength-e1rm", show_label=False)
        volume = gr.Plot(elem_id="strength-volume", show_label=False)
        groups = gr.Plot(elem_id="strength-groups", show_label=False)
        table = gr.Dataframe(
            headers=EXERCISE_HEADERS,
            interactive=False,
            elem_id="strength-exercises",
            label="By exercise (warm-up sets left out)",
            wrap=True,
        )
        gr.Markdown("### Routines")
        routines = gr.Markdown(elem_id="strength-routines")
        private: dict[str, Any] = {"api_visibility": "private"}
        inputs = [opened, athlete, exercise]
        outputs = [summary, exercise, e1rm, volume, groups, table, routines]
        tab.select(lambda: True, None, [opened], **private).then(
            self.refresh, inputs, outputs, **private
        )
        athlete.change(self.refresh, inputs, outputs, **private)
        exercise.input(self.refresh, inputs, outputs, **private)
