"""The "Trends" tab: weekly volume, fitness / fatigue / form with long-run spikes, one metric
over time, two sessions compared, a route heatmap and, for a coach, a roster of their athletes.

The numbers come from the tools (``tools.trends.history``, ``training_load``,
``detect_changes``); this module only chooses the period and the athlete and hands the frames to
:mod:`ui.trends_figures`. Whom a figure is about is decided from the login and re-checked in
storage (``ToolContext`` raises ``AccessDenied``), never taken from the browser.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import gradio as gr
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from storage.access import AccessDenied, visible_athlete_ids
from storage.activities import get_activity, get_streams
from storage.db import Database
from storage.metrics import fingerprint, load_tracks
from storage.models import User
from storage.settings import Settings
from storage.users import athletes_of
from tools.context import ToolContext
from tools.importing.sports import FOOT_SPORTS
from tools.markdown import escape
from tools.trends.changes import METRICS as CHANGE_METRICS
from tools.trends.changes import detect_changes
from tools.trends.history import history
from tools.trends.metrics import local_date
from tools.trends.training_load import load_report, training_load
from ui import trends_figures as figures
from ui.web_format import km as km_text
from ui.web_format import number, styled_table, whole
from ui.web_session import acting_user, tab_context

log = logging.getLogger(__name__)

#: The period choices and their length in days (None: everything).
PERIODS: dict[str, int | None] = {
    "Last 3 months": 91,
    "Last 6 months": 182,
    "Last year": 365,
    "All": None,
}
DEFAULT_PERIOD = "Last 6 months"
DEFAULT_METRIC = "pace_s_per_km"
METRIC_CHOICES = [(m.label, m.key) for m in figures.METRICS.values()]
BACKGROUNDS = [
    ("Map (OpenStreetMap tiles, fetched by your browser when online)", "map"),
    ("Plain (nothing fetched)", "plain"),
]
X_AXES = [("distance", "distance"), ("time", "time")]
#: The tab's metrics whose changes ``detect_changes`` finds (not the grade-adjusted pace).
CHANGE_KEYS = frozenset(m.key for m in CHANGE_METRICS)
#: Runs offered in each session picker, newest first.
SESSION_LIMIT = 300
#: Days of the roster's spike column.
SPIKE_DAYS = 30
ROSTER_COLUMNS = (
    ("athlete", "athlete"),
    ("as_of", "as of"),
    ("last_session", "last session"),
    ("km_7_days", "km, last 7 days"),
    ("fitness", "fitness"),
    ("fatigue", "fatigue"),
    ("form", "form"),
    ("acute_chronic", "acute:chronic"),
    ("spikes", f"long-run spikes ({SPIKE_DAYS} days)"),
)
ROSTER_HEADERS = [label for _, label in ROSTER_COLUMNS]
#: How the roster's numbers read: km to 0.1, load in whole points, the ratio to 0.01.
ROSTER_FORMATS = {
    "km, last 7 days": km_text,
    "fitness": whole,
    "fatigue": whole,
    "form": whole,
    "acute:chronic": lambda value: number(value, 2),
}
BAD_DATES = "Give dates as YYYY-MM-DD (for example 2025-03-01); showing the chosen period instead."


@dataclass(frozen=True)
class Period:
    """The days shown: ``since`` (None: from the first activity) to ``until``, both included."""

    since: date | None
    until: date
    note: str = ""

    def words(self, first: date | None = None) -> str:
        """``since`` to ``until`` in words (``first``: the first activity, when from the start)."""
        start = self.since or first
        return f"{start.isoformat() if start else 'the start'} to {self.until.isoformat()}"


def _day(text: str | None) -> date | None:
    text = (text or "").strip()
    return date.fromisoformat(text[:10]) if text else None


def period_of(
    choice: str | None,
    since_text: str | None = None,
    until_text: str | None = None,
    today: date | None = None,
    last_activity: date | None = None,
) -> Period:
    """The period to show: typed dates win over the chosen length. When nothing happened in
    the chosen length up to today, it ends on ``last_activity`` instead, and says so."""
    today = today or date.today()
    days = PERIODS.get(choice or DEFAULT_PERIOD, PERIODS[DEFAULT_PERIOD])
    note = ""
    try:
        since, until = _day(since_text), _day(until_text)
    except ValueError:
        since = until = None
        note = BAD_DATES
    if since or until:
        until = until or today
        if since and since > until:
            since, until = until, since
        return Period(since, until, note)
    until = today
    quiet = days is not None and last_activity is not None
    if quiet and last_activity < today - timedelta(days=days - 1):
        until = last_activity
        note = (
            f"Nothing in the {(choice or DEFAULT_PERIOD).lower()} up to today: showing the same "
            f"length up to the last activity, on {last_activity.isoformat()}."
        )
    since = until - timedelta(days=days - 1) if days is not None else None
    return Period(since, until, note)


@dataclass
class TrendsView:
    """Everything the tab shows for one athlete and period."""

    summary: str
    volume: go.Figure
    load: go.Figure
    metric: go.Figure
    comparison: go.Figure
    routes: go.Figure
    period: Period | None = None
    sessions: list[tuple[str, str]] = field(default_factory=list)
    first: str | None = None
    second: str | None = None


def _in_period(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    if frame.empty:
        return frame
    keep = frame["date"] <= pd.Timestamp(period.until)
    if period.since is not None:
        keep &= frame["date"] >= pd.Timestamp(period.since)
    return frame[keep]


def session_choices(frame: pd.DataFrame, also: Sequence[str | None] = ()) -> list[tuple[str, str]]:
    """The runs of ``frame`` as picker choices, newest first: (date · name · km, activity id);
    the newest :data:`SESSION_LIMIT`, and the runs ``also`` names (the ones picked)."""
    runs = frame[frame["sport"] == "run"].iloc[::-1]
    picked = runs["activity_id"].astype(str).isin([a for a in also if a])
    runs = runs[(np.arange(len(runs)) < SESSION_LIMIT) | picked.to_numpy()]
    choices = []
    for day, name, km, source, activity_id in zip(
        figures._dates(runs["date"]),
        runs["name"],
        runs["distance_km"],
        runs["source"],
        runs["activity_id"],
        strict=True,
    ):
        label = f"{day} · {' '.join(str(name or 'Run').split())[:60]}"
        if pd.notna(km):
            label += f" · {km:.1f} km"
        if source != "streams":
            label += " · summary only"
        choices.append((label, str(int(activity_id))))
    return choices


def _with_runs(shown: pd.DataFrame, frame: pd.DataFrame, ids: Sequence[str | None]) -> pd.DataFrame:
    """``shown`` and the rows of ``frame`` that ``ids`` name (picked runs outside the period),
    oldest first as the history is."""
    if frame.empty:
        return shown
    named = frame["activity_id"].astype(str).isin([i for i in ids if i])
    extra = frame[named & ~frame.index.isin(shown.index)]
    if extra.empty:
        return shown
    return pd.concat([shown, extra]).sort_values("date", kind="stable")


def default_pair(
    shown: pd.DataFrame, frame: pd.DataFrame | None = None, until: date | None = None
) -> tuple[str | None, str | None]:
    """The two runs compared first: the two newest with samples (streams) in the period
    ``shown``. When it holds fewer than two, the nearest recorded runs of the whole history
    ``frame`` fill in (those up to ``until``, the period's end, newest first; then later ones);
    only a history with fewer than two recorded runs falls back to the newest runs shown."""

    def newest_first(rows: pd.DataFrame) -> list[str]:
        return [str(int(i)) for i in rows.sort_values("date", kind="stable")["activity_id"]][::-1]

    runs = shown[shown["sport"] == "run"] if not shown.empty else shown
    ids = newest_first(runs[runs["source"] == "streams"]) if not runs.empty else []
    if len(ids) < 2 and frame is not None and not frame.empty:
        recorded = frame[(frame["sport"] == "run") & (frame["source"] == "streams")]
        if until is not None:
            end = pd.Timestamp(until)
            before, after = recorded[recorded["date"] <= end], recorded[recorded["date"] > end]
            candidates = newest_first(before) + newest_first(after)[::-1]
        else:
            candidates = newest_first(recorded)
        ids += [i for i in candidates if i not in ids]
    if len(ids) < 2 and not runs.empty:
        ids += [i for i in newest_first(runs) if i not in ids]
    ids = ids[:2]
    return (ids[0] if ids else None, ids[1] if len(ids) > 1 else None)


def session_data(ctx: ToolContext, choice: str | None) -> figures.SessionData | None:
    """A chosen run of the context's athlete, with its streams; None when it is not one."""
    try:
        activity_id = int(str(choice or "").strip())
    except ValueError:
        return None
    with ctx.session() as session:
        activity = get_activity(session, ctx.actor, activity_id)
        if activity is None or activity.user_id != ctx.athlete_id:
            return None
        streams = get_streams(session, ctx.actor, activity.id)
        seconds = activity.moving_time_s or activity.elapsed_time_s
        km = activity.distance_m / 1000.0 if activity.distance_m else None
        label = f"{local_date(activity.start_time, activity.timezone).isoformat()} {activity.name}"
        summary = {
            "pace_s_per_km": seconds / km if seconds and km else None,
            "avg_hr": activity.avg_hr,
            "cadence_spm": activity.avg_cadence_spm,
            "distance_km": km,
            "duration_min": seconds / 60.0 if seconds else None,
        }
    return figures.SessionData(label=label, streams=streams, summary=summary)


#: Said under a coach's own (empty) figures: their athletes are one pick away.
PICK_AN_ATHLETE = "Pick one of your athletes in *Question about* at the top to see theirs here."


def _summary(
    who: str, frame: pd.DataFrame, period: Period, spikes: list[Any], coach: bool = False
) -> str:
    """The tab's headline (``coach``: the figures are a coach's own, not an athlete's)."""
    shown = _in_period(frame, period)
    runs = shown[shown["sport"] == "run"]
    foot_km = shown.loc[shown["sport"].isin(FOOT_SPORTS), "distance_km"].sum()
    first = frame["date"].min().date() if not frame.empty else None
    lines = [
        f"**{escape(who)}** · {period.words(first)} · {number(len(shown))} activities, "
        f"{number(len(runs))} runs, {km_text(foot_km)} km on foot"
    ]
    if period.note:
        lines.append(f"\n{escape(period.note)}")
    start = pd.Timestamp(period.since) if period.since else pd.Timestamp.min
    marked = [s for s in spikes if start <= s.date <= pd.Timestamp(period.until)]
    if marked:
        lines.append(
            f"\n**Long-run spikes** (a run more than 10 % longer than the longest of the 30 days "
            f"before; a risk signal from Frandsen et al. 2025, not a diagnosis): {len(marked)}"
        )
        for spike in marked[-5:]:
            lines.append(
                f"- {spike.date.date().isoformat()} *{escape(spike.name)}*: "
                f"{spike.distance_km:.1f} km, +{spike.increase_pct:.0f} % on "
                f"{spike.previous_longest_km:.1f} km ({spike.band})"
            )
        if len(marked) > 5:
            lines.append(f"- … and {len(marked) - 5} earlier in this period")
    if frame.empty:
        lines = [
            f"**{escape(who)}** has no activities yet. Import some in the Activities tab, or "
            "connect Strava in Settings."
        ]
        if coach:
            lines = [f"**{escape(who)}** (you) has no activities yet. {PICK_AN_ATHLETE}"]
    return "\n".join(lines)


def build_view(
    ctx: ToolContext,
    who: str,
    choice: str | None = DEFAULT_PERIOD,
    since_text: str | None = None,
    until_text: str | None = None,
    metric: str = DEFAULT_METRIC,
    background: figures.RouteBackground = "map",
    x_axis: figures.XAxis = "distance",
    today: date | None = None,
) -> TrendsView:
    """All the figures of the tab for the context's athlete (``who`` names them)."""
    frame = history(ctx)
    last = frame["date"].max().date() if not frame.empty else None
    period = period_of(choice, since_text, until_text, today, last)
    report = load_report(ctx, period.until, frame)
    shown = _in_period(frame, period)
    first, second = default_pair(shown, frame, period.until)
    sessions = session_choices(_with_runs(shown, frame, (first, second)), (first, second))
    tracks = athlete_tracks(ctx, _start(period), period.until)
    return TrendsView(
        summary=_summary(
            who,
            frame,
            period,
            report.spikes,
            coach=ctx.actor.role == "coach" and ctx.athlete_id == ctx.actor.id,
        ),
        volume=figures.weekly_volume(report.weeks, period.since, period.until),
        load=figures.fitness_form(report.days, report.spikes, period.since, period.until),
        metric=metric_figure(ctx, frame, metric, period),
        comparison=figures.session_comparison(
            session_data(ctx, first), session_data(ctx, second), x_axis
        ),
        routes=figures.route_heatmap(tracks, background),
        period=period,
        sessions=sessions,
        first=first,
        second=second,
    )


def change_markers(ctx: ToolContext, metric: str, period: Period) -> list[dict[str, Any]]:
    """The changes the ``detect_changes`` tool finds in ``metric`` from the period's start,
    those up to its end, as :func:`ui.trends_figures.metric_trend` draws them, labelled
    "before → after". Cadence, stride, heart rate and power are compared at the runner's usual
    pace (heart rate also at their usual temperature, where known): their levels are there,
    not at each run's own pace, so they need not sit on the points, and the label says so."""
    if metric not in CHANGE_KEYS:
        return []
    result = detect_changes(ctx, metric, period.since.isoformat() if period.since else None)
    if not result.ok or result.data.get("metric") != metric:
        return []
    adjustment = result.data.get("adjustment") or ""
    where = ""
    if adjustment:
        where = " at usual pace" + (" and temperature" if "temperature" in adjustment else "")
    return [
        {
            "date": change["date"],
            "before": change["before"],
            "after": change["after"],
            "label": f"{change['before_text']} → {change['after_text']}{where}",
        }
        for change in result.data["changes"]
        if change["date"] <= period.until.isoformat()
    ]


def metric_figure(ctx: ToolContext, frame: pd.DataFrame, metric: str, period: Period) -> go.Figure:
    """The trend of ``metric`` over the period (``frame``: the athlete's history), with the
    changes found in it."""
    changes = change_markers(ctx, metric, period)
    return figures.metric_trend(frame, metric, changes, period.since, period.until)


def _start(period: Period) -> datetime | None:
    """The first moment whose GPS tracks are shown (a day early: ``since`` is a local day)."""
    if period.since is None:
        return None
    return datetime.combine(period.since, datetime.min.time(), UTC) - timedelta(days=1)


#: GPS tracks as arrays by (database, athlete, since, until), with the activities' fingerprint
#: they were read at: reading years of tracks (JSON) is the slowest part of the tab.
_TRACKS: OrderedDict[tuple[str, int, str, str], tuple[tuple[int, int], list[np.ndarray]]] = (
    OrderedDict()
)
_TRACKS_KEPT = 8
_TRACKS_LOCK = threading.Lock()


def athlete_tracks(
    ctx: ToolContext, since: datetime | None, until: date | None = None
) -> list[np.ndarray]:
    """The context's athlete's GPS tracks from ``since`` to the local day ``until`` (included;
    ``[[lat, lng], ...]`` arrays), read once and kept until their activities change."""
    with ctx.session() as session:
        mark = fingerprint(session, ctx.actor, ctx.athlete_id)
        key = (
            ctx.db.url,
            ctx.athlete_id,
            since.isoformat() if since else "",
            until.isoformat() if until else "",
        )
        with _TRACKS_LOCK:
            kept = _TRACKS.get(key)
            if kept is not None and kept[0] == mark:
                _TRACKS.move_to_end(key)
                return kept[1]
        tracks = [
            np.asarray(t, dtype=np.float32).reshape(-1, 2)
            for t in load_tracks(session, ctx.actor, ctx.athlete_id, since=since, until=until)
        ]
    with _TRACKS_LOCK:
        _TRACKS[key] = (mark, tracks)
        while len(_TRACKS) > _TRACKS_KEPT:
            _TRACKS.popitem(last=False)
    return tracks


# --------------------------------------------------------------------------- the roster


def roster_rows(
    db: Database, settings: Settings, actor: User, today: date | None = None
) -> list[dict[str, Any]]:
    """One row per athlete linked to the coach ``actor`` (never anyone else's, never the coach
    themselves): training load as of ``today`` (or their last session, when that is more than
    four weeks before), from the same ``training_load`` tool the chat uses.

    Keys: ``athlete``, ``as_of``, ``last_session``, ``km_7_days``, ``fitness``, ``fatigue``,
    ``form``, ``acute_chronic``, ``spikes`` (text), ``spike_count``.
    """
    if actor.role != "coach":
        return []
    with db.session() as session:
        visible = visible_athlete_ids(session, actor) - {actor.id}
        athletes = [a for a in athletes_of(session, actor) if a.id in visible]
    until = (today or date.today()).isoformat()
    rows = []
    for athlete in athletes:
        ctx = ToolContext(db=db, actor=actor, settings=settings, athlete_id=athlete.id)
        result = training_load(ctx, until=until)
        row: dict[str, Any] = {key: None for key, _ in ROSTER_COLUMNS}
        row |= {"athlete": athlete.display_name or athlete.name, "spikes": "", "spike_count": 0}
        if not result.ok:
            row["last_session"] = "no activities"
            rows.append(row)
            continue

        def value(name: str, result: Any = result) -> Any:
            fact = result.fact(name)
            return fact.value if fact else None

        spikes = result.data.get("spikes", [])
        row |= {
            "as_of": result.data.get("as_of"),
            "last_session": result.data.get("last_session"),
            "km_7_days": value("past_week_running"),
            "fitness": value("fitness"),
            "fatigue": value("fatigue"),
            "form": value("form"),
            "acute_chronic": value("acute_chronic_ratio"),
            "spikes": "; ".join(
                f"{s['date']}: {s['distance_km']} km, +{s['increase_pct']} % ({s['band']})"
                for s in spikes
            )
            or "none",
            "spike_count": len(spikes),
        }
        rows.append(row)
    return rows


def roster_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Roster rows as the table's cells, in :data:`ROSTER_COLUMNS` order."""
    return [["" if row[key] is None else row[key] for key, _ in ROSTER_COLUMNS] for row in rows]


# --------------------------------------------------------------------------- the tab


class TrendsHandler:
    """Handlers of the Trends tab, for one database and settings."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._landing: tuple[Any, ...] = ()  # set by build: what a coach's landing fills

    def _context(self, request: gr.Request, athlete_choice: str | None) -> tuple[ToolContext, str]:
        return tab_context(self.db, self.settings, request, athlete_choice)

    def refresh(
        self,
        opened: bool,
        athlete_choice: str | None,
        period: str | None,
        since: str | None,
        until: str | None,
        metric: str | None,
        background: str | None,
        x_axis: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Every figure of the tab, and the period shown (nothing until the tab is opened)."""
        if not opened:
            return tuple(gr.skip() for _ in range(9))
        try:
            ctx, who = self._context(request, athlete_choice)
        except AccessDenied as error:
            empty = figures.empty_figure("Trends", str(error))
            return str(error), empty, empty, empty, gr.skip(), gr.skip(), empty, empty, None
        view = build_view(
            ctx,
            who,
            period,
            since,
            until,
            metric or DEFAULT_METRIC,
            "plain" if background == "plain" else "map",
            "time" if x_axis == "time" else "distance",
        )
        return (
            view.summary,
            view.volume,
            view.load,
            view.metric,
            gr.Dropdown(choices=view.sessions, value=view.first),
            gr.Dropdown(choices=view.sessions, value=view.second),
            view.comparison,
            view.routes,
            view.period,
        )

    def metric(
        self,
        athlete_choice: str | None,
        shown: Period | None,
        metric: str | None,
        request: gr.Request,
    ) -> Any:
        """The metric trend alone (the metric was changed), over the period shown."""
        if shown is None:
            return gr.skip()
        try:
            ctx, _ = self._context(request, athlete_choice)
        except AccessDenied as error:
            return figures.empty_figure("Trends", str(error))
        return metric_figure(ctx, history(ctx), metric or DEFAULT_METRIC, shown)

    def compare(
        self,
        athlete_choice: str | None,
        first: str | None,
        second: str | None,
        x_axis: str | None,
        request: gr.Request,
    ) -> go.Figure:
        """Two chosen runs of the athlete overlaid (a run that is not theirs is not shown)."""
        try:
            ctx, _ = self._context(request, athlete_choice)
        except AccessDenied as error:
            return figures.empty_figure("Two sessions compared", str(error))
        return figures.session_comparison(
            session_data(ctx, first),
            session_data(ctx, second),
            "time" if x_axis == "time" else "distance",
        )

    def routes(
        self,
        athlete_choice: str | None,
        shown: Period | None,
        background: str | None,
        request: gr.Request,
    ) -> Any:
        """The route heatmap alone (the background was changed), over the period shown."""
        if shown is None:
            return gr.skip()
        try:
            ctx, _ = self._context(request, athlete_choice)
        except AccessDenied as error:
            return figures.empty_figure("Route heatmap", str(error))
        tracks = athlete_tracks(ctx, _start(shown), shown.until)
        return figures.route_heatmap(tracks, "plain" if background == "plain" else "map")

    def roster(self, opened: bool, request: gr.Request) -> tuple[Any, Any]:
        """The coach's roster (hidden for an athlete)."""
        if not opened:
            return gr.skip(), gr.skip()
        actor = acting_user(self.db, request)
        if actor.role != "coach":
            return gr.Column(visible=False), []
        cells = roster_table(roster_rows(self.db, self.settings, actor))
        return gr.Column(visible=True), styled_table(ROSTER_HEADERS, cells, ROSTER_FORMATS)

    def coach_lands(self, request: gr.Request) -> Any:
        """Whether the page opens on this tab: a coach lands on their athletes."""
        return True if acting_user(self.db, request).role == "coach" else gr.skip()

    def land(self, loaded: Any) -> None:
        """After the page has loaded (``loaded``, its load event): for a coach, who lands on
        this tab, the roster first, then the figures (an athlete's tab waits to be opened)."""
        opened, inputs, outputs, roster_outputs = self._landing
        private: dict[str, Any] = {"api_visibility": "private"}
        loaded.then(self.coach_lands, None, [opened], **private).then(
            self.roster, [opened], roster_outputs, **private
        ).then(self.refresh, inputs, outputs, **private)

    def build(self, athlete: gr.Dropdown, tab: gr.Tab) -> None:
        """The tab's components and events, inside ``tab`` (``athlete``: the page's dropdown of
        whom a coach is asking about; the tab follows it)."""
        opened = gr.State(False)
        shown = gr.State(None)  # the Period last shown (kept on the server, per page)
        with gr.Column(visible=False, elem_id="trends-roster-box") as roster_box:
            gr.Markdown("### Your athletes")
            gr.Markdown(
                "Each athlete's training load as of today (or their last session). Pick one in "
                "*Question about* at the top to see their figures below; ask about one or all "
                "of them in the Chat.",
                elem_id="trends-roster-help",
            )
            roster = gr.Dataframe(
                headers=ROSTER_HEADERS,
                interactive=False,
                elem_id="trends-roster",
                wrap=True,
                label="Training load of your athletes (an hour at threshold = 100)",
            )
        with gr.Row(equal_height=True):
            period = gr.Radio(
                list(PERIODS),
                value=DEFAULT_PERIOD,
                label="Period",
                elem_id="trends-period",
                scale=3,
            )
            since = gr.Textbox(
                label="From (optional)", placeholder="YYYY-MM-DD", elem_id="trends-from", scale=1
            )
            until = gr.Textbox(
                label="To (optional)", placeholder="YYYY-MM-DD", elem_id="trends-to", scale=1
            )
            show = gr.Button("Show", elem_id="trends-show", scale=0, min_width=80)
        summary = gr.Markdown(elem_id="trends-summary")
        volume = gr.Plot(elem_id="trends-volume", show_label=False)
        load = gr.Plot(elem_id="trends-load", show_label=False)
        metric = gr.Dropdown(
            METRIC_CHOICES, value=DEFAULT_METRIC, label="Metric", elem_id="trends-metric"
        )
        metric_plot = gr.Plot(elem_id="trends-metric-plot", show_label=False)
        with gr.Row():
            first = gr.Dropdown(label="Run A", choices=[], elem_id="trends-first", scale=2)
            second = gr.Dropdown(label="Run B", choices=[], elem_id="trends-second", scale=2)
            x_axis = gr.Radio(X_AXES, value="distance", label="Against", scale=1)
        comparison = gr.Plot(elem_id="trends-compare", show_label=False)
        background = gr.Radio(
            BACKGROUNDS, value="map", label="Route background", elem_id="trends-background"
        )
        routes = gr.Plot(elem_id="trends-routes", show_label=False)

        inputs = [opened, athlete, period, since, until, metric, background, x_axis]
        outputs = [summary, volume, load, metric_plot, first, second, comparison, routes, shown]
        private: dict[str, Any] = {"api_visibility": "private"}

        tab.select(lambda: True, None, [opened], **private).then(
            self.refresh, inputs, outputs, **private
        ).then(self.roster, [opened], [roster_box, roster], **private)
        self._landing = (opened, inputs, outputs, [roster_box, roster])
        for trigger in (athlete.change, period.change, show.click, since.submit, until.submit):
            trigger(self.refresh, inputs, outputs, **private)
        metric.change(self.metric, [athlete, shown, metric], [metric_plot], **private)
        compare_inputs = [athlete, first, second, x_axis]
        for trigger in (first.input, second.input, x_axis.change):
            trigger(self.compare, compare_inputs, [comparison], **private)
        background.change(self.routes, [athlete, shown, background], [routes], **private)
