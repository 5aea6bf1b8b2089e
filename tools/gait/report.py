"""The gait report: per-metric summaries with confidence, and its versioned JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.reference_ranges import reference_for
from tools.gait.confidence import Confidence

SCHEMA_VERSION = "coachg.gait_report/1"
#: Units on a ratio scale, where a left/right difference may be given as a percentage.
RATIO_UNITS = frozenset({"ms", "steps/min", "cm", "%"})


@dataclass
class MetricSummary:
    """One metric: median and spread over steps, per side, first vs last third, confidence."""

    name: str
    label: str
    unit: str
    value: float | None
    p25: float | None
    p75: float | None
    n: int
    confidence: float
    reliable: bool
    reasons: list[str]
    per_step: list[float] = field(default_factory=list)
    per_step_times: list[float] = field(default_factory=list)
    per_step_sides: list[str] = field(default_factory=list)
    left: float | None = None
    right: float | None = None
    asymmetry_pct: float | None = None  # (left - right) / mean, ratio-scale metrics only
    side_difference: float | None = None  # left - right, in the metric's unit
    first_third: float | None = None
    last_third: float | None = None
    change: float | None = None
    category: str | None = None
    reference: dict[str, Any] | None = None
    not_measured: str | None = None  # why there is no value (a failed gate), in words

    def text(self) -> str:
        """e.g. ``Cadence: 169.1 steps/min (IQR 167.0-171.2), confidence 0.86``."""
        if self.value is None:
            why = f", because {self.not_measured}" if self.not_measured else ""
            return f"{self.label}: not measured{why}"
        warn = "" if self.reliable else " — NOT RELIABLE"
        cat = f" ({self.category})" if self.category else ""
        return (
            f"{self.label}: {self.value:.1f} {self.unit}{cat} (IQR {self.p25:.1f}-{self.p75:.1f}), "
            f"confidence {self.confidence:.2f}{warn}"
        )


def _median(values: np.ndarray) -> float | None:
    return float(np.median(values)) if len(values) else None


def summarise(
    name: str,
    label: str,
    unit: str,
    values: list[float],
    times: list[float],
    sides: list[str],
    confidence: Confidence,
    duration_s: float,
    *,
    summary_value: float | None = None,
) -> MetricSummary:
    """Median, IQR, left/right, first and last third of the clip, with the confidence given."""
    v = np.asarray(values, dtype=float)
    t = np.asarray(times, dtype=float)
    s = np.asarray(sides)
    p25, p75 = (float(x) for x in np.percentile(v, [25, 75])) if len(v) else (None, None)
    left = _median(v[s == "left"]) if len(v) else None
    right = _median(v[s == "right"]) if len(v) else None
    asym = difference = None
    if left is not None and right is not None:
        difference = left - right
        # A percentage only means something on a ratio scale (times, rates, lengths): for angles
        # and signed distances near zero it explodes, so those keep the difference in units.
        if unit in RATIO_UNITS and min(left, right) > 0:
            asym = 100.0 * difference / ((left + right) / 2)
    first = last = change = None
    if len(v) >= 6 and duration_s > 0:
        t0, t1 = float(t.min()), float(t.max())
        third = (t1 - t0) / 3
        first = _median(v[t <= t0 + third])
        last = _median(v[t >= t1 - third])
        if first is not None and last is not None:
            change = last - first
    ref = reference_for(name)
    value = summary_value if summary_value is not None else _median(v)
    return MetricSummary(
        name=name,
        label=label,
        unit=unit,
        value=value,
        p25=p25,
        p75=p75,
        n=len(v),
        confidence=round(confidence.score, 3),
        reliable=confidence.reliable and value is not None,
        reasons=confidence.reasons,
        per_step=[round(x, 3) for x in v.tolist()],
        per_step_times=[round(x, 3) for x in t.tolist()],
        per_step_sides=s.tolist(),
        left=left,
        right=right,
        asymmetry_pct=asym,
        side_difference=difference,
        first_third=first,
        last_third=last,
        change=change,
        reference=ref.to_dict() if ref is not None else None,
    )


@dataclass
class GaitReport:
    """Everything the analysis found, JSON-serialisable with ``to_dict``."""

    video: dict[str, Any]
    view: dict[str, Any]
    pose: dict[str, Any]
    metrics: dict[str, MetricSummary]
    events: list[dict[str, Any]]
    confidence: float
    reasons: list[str]
    caveats: list[str]
    artifacts: dict[str, str] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of each phase: this process's threads and its pose workers (in a server,
    #: other work of the same process in the meantime too).
    cpu_s: dict[str, float] = field(default_factory=dict)
    advice: list[dict[str, str]] = field(default_factory=list)
    schema_version: str = SCHEMA_VERSION

    def reliable_metrics(self) -> dict[str, MetricSummary]:
        """Metrics that may be quoted without a warning."""
        return {k: m for k, m in self.metrics.items() if m.reliable}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the stored and written form)."""
        out = asdict(self)
        out["metrics"] = {k: asdict(m) for k, m in self.metrics.items()}
        return _clean(out)

    def write_json(self, path: Path) -> Path:
        """Write the report to ``path``."""
        path.write_text(json.dumps(self.to_dict(), indent=2))
        return path


def _clean(obj: Any) -> Any:
    """NaN to None and NumPy scalars to Python, recursively."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return round(obj, 4) if np.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj
