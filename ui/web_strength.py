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
from ui.web_format import number, styled_table, weight, whole
from ui.web_session import tab_context
from ui.web_trends import PICK_AN_ATHLETE

EXERCISE_HEADERS = [
    "Exercise",
    "Sessions",
    "Working sets",
    "Volume (kg)",
    "Best e1RM (kg)",
    "Heaviest (kg)",
    "Last done",
]
#: How the table's numbers read: volume in whole kg with thousands separators, weights to 0.1.
EXERCISE_FORMATS = {
    "Sessions": whole,
    "Working sets": whole,
    "Volume (kg)": whole,
    "Best e1RM (kg)": weight,
    "Heaviest (kg)": weight,
}
E1RM_TITLE = "Estimated 1RM per session (Epley)"
VOLUME_TITLE = "Weekly strength volume (kg × reps, working sets)"
GROUPS_TITLE = "Working sets per runner group"


def summary_text(who: str, history: History | None) -> str:
    """The tab's headline in Markdown (names escaped), written as the Trends tab's is: who,
    the period, then the counts."""
    if history is None or not history.sessions:
        return (
            f"**{escape(who)}** has no strength sessions yet. Log one in the chat (“3x8 squats "
            "at 60kg”) or import a Strong or Hevy export on the Activities tab."
        )
    return (
        f"**{escape(who)}** · {history.start} to {history.end} · {number(history.sessions)} "
        f"sessions ({history.per_week:.1f} a week), {number(history.working_sets)} working sets, "
        f"{number(history.volume_kg)} kg volume\n\nEstimated 1RM: {EPLEY}, an estimate."
    )


def exercise_rows(history: History) -> list[list[Any]]:
    rows = sorted(history.exercises.values(), key=lambda s: -s.sets)
    return [
        [
            s.name,
            s.sessions,
            s.sets,
            s.volume_kg,
            s.best_e1rm,
            s.heaviest_kg,
            s.last_day.isoformat() if s.last_day else "",
        ]
        for s in rows
    ]


def exercise_table(history: History) -> Any:
    """The table by exercise as the page shows it (numbers formatted, still sortable)."""
    return styled_table(EXERCISE_HEADERS, exercise_rows(history), EXERCISE_FORMATS)


def e1rm_figure(history: History, exercise: str | None) -> go.Figure:
    """The estimated 1RM of ``exercise`` per session, its new bests starred."""
    stats = history.exercises.get(exercise or "")
    y_title = "estimated 1RM (kg)"
    if stats is None or not stats.e1rm_by_day:
        return figures.empty_figure(
            E1RM_TITLE, "Pick an exercise with weighted sets of 1-12 reps", "date", y_title
        )
    days = [d for d, _ in stats.e1rm_by_day]
    values = [round(v, 1) for _, v in stats.e1rm_by_day]
    records = set(stats.record_days)
    best = [(d, v) for d, v in zip(days, values, strict=True) if d in records]
    name = figures.plain(stats.name)
    return figures.figure(
        f"{name}: {E1RM_TITLE[0].lower()}{E1RM_TITLE[1:]}",
        data=[
            go.Scatter(
                x=[d.isoformat() for d in days],
                y=values,
                mode="lines+markers",
                name="estimated 1RM",
                line={"color": figures.ORANGE, "width": 2},
                marker={"size": 6, "color": figures.ORANGE},
                hovertemplate="%{x|%Y-%m-%d}: %{y:,.1f} kg<extra></extra>",
            ),
            go.Scatter(
                x=[d.isoformat() for d, _ in best],
                y=[v for _, v in best],
                mode="markers",
                name="new best",
                marker={
                    "symbol": "star",
                    "size": 13,
                    "color": figures.PURPLE,
                    "line": {"width": 1},
                },
                hovertemplate="%{x|%Y-%m-%d}: new best, %{y:,.1f} kg<extra></extra>",
            ),
        ],
        xaxis={"title": {"text": "date"}, **figures.week_axis(days[0], days[-1])},
        yaxis={"title": {"text": y_title}},
    )


