"""The figures of the Trends tab, as plotly figures built from plain frames (no database).

Each builder takes what ``tools.trends`` computed (the history frame, a ``LoadReport``'s
``days``/``weeks``/``spikes``, streams, GPS tracks) and returns a :class:`plotly.graph_objects.
Figure` with a title, axis titles with units and a legend; with nothing to draw it returns a
figure that says so in words, never an exception.

Activity names are data: plotly renders hover text and legend names as (a little) HTML, so every
name passes through :func:`plain` first.

GPS routes are drawn two ways (:func:`route_heatmap`): on a map (``"map"``: plotly's MapLibre
``Densitymap`` for the heat and ``Scattermap`` lines, over OpenStreetMap tiles that the
*browser* fetches when it is online: no token; offline the tiles stay blank and the routes still
draw, since the style's only source is the raster tiles), or ``"plain"``: latitude against
longitude on ordinary axes at true scale, which fetches nothing and needs no WebGL.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tools.activities import pace_text
from tools.trends.load import HR_HIGH, HR_LOW

# Colours: the app's orange (Gradio's primary hue) for the runner's own values.
ORANGE = "#f97316"
BLUE = "#2563eb"
PINK = "#db2777"
GREY = "#64748b"
DARK = "#1f2937"
RED = "#dc2626"
PURPLE = "#7c3aed"
#: A light look like plotly's "plotly_white", small enough to copy cheaply into every figure.
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": "system-ui, sans-serif", "size": 13, "color": DARK},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#e5e7eb", "linecolor": "#cbd5e1", "zerolinecolor": "#cbd5e1"},
        "yaxis": {"gridcolor": "#e5e7eb", "linecolor": "#cbd5e1", "zerolinecolor": "#cbd5e1"},
        "hoverlabel": {"align": "left"},
    }
)
#: Long names are cut in hover text and legends.
NAME_LIMIT = 60
#: Map tiles (no token needed), fetched by the browser. They are a layer over plotly's blank
#: "white-bg" style, not the "open-street-map" style: plotly gives up drawing a map whose style
#: fails to load (offline, it would draw no routes), while a failing layer just stays blank.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
#: Points drawn per session in a comparison, and route points in the plain (SVG) drawing.
MAX_SESSION_POINTS = 1500
MAX_PLAIN_POINTS = 40_000
#: Route points sent to the map (years of daily GPS runs are thinned to about this many; the
#: heat layer gets half of them). Sent as float32: 4e-6 degrees, under half a metre.
MAX_MAP_POINTS = 50_000
#: Runs in the trailing window of the metric trend's median line.
MEDIAN_WINDOW = "28D"
MEDIAN_MIN_RUNS = 3
#: Below this speed (m/s) a runner is standing: no pace is drawn there.
STANDING_SPEED = 1.0
SMOOTHING = "30s"
#: Routes further than this (degrees of latitude) from the busiest area are outside the first view.
FOCUS_DEG = 0.3

RouteBackground = Literal["map", "plain"]
XAxis = Literal["distance", "time"]


def plain(text: Any, limit: int = NAME_LIMIT) -> str:
    """``text`` (an activity or athlete name) safe to put in plotly text: one line, at most
    ``limit`` characters, with ``&``, ``<`` and ``>`` escaped so no tag in it is rendered."""
    words = " ".join(str(text if text is not None else "").split())
    if len(words) > limit:
        words = words[: limit - 1].rstrip() + "…"
    return html.escape(words, quote=False)


@dataclass(frozen=True)
class Metric:
    """A per-run metric the trend figure can show (``key`` is its history column)."""

    key: str
    label: str
    unit: str
    digits: int
    missing: str
    is_pace: bool = False

    def show(self, value: float) -> str:
        """A value as the runner reads it (paces as m:ss)."""
        if self.is_pace:
            return f"{pace_text(value / 60.0)} {self.unit}"
        return f"{value:.{self.digits}f} {self.unit}"


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("pace_s_per_km", "Pace", "/km", 0, "No runs with a pace in this period", True),
        Metric(
            "gap_pace_s_per_km",
            "Grade-adjusted pace",
            "/km",
            0,
            "No runs with a grade-adjusted pace in this period",
            True,
        ),
        Metric("avg_hr", "Heart rate", "bpm", 0, "No runs with heart rate in this period"),
        Metric("cadence_spm", "Cadence", "steps/min", 0, "No runs with cadence in this period"),
        Metric("stride_m", "Stride length", "m", 2, "No runs with stride length in this period"),
        Metric(
            "ef",
            "Efficiency (metres per heartbeat)",
            "m/beat",
            2,
            "No runs with heart rate and pace in this period",
        ),
        Metric(
            "decoupling_pct",
            "Aerobic decoupling",
            "%",
            1,
            "No runs of 20 minutes or more with heart rate in this period",
        ),
        Metric("power_w", "Power", "W", 0, "No runs with power in this period"),
    )
}


# --------------------------------------------------------------------------- shared helpers


def _figure(title: str, height: int = 380, data: Sequence[Any] = (), **layout: Any) -> go.Figure:
    """A new figure with the common look (one validation pass: plotly is slow to update)."""
    base: dict[str, Any] = {
        "title": {"text": title, "x": 0.01, "xanchor": "left"},
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 64, "r": 24, "t": 72, "b": 52},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        "hovermode": "closest",
    }
    return go.Figure(data=list(data), layout={**base, **layout})


#: The common look, for the other tabs' figures (the Strength tab's) too.
figure = _figure


def _stacked(heights: Sequence[float], gap: float = 0.06) -> dict[str, Any]:
    """Axes for plots stacked in rows that share their x axis (row 1 on top): ``xaxis``/``yaxis``
    for row 1, ``xaxis2``/``yaxis2`` for row 2... Traces name theirs with :func:`_row`."""
    total = sum(heights)
    usable = 1.0 - gap * (len(heights) - 1)
    axes: dict[str, Any] = {}
    top = 1.0
    for i, height in enumerate(heights, start=1):
        bottom = max(top - usable * height / total, 0.0)
        suffix = "" if i == 1 else str(i)
        last = i == len(heights)
        axes[f"xaxis{suffix}"] = {
            "domain": [0, 1],
            "anchor": f"y{suffix}",
            "showticklabels": last,
            **({} if last else {"matches": f"x{len(heights)}"}),
        }
        axes[f"yaxis{suffix}"] = {
            "domain": [round(bottom, 4), round(top, 4)],
            "anchor": f"x{suffix}",
        }
        top = bottom - gap
    return axes


def _row(row: int) -> dict[str, str]:
    suffix = "" if row == 1 else str(row)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def _axis_name(axis: str, row: int) -> str:
    return axis if row == 1 else f"{axis}{row}"


def empty_figure(title: str, message: str, x_title: str = "", y_title: str = "") -> go.Figure:
    """A figure with its title and axis titles that says ``message`` instead of drawing."""
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False}
    return _figure(
        title,
        xaxis={"title": {"text": x_title}, **hidden},
        yaxis={"title": {"text": y_title}, **hidden},
        annotations=[
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 15, "color": GREY},
            }
        ],
    )


def is_empty(fig: go.Figure) -> bool:
    """Whether ``fig`` is a no-data figure from :func:`empty_figure`."""
    return len(fig.data) == 0


def _window(frame: pd.DataFrame, since: date | None, until: date | None) -> pd.DataFrame:
    """Rows of a date-indexed frame from ``since`` to ``until`` (both included)."""
    if since is not None:
        frame = frame[frame.index >= pd.Timestamp(since)]
    if until is not None:
        frame = frame[frame.index <= pd.Timestamp(until)]
    return frame


#: Weeks start on Monday: date axes tick on Mondays (2000-01-03 was one), every
#: :data:`TICK_WEEKS` week(s), at most :data:`MAX_WEEK_TICKS` labels, with a small tick each
#: Monday between them while there are not too many.
MONDAY = "2000-01-03"
WEEK_MS = 7 * 24 * 3600 * 1000
TICK_WEEKS = (1, 2, 4, 8, 13, 26, 52)
MAX_WEEK_TICKS = 14
MAX_MINOR_WEEKS = 160


def week_axis(first: Any, last: Any) -> dict[str, Any]:
    """Settings of a date x axis from ``first`` to ``last`` that tick on Mondays: every week,
    or every few weeks (a small tick on each Monday between) over longer spans."""
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    weeks = max(1, math.ceil(((end - start).days + 1) / 7))
    step = next((n for n in TICK_WEEKS if weeks / n <= MAX_WEEK_TICKS), None)
    if step is None:
        step = 52 * math.ceil(weeks / (52 * MAX_WEEK_TICKS))
    axis: dict[str, Any] = {
        "type": "date",
        "tick0": MONDAY,
        "dtick": step * WEEK_MS,
        "ticks": "outside",
        "ticklen": 6,
    }
    if step > 1 and weeks <= MAX_MINOR_WEEKS:
        axis["minor"] = {
            "tick0": MONDAY,
            "dtick": WEEK_MS,
            "ticks": "outside",
            "ticklen": 3,
            "showgrid": False,
        }
    return axis


def _day_range(since: date | None, until: date | None) -> list[str] | None:
    if since is None or until is None:
        return None
    return [
        pd.Timestamp(since).isoformat(),
        (pd.Timestamp(until) + pd.Timedelta(hours=12)).isoformat(),
    ]


def pace_ticks(low: float, high: float, target: int = 6) -> tuple[list[float], list[str]]:
    """Tick positions (s/km) between ``low`` and ``high`` at a round step, labelled m:ss."""
    span = max(high - low, 1.0)
    step = next((s for s in (5, 10, 15, 20, 30, 60, 120, 300, 600) if span / s <= target), 1200)
    first = math.ceil(low / step) * step
    values = [float(v) for v in np.arange(first, high + 1e-9, step)]
    return values, [pace_text(v / 60.0) for v in values]


def _robust_range(values: np.ndarray, pad: float = 0.08) -> tuple[float, float]:
    """The range of ``values`` without the outermost 1 % (when there are enough), padded."""
    finite = values[np.isfinite(values)]
    if finite.size >= 20:
        low, high = np.percentile(finite, [1, 99])
    else:
        low, high = float(finite.min()), float(finite.max())
    margin = (high - low) * pad or max(abs(high) * 0.05, 0.01)
    return float(low - margin), float(high + margin)


def _pace_axis(values: np.ndarray) -> dict[str, Any]:
    """A pace y axis (s/km): m:ss ticks, faster (smaller) up."""
    low, high = _robust_range(values)
    ticks, labels = pace_ticks(low, high)
    return {"range": [high, low], "autorange": False, "tickvals": ticks, "ticktext": labels}


# --------------------------------------------------------------------------- weekly volume


def _texts(values: Sequence[str]) -> np.ndarray:
    """Text per point as an array: plotly checks a list item by item (10x slower)."""
    return np.array(values, dtype=object)


def _dates(values: pd.Series | pd.DatetimeIndex) -> list[str]:
    """Days as ISO text (vectorised: iterating Timestamps is slow)."""
    index = pd.DatetimeIndex(values)
    return list(index.strftime("%Y-%m-%d"))


#: Pixels from the bottom of a plot to the first note under it (below the x axis title).
NOTE_OFFSET = 58
NOTE_LINE = 20


def _note(text: str, line: int = 0, offset: int = NOTE_OFFSET) -> dict[str, Any]:
    """A grey line of text under the plot (``line`` 0, 1... from the top)."""
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 0,
        "yshift": -(offset + NOTE_LINE * line),
        "xanchor": "left",
        "yanchor": "top",
        "showarrow": False,
        "font": {"size": 12, "color": GREY},
    }


# --------------------------------------------------------------------------- weekly volume


def weekly_volume(
    weeks: pd.DataFrame, since: date | None = None, until: date | None = None
) -> go.Figure:
    """Kilometres per week (Monday to Sunday) as bars, with the 4-week average.

    ``weeks`` is ``LoadReport.weeks`` (indexed by the week's Monday, columns ``km`` and
    ``sessions``); the weeks that overlap ``since``..``until`` are shown.
    """
    title = "Weekly volume (runs, walks and hikes)"
    x_title, y_title = "week (starting Monday)", "distance (km)"
    message = "No runs, walks or hikes in this period"
    if weeks.empty:
        return empty_figure(title, message, x_title, y_title)
    average = weeks["km"].rolling(4, min_periods=1).mean()
    first = None if since is None else pd.Timestamp(since) - pd.Timedelta(days=6)
    shown = _window(weeks, first, until)
    if shown.empty or not (shown["km"] > 0).any():
        return empty_figure(title, message, x_title, y_title)
    sessions = shown["sessions"].astype(int).to_numpy()
    labels = [
        f"week of {day}: {km:.1f} km in {n} session{'s' if n != 1 else ''}"
        for day, km, n in zip(_dates(shown.index), shown["km"], sessions, strict=True)
    ]
    return _figure(
        title,
        data=[
            go.Bar(
                x=shown.index,
                y=shown["km"].round(2).to_numpy(),
                name="km per week",
                marker_color=ORANGE,
                hovertext=_texts(labels),
                hoverinfo="text",
            ),
            go.Scatter(
                x=shown.index,
                y=average.reindex(shown.index).round(2).to_numpy(),
                name="4-week average",
                mode="lines",
                line={"color": DARK, "width": 2},
                hovertemplate="4-week average: %{y:.1f} km<extra></extra>",
            ),
        ],
        bargap=0.15,
        xaxis={"title": {"text": x_title}, **week_axis(shown.index.min(), shown.index.max())},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
    )


# --------------------------------------------------------------------------- fitness and form


def spike_text(spike: Any) -> str:
    """The hover text of a long-run spike (a ``tools.trends.load.Spike``)."""
    return (
        f"{spike.date.date().isoformat()} · {plain(spike.name)}<br>"
        f"{spike.distance_km:.1f} km: +{spike.increase_pct:.0f} % on the longest run of the "
        f"30 days before ({spike.previous_longest_km:.1f} km)<br>"
        f"a {spike.band} spike: {spike.hazard_ratio:g} × the injury rate in Frandsen et al. 2025"
    )


def fitness_form(
    days: pd.DataFrame,
    spikes: Sequence[Any] = (),
    since: date | None = None,
    until: date | None = None,
) -> go.Figure:
    """Fitness and fatigue (42- and 7-day load averages) over time, with the long-run spikes
    marked, and form (fitness minus fatigue) below.

    ``days`` is ``LoadReport.days``; ``spikes`` its ``spikes`` (each drawn at that day's
    fatigue, with its size in the hover text).
    """
    title = "Fitness, fatigue and form (load: an hour at threshold = 100)"
    y_title = "load per day"
    shown = _window(days, since, until) if not days.empty else days
    if shown.empty or not (shown["fitness"] > 0.05).any():
        return empty_figure(title, "No training in this period", "date", y_title)
    data: list[Any] = [
        go.Scatter(
            x=shown.index,
            y=shown[column].round(2).to_numpy(),
            name=name,
            mode="lines",
            line={"color": colour, "width": 2},
            hovertemplate=f"{name}: %{{y:.1f}}<extra>%{{x|%Y-%m-%d}}</extra>",
        )
        for column, name, colour in (
            ("fitness", "fitness (42 days)", BLUE),
            ("fatigue", "fatigue (7 days)", PINK),
        )
    ]
    first, last = shown.index.min(), shown.index.max()
    marked = [s for s in spikes if first <= s.date <= last]
    if marked:
        data.append(
            go.Scatter(
                x=[s.date for s in marked],
                y=[round(float(shown.at[s.date, "fatigue"]), 2) for s in marked],
                name="long-run spike (>10 %)",
                mode="markers",
                marker={"symbol": "triangle-up", "size": 11, "color": RED, "line": {"width": 1}},
                hovertext=_texts([spike_text(s) for s in marked]),
                hoverinfo="text",
            )
        )
    data.append(
        go.Scatter(
            x=shown.index,
            y=shown["form"].round(2).to_numpy(),
            name="form (fitness − fatigue)",
            mode="lines",
            line={"color": ORANGE, "width": 2},
            fill="tozeroy",
            fillcolor="rgba(249, 115, 22, 0.15)",
            hovertemplate="form: %{y:.1f}<extra>%{x|%Y-%m-%d}</extra>",
            **_row(2),
        )
    )
    axes = _stacked([0.65, 0.35])
    axes["yaxis"] |= {"title": {"text": y_title}, "rangemode": "tozero"}
    axes["yaxis2"] |= {"title": {"text": "form"}, "zeroline": True, "zerolinecolor": GREY}
    axes["xaxis2"] |= {"title": {"text": "date"}}
    for name in ("xaxis", "xaxis2"):
        axes[name] |= week_axis(first, last)
    return _figure(title, height=460, data=data, **axes)


# --------------------------------------------------------------------------- metric trend


def metric_trend(
    history: pd.DataFrame,
    metric: str,
    changes: Sequence[Mapping[str, Any]] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> go.Figure:
    """One metric of every run (a point each), its 28-day median, races marked, and detected
    changes (a vertical line and the level before and after) when given.

    ``history`` is ``tools.trends.history.history``'s frame (runs only are drawn); ``metric``
    a key of :data:`METRICS`; ``changes`` items are ``{"date": "YYYY-MM-DD", "before": float,
    "after": float, "label": str}`` in the metric's own unit (pace in s/km).
    """
    spec = METRICS.get(metric)
    if spec is None:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    title = f"{spec.label} per run"
    unit = f"min{spec.unit}" if spec.is_pace else spec.unit
    y_title = f"{spec.label.split(' (')[0].lower()} ({unit})"
    runs = history[history["sport"] == "run"] if not history.empty else history
    if not runs.empty:
        values = runs[metric].to_numpy(dtype=float)
        keep = np.isfinite(values) & ((values > 0) | (metric == "decoupling_pct"))
        runs = runs[keep]
    if runs.empty:
        return empty_figure(title, spec.missing, "date", y_title)
    by_day = pd.Series(runs[metric].to_numpy(dtype=float), index=pd.DatetimeIndex(runs["date"]))
    by_day = by_day.sort_index()
    median = by_day.rolling(MEDIAN_WINDOW, min_periods=MEDIAN_MIN_RUNS).median()
    median = _window(median[~median.index.duplicated(keep="last")], since, until).dropna()
    in_window = np.ones(len(runs), dtype=bool)
    if since is not None:
        in_window &= (runs["date"] >= pd.Timestamp(since)).to_numpy()
    if until is not None:
        in_window &= (runs["date"] <= pd.Timestamp(until)).to_numpy()
    runs = runs[in_window]
    if runs.empty:
        return empty_figure(title, spec.missing, "date", y_title)
    values = runs[metric].to_numpy(dtype=float)
    races = runs["race"].to_numpy(dtype=bool)
    texts = [
        f"{day} · {plain(name)}<br>{spec.show(value)}{' · race' if race else ''}"
        for day, name, value, race in zip(
            _dates(runs["date"]), runs["name"], values, races, strict=True
        )
    ]
    data: list[Any] = [
        go.Scatter(
            x=runs["date"].to_numpy(),
            y=values,
            name="run",
            mode="markers",
            marker={"size": 6, "color": GREY, "opacity": 0.55},
            hovertext=_texts(texts),
            hoverinfo="text",
        ),
        go.Scatter(
            x=median.index,
            y=median.to_numpy(),
            name="28-day median",
            mode="lines",
            line={"color": ORANGE, "width": 3},
            hovertext=_texts(
                [
                    f"{day}: 28-day median {spec.show(v)}"
                    for day, v in zip(_dates(median.index), median.to_numpy(), strict=True)
                ]
            ),
            hoverinfo="text",
        ),
    ]
    if races.any():
        data.append(
            go.Scatter(
                x=runs["date"].to_numpy()[races],
                y=values[races],
                name="race",
                mode="markers",
                marker={"symbol": "star", "size": 14, "color": PURPLE, "line": {"width": 1}},
                hovertext=_texts([t for t, r in zip(texts, races, strict=True) if r]),
                hoverinfo="text",
            )
        )
    shapes, annotations = _changes(
        data, changes or [], spec, runs["date"].min(), runs["date"].max()
    )
    low, high = _robust_range(values)
    outside = int(((values < low) | (values > high)).sum())
    if outside:
        plural = "s" if outside != 1 else ""
        annotations.append(
            _note(f"{outside} run{plural} outside the range shown (zoom out to see them)")
        )
    y_axis: dict[str, Any] = {"title": {"text": y_title}}
    y_axis |= _pace_axis(values) if spec.is_pace else {"range": [low, high], "autorange": False}
    x_axis: dict[str, Any] = {"title": {"text": "date"}}
    day_range = _day_range(since, until)
    if day_range:
        x_axis["range"] = day_range
    x_axis |= week_axis(*(day_range or (runs["date"].min(), runs["date"].max())))
    return _figure(
        title,
        data=data,
        xaxis=x_axis,
        yaxis=y_axis,
        shapes=shapes,
        annotations=annotations,
        margin={"l": 64, "r": 24, "t": 72, "b": 84 if outside else 52},
    )


def _changes(
    data: list[Any],
    changes: Sequence[Mapping[str, Any]],
    spec: Metric,
    first: pd.Timestamp,
    last: pd.Timestamp,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each change as a dashed vertical line with its label (returned as shapes and
    annotations; labels in three rows, so neighbours do not overlap), and the levels
    before and after it as flat segments (a trace added to ``data``; each level runs to the
    neighbouring change, or the data's end)."""
    ordered = sorted(changes, key=lambda c: str(c["date"]))
    if not ordered:
        return [], []
    days = [pd.Timestamp(str(c["date"])[:10]) for c in ordered]
    xs: list[Any] = []
    ys: list[float | None] = []
    texts: list[str] = []
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for i, (change, day) in enumerate(zip(ordered, days, strict=True)):
        start = days[i - 1] if i else min(first, day)
        end = days[i + 1] if i + 1 < len(days) else max(last, day)
        label = plain(change.get("label") or f"change on {day.date().isoformat()}")
        before, after = float(change["before"]), float(change["after"])
        for left, right, level, when in (
            (start, day, before, "before"),
            (day, end, after, "after"),
        ):
            xs += [left, right, None]
            ys += [level, level, None]
            words = f"{label}<br>level {when}: {spec.show(level)}"
            texts += [words, words, ""]
        shapes.append(
            {
                "type": "line",
                "x0": day,
                "x1": day,
                "y0": 0,
                "y1": 1,
                "xref": "x",
                "yref": "paper",
                "line": {"color": DARK, "width": 1.5, "dash": "dash"},
            }
        )
        annotations.append(
            {
                "x": day,
                "y": 1,
                "yref": "paper",
                "text": label,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "yshift": -16 * (i % 3),
                "font": {"size": 11, "color": DARK},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        )
    data.append(
        go.Scatter(
            x=xs,
            y=ys,
            name="level before / after a change",
            mode="lines",
            line={"color": DARK, "width": 2, "dash": "dot"},
            hovertext=_texts(texts),
            hoverinfo="text",
        )
    )
    return shapes, annotations


# --------------------------------------------------------------------------- two sessions


@dataclass
class SessionData:
    """One session to compare: a label (date and name, as shown), its streams by channel
    (``time`` s, ``distance`` m, ``speed`` m/s, ``heart_rate`` bpm, ``cadence`` steps/min)
    and its summary averages (``pace_s_per_km``, ``avg_hr``, ``cadence_spm``, ``distance_km``,
    ``duration_min``) for when there are no streams."""

    label: str
    streams: Mapping[str, np.ndarray] = field(default_factory=dict)
    summary: Mapping[str, float | None] = field(default_factory=dict)


@dataclass
class Curves:
    """A session's pace (s/km), heart rate (bpm) and cadence (steps/min) against ``x``."""

    x: np.ndarray
    pace: np.ndarray | None
    heart_rate: np.ndarray | None
    cadence: np.ndarray | None


def _smooth(values: np.ndarray, index: pd.TimedeltaIndex) -> np.ndarray:
    return pd.Series(values, index=index).rolling(SMOOTHING, min_periods=1).mean().to_numpy()


def session_curves(data: SessionData, x_axis: XAxis = "distance") -> Curves | None:
    """Pace (30-s smoothed, none while standing), heart rate and cadence of a session against
    distance (km) or time (min), at most :data:`MAX_SESSION_POINTS` points; None without a
    time stream."""
    streams = data.streams
    time = streams.get("time")
    if time is None or len(time) < 2:
        return None
    time = np.asarray(time, dtype=float)
    order = np.argsort(time, kind="stable")
    time = time[order]

    def channel(name: str) -> np.ndarray | None:
        values = streams.get(name)
        if values is None or len(values) != len(order):
            return None
        values = np.asarray(values, dtype=float)[order]
        return values if np.isfinite(values).any() else None

    distance, speed = channel("distance"), channel("speed")
    if speed is None and distance is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = np.gradient(distance, time)
    if distance is None and speed is not None:
        steps = np.diff(time, prepend=time[0])
        distance = np.cumsum(np.nan_to_num(speed) * steps)
    index = pd.to_timedelta(time - time[0], unit="s")
    pace = None
    if speed is not None:
        smooth = _smooth(speed, index)
        with np.errstate(divide="ignore", invalid="ignore"):
            pace = np.where(smooth >= STANDING_SPEED, 1000.0 / smooth, np.nan)
    heart = channel("heart_rate")
    if heart is not None:
        heart = np.where((heart >= HR_LOW) & (heart <= HR_HIGH), heart, np.nan)
    cadence = channel("cadence")
    if cadence is not None:
        cadence = _smooth(np.where(cadence > 0, cadence, np.nan), index)
    if x_axis == "distance" and distance is not None:
        x = distance / 1000.0
    else:
        x = (time - time[0]) / 60.0
    pick = slice(None, None, max(1, math.ceil(len(x) / MAX_SESSION_POINTS)))
    return Curves(
        x=x[pick],
        pace=pace[pick] if pace is not None else None,
        heart_rate=heart[pick] if heart is not None else None,
        cadence=cadence[pick] if cadence is not None else None,
    )


#: The rows of the comparison: curve attribute, summary key, subplot title, words, y unit.
COMPARE_ROWS = (
    ("pace", "pace_s_per_km", "pace (min/km)", "pace", "min/km"),
    ("heart_rate", "avg_hr", "heart rate (bpm)", "heart rate", "bpm"),
    ("cadence", "cadence_spm", "cadence (steps/min)", "cadence", "steps/min"),
)


def session_comparison(
    first: SessionData | None, second: SessionData | None, x_axis: XAxis = "distance"
) -> go.Figure:
    """Pace, heart rate and cadence of two sessions overlaid, against distance or time.

    A session without streams is said in the figure, and its summary averages are drawn as
    dashed lines; a channel a session did not record is named under the figure.
    """
    title = "Two sessions compared"
    x_title = "distance (km)" if x_axis == "distance" else "time (min)"
    chosen = [(tag, s) for tag, s in (("A", first), ("B", second)) if s is not None]
    if not chosen:
        return empty_figure(title, "Choose two runs to compare", x_title, "")
    curves = {tag: session_curves(s, x_axis) for tag, s in chosen}
    colours = {"A": BLUE, "B": ORANGE}
    notes: list[tuple[str, bool]] = []
    span = max(
        (float(np.nanmax(c.x)) for c in curves.values() if c is not None and len(c.x)),
        default=0.0,
    )
    paces: list[np.ndarray] = []
    data: list[Any] = []
    unit = "km" if x_axis == "distance" else "min"
    for tag, session in chosen:
        name = f"{tag}: {plain(session.label)}"
        curve = curves[tag]
        legend = True
        if curve is None:
            notes.append(
                (
                    f"{tag} ({plain(session.label)}) has no recorded streams (a summary only): "
                    "its averages are drawn as dashed lines",
                    True,
                )
            )
            end = span or _summary_span(session.summary, x_axis)
            for row, (_, key, _, words, y_unit) in enumerate(COMPARE_ROWS, start=1):
                value = session.summary.get(key)
                if value is None or not np.isfinite(value) or value <= 0:
                    notes.append((f"{tag}: no average {words} either", False))
                    continue
                if key == "pace_s_per_km":
                    paces.append(np.array([value]))
                    shown = pace_text(value / 60.0) + " /km"
                else:
                    shown = f"{value:.0f} {y_unit}"
                data.append(
                    go.Scatter(
                        x=[0.0, end],
                        y=[value, value],
                        mode="lines",
                        name=f"{name} (average)",
                        legendgroup=tag,
                        showlegend=legend,
                        line={"color": colours[tag], "dash": "dash", "width": 2},
                        hovertext=[f"{name}<br>average {words}: {shown}"] * 2,
                        hoverinfo="text",
                        **_row(row),
                    )
                )
                legend = False
            continue
        for row, (attribute, _, _, words, y_unit) in enumerate(COMPARE_ROWS, start=1):
            values = getattr(curve, attribute)
            if values is None or not np.isfinite(values).any():
                notes.append((f"{tag}: no {words} recorded", False))
                continue
            if attribute == "pace":
                paces.append(values)
                shown = "%{customdata} /km"
                custom = _texts([pace_text(v / 60.0) if np.isfinite(v) else "" for v in values])
            else:
                shown, custom = f"%{{y:.0f}} {y_unit}", None
            data.append(
                go.Scatter(
                    x=curve.x,
                    y=values,
                    mode="lines",
                    name=name,
                    legendgroup=tag,
                    showlegend=legend,
                    line={"color": colours[tag], "width": 1.6},
                    customdata=custom,
                    hovertemplate=f"{tag} · %{{x:.2f}} {unit}: {shown}<extra></extra>",
                    **_row(row),
                )
            )
            legend = False
    if len(chosen) < 2:
        notes.append(("choose a second run to overlay", False))
    axes = _stacked([1, 1, 1], gap=0.07)
    annotations = []
    for row, (_, _, label, _, y_unit) in enumerate(COMPARE_ROWS, start=1):
        axes[_axis_name("yaxis", row)] |= {"title": {"text": y_unit}}
        top = axes[_axis_name("yaxis", row)]["domain"][1]
        annotations.append(
            {
                "text": f"<b>{label}</b>",
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": top,
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
    axes["xaxis3"] |= {"title": {"text": x_title}}
    pace_values = np.concatenate(paces) if paces else np.array([])
    if np.isfinite(pace_values).any():
        axes["yaxis"] |= _pace_axis(pace_values)
    for i, (text, loud) in enumerate(notes):
        note = _note(text, i)
        if loud:
            note["font"] = {"size": 13, "color": RED}
        annotations.append(note)
    margin = {"l": 64, "r": 24, "t": 90, "b": 64 + NOTE_LINE * len(notes)}
    return _figure(
        title,
        height=660 + NOTE_LINE * len(notes),
        data=data,
        annotations=annotations,
        margin=margin,
        **axes,
    )


def _summary_span(summary: Mapping[str, float | None], x_axis: XAxis) -> float:
    value = summary.get("distance_km" if x_axis == "distance" else "duration_min")
    return float(value) if value and np.isfinite(value) else 1.0


# --------------------------------------------------------------------------- routes


@dataclass
class _Focus:
    lat: float
    lng: float
    lat_range: tuple[float, float]
    lng_range: tuple[float, float]
    zoom: float
    outside: int


def _focus(tracks: Sequence[np.ndarray]) -> _Focus:
    """The busiest area (the ~25 km cell where most routes are centred) and a view that fits
    the routes near it; ``outside`` counts the routes centred elsewhere."""
    points = np.concatenate(tracks)
    sizes = np.array([len(t) for t in tracks])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    centres = np.add.reduceat(points, starts, axis=0) / sizes[:, None]
    cells = np.floor(centres / 0.25).astype(np.int64)
    keys, counts = np.unique(cells, axis=0, return_counts=True)
    busiest = (keys[np.argmax(counts)] + 0.5) * 0.25
    cos = max(math.cos(math.radians(busiest[0])), 0.05)

    def near(points: np.ndarray) -> np.ndarray:
        return (np.abs(points[:, 0] - busiest[0]) < FOCUS_DEG) & (
            np.abs(points[:, 1] - busiest[1]) < FOCUS_DEG / cos
        )

    close = near(points)
    local = points[close] if close.any() else points
    lat0, lat1 = float(local[:, 0].min()), float(local[:, 0].max())
    lng0, lng1 = float(local[:, 1].min()), float(local[:, 1].max())
    lat_span = max(lat1 - lat0, 0.002)
    lng_span = max(lng1 - lng0, 0.002)
    # Web-mercator zoom z in MapLibre: the world is 512 * 2**z pixels wide, and a degree of
    # latitude is 1 / cos(latitude) times as tall as a degree of longitude is wide. Fit the
    # area into about 700 x 420 pixels.
    zoom = min(
        math.log2(700 * 360 / (512 * lng_span * 1.15)),
        math.log2(420 * 360 * cos / (512 * lat_span * 1.15)),
    )
    pad_lat, pad_lng = lat_span * 0.06, lng_span * 0.06
    return _Focus(
        lat=(lat0 + lat1) / 2,
        lng=(lng0 + lng1) / 2,
        lat_range=(lat0 - pad_lat, lat1 + pad_lat),
        lng_range=(lng0 - pad_lng, lng1 + pad_lng),
        zoom=float(np.clip(zoom, 1.0, 16.0)),
        outside=int((~near(centres)).sum()),
    )


def _joined(tracks: Sequence[np.ndarray], most: int | None = None) -> np.ndarray:
    """All tracks as one (lat, lng) line, a NaN row between tracks (plotly draws a gap there),
    thinned evenly to about ``most`` points. NumPy arrays, not lists: plotly validates and
    serialises lists point by point, arrays at once."""
    total = sum(len(t) for t in tracks)
    step = max(1, math.ceil(total / most)) if most else 1
    gap = np.full((1, 2), np.nan)
    parts: list[np.ndarray] = []
    for track in tracks:
        parts += [track[::step] if len(track) > 2 * step else track, gap]
    return np.concatenate(parts)


def route_heatmap(
    tracks: Sequence[Sequence[Sequence[float]]], background: RouteBackground = "map"
) -> go.Figure:
    """Where the runner runs: every GPS track (``[[lat, lng], ...]``) drawn thin and
    see-through, so often-run routes show darker, with a density heat layer on the map.

    ``background="map"``: MapLibre over OpenStreetMap tiles, which the browser fetches when it
    is online (no token); without them the routes draw on a blank background. ``"plain"``:
    latitude against longitude at true scale (a degree of longitude drawn cos(latitude) times
    as long as one of latitude), fetching nothing and needing no WebGL. The first view fits
    the busiest area; a note says how many routes lie elsewhere.
    """
    title = "Route heatmap"
    total = sum(len(t) for t in tracks)
    # Thin long histories before converting: lists of points convert slowly.
    keep = max(1, total // (4 * MAX_MAP_POINTS))
    arrays = [np.asarray(t[::keep], dtype=float).reshape(-1, 2) for t in tracks if len(t) >= 2]
    arrays = [a[np.isfinite(a).all(axis=1)] for a in arrays]
    arrays = [a for a in arrays if len(a) >= 2]
    if not arrays:
        return empty_figure(
            title,
            "No GPS routes in this period (activities imported from files with GPS have them)",
            "longitude (°)",
            "latitude (°)",
        )
    focus = _focus(arrays)
    n = len(arrays)
    title = f"Route heatmap: {n} route{'s' if n != 1 else ''}"
    notes = []
    if focus.outside:
        notes.append(
            _note(f"{focus.outside} of {n} routes lie outside this view: zoom out to see them")
        )
    if background == "plain":
        return _plain_routes(title, arrays, focus, notes)
    return _map_routes(title, arrays, focus, notes)


def _map_routes(
    title: str, arrays: list[np.ndarray], focus: _Focus, notes: list[dict[str, Any]]
) -> go.Figure:
    line = _joined(arrays, MAX_MAP_POINTS).astype(np.float32)
    points = line[np.isfinite(line[:, 0])][::2]
    for note in notes:
        note["yshift"] = -4
    return _figure(
        title,
        height=560,
        data=[
            go.Densitymap(
                lat=points[:, 0],
                lon=points[:, 1],
                radius=7,
                opacity=0.55,
                colorscale="YlOrRd",
                showscale=False,
                name="how often (heat)",
                showlegend=True,
                hoverinfo="skip",
            ),
            go.Scattermap(
                lat=line[:, 0],
                lon=line[:, 1],
                mode="lines",
                name="routes",
                line={"color": ORANGE, "width": 2},
                opacity=0.6,
                hoverinfo="skip",
            ),
        ],
        map={
            "style": "white-bg",
            "layers": [
                {
                    "sourcetype": "raster",
                    "source": [OSM_TILES],
                    "sourceattribution": OSM_ATTRIBUTION,
                    "below": "traces",
                }
            ],
            "center": {"lat": focus.lat, "lon": focus.lng},
            "zoom": focus.zoom,
        },
        annotations=notes,
        margin={"l": 24, "r": 24, "t": 72, "b": 40},
    )


def _plain_routes(
    title: str, arrays: list[np.ndarray], focus: _Focus, notes: list[dict[str, Any]]
) -> go.Figure:
    line = _joined(arrays, MAX_PLAIN_POINTS).astype(np.float32)
    cos = max(math.cos(math.radians(focus.lat)), 0.05)
    return _figure(
        title,
        height=560,
        data=[
            go.Scatter(
                x=line[:, 1],
                y=line[:, 0],
                mode="lines",
                name="routes",
                line={"color": ORANGE, "width": 2},
                opacity=0.45,
                hoverinfo="skip",
            )
        ],
        showlegend=True,
        margin={"l": 64, "r": 24, "t": 72, "b": 84},
        xaxis={"title": {"text": "longitude (°)"}, "range": list(focus.lng_range)},
        yaxis={
            "title": {"text": "latitude (°)"},
            "range": list(focus.lat_range),
            "scaleanchor": "x",
            "scaleratio": 1.0 / cos,
        },
        annotations=notes,
    )