def volume_figure(history: History) -> go.Figure:
    """Kilograms lifted (weight × reps of the working sets) per Monday-to-Sunday week."""
    x_title, y_title = "week (starting Monday)", "volume (kg)"
    if not history.weeks:
        return figures.empty_figure(VOLUME_TITLE, "No sessions yet", x_title, y_title)
    weeks = [w["week"] for w in history.weeks]
    labels = [
        f"week of {w['week']}: {number(w['volume_kg'])} kg in {w['sessions']} "
        f"session{'s' if w['sessions'] != 1 else ''}, {w['sets']} sets"
        for w in history.weeks
    ]
    return figures.figure(
        VOLUME_TITLE,
        data=[
            go.Bar(
                x=weeks,
                y=[round(w["volume_kg"]) for w in history.weeks],
                name="kg per week",
                marker_color=figures.ORANGE,
                hovertext=labels,
                hoverinfo="text",
            )
        ],
        bargap=0.15,
        showlegend=True,
        xaxis={"title": {"text": x_title}, **figures.week_axis(weeks[0], weeks[-1])},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero", "tickformat": ",d"},
    )


def groups_figure(history: History) -> go.Figure:
    """Working sets per runner group (the library's groups, in its order)."""
    x_title, y_title = "runner group", "working sets"
    if not history.groups:
        return figures.empty_figure(GROUPS_TITLE, "No library exercises logged", x_title, y_title)
    names = [g for g in GROUPS if g in history.groups]
    return figures.figure(
        GROUPS_TITLE,
        data=[
            go.Bar(
                x=[GROUPS[g] for g in names],
                y=[history.groups[g]["sets"] for g in names],
                name="working sets",
                marker_color=figures.ORANGE,
                hovertemplate="%{x}: %{y} working sets<extra></extra>",
            )
        ],
        bargap=0.3,
        showlegend=True,
        xaxis={"title": {"text": x_title}},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
    )


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
            return self._empty(str(error), str(error))
        rows, _ = set_rows(ctx, None, ctx.day)
        history = history_of(rows) if rows else None
        if history is None:
            text = summary_text(who, None)
            if ctx.actor.role == "coach" and ctx.athlete_id == ctx.actor.id:
                text = f"**{escape(who)}** (you) has no strength sessions yet. {PICK_AN_ATHLETE}"
            return self._empty(safe_markdown(text), "No strength sessions yet")
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
            volume_figure(history),
            groups_figure(history),
            gr.Dropdown(choices=choices, value=exercise),
            e1rm_figure(history, exercise),
            exercise_table(history),
            safe_markdown("\n".join(routine_lines) or "No saved routines yet."),
        )

    @staticmethod
    def _empty(summary: str, message: str) -> tuple[Any, ...]:
        """The tab with nothing to draw: each figure under its own title says ``message``."""
        return (
            summary,
            figures.empty_figure(VOLUME_TITLE, message, "week (starting Monday)", "volume (kg)"),
            figures.empty_figure(GROUPS_TITLE, message, "runner group", "working sets"),
            gr.Dropdown(choices=[], value=None),
            figures.empty_figure(E1RM_TITLE, message, "date", "estimated 1RM (kg)"),
            styled_table(EXERCISE_HEADERS, []),
            "",
        )

    def build(self, athlete: gr.Dropdown, tab: gr.Tab) -> None:
        """The tab's components and events, inside ``tab``; it follows ``athlete``."""
        opened = gr.State(False)
        # Laid out as the Trends tab is: the headline, the weekly figure, then one chosen
        # exercise over time (as Trends' metric), then the details.
        summary = gr.Markdown(elem_id="strength-summary")
        volume = gr.Plot(elem_id="strength-volume", show_label=False)
        groups = gr.Plot(elem_id="strength-groups", show_label=False)
        exercise = gr.Dropdown(label="Exercise", choices=[], elem_id="strength-exercise")
        e1rm = gr.Plot(elem_id="strength-e1rm", show_label=False)
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
        outputs = [summary, volume, groups, exercise, e1rm, table, routines]
        tab.select(lambda: True, None, [opened], **private).then(
            self.refresh, inputs, outputs, **private
        )
        athlete.change(self.refresh, inputs, outputs, **private)
        exercise.input(self.refresh, inputs, outputs, **private)
