"""Longitudinal tracking: a new gait report compared with the athlete's previous one.

A change is only called real when it is larger than the noise of both clips: the step-to-step
spread (interquartile range) of each, scaled to the uncertainty of a median. Anything smaller is
reported as "about the same", so a runner is not told their form changed when the clips simply
differ by chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from storage.gait_reports import list_gait_reports
from storage.models import User

#: IQR of a normal distribution in standard deviations.
_IQR_TO_SD = 1.349
#: Two standard errors: a difference beyond this is unlikely to be noise between clips.
_Z = 2.0


@dataclass(frozen=True)
class MetricChange:
    """One metric then and now, and whether the difference is larger than the clips' noise."""

    name: str
    label: str
    unit: str
    previous: float
    current: float
    noise: float
    confidence: float

    @property
    def change(self) -> float:
        return self.current - self.previous

    @property
    def significant(self) -> bool:
        return abs(self.change) > self.noise

    def text(self) -> str:
        """e.g. ``Cadence: 172.0 steps/min, up 4.1 from 167.9``."""
        if not self.significant:
            return (
                f"{self.label}: {self.current:.1f} {self.unit}, about the same as "
                f"{self.previous:.1f} (within ±{self.noise:.1f} of clip-to-clip noise)"
            )
        direction = "up" if self.change > 0 else "down"
        return (
            f"{self.label}: {self.current:.1f} {self.unit}, {direction} "
            f"{abs(self.change):.1f} from {self.previous:.1f}"
        )


@dataclass(frozen=True)
class Comparison:
    """The new report against the previous one of the same athlete."""

    previous_id: int
    previous_date: str
    previous_video: str
    changes: list[MetricChange]

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous_id": self.previous_id,
            "previous_date": self.previous_date,
            "previous_video": self.previous_video,
            "changes": [
                {
                    "name": c.name,
                    "previous": c.previous,
                    "current": c.current,
                    "change": round(c.change, 2),
                    "noise": round(c.noise, 2),
                    "significant": c.significant,
                }
                for c in self.changes
            ],
        }


def _standard_error(metric: dict[str, Any]) -> float | None:
    p25, p75, n = metric.get("p25"), metric.get("p75"), metric.get("n") or 0
    if p25 is None or p75 is None or n < 2:
        return None
    # The standard error of a median is about 1.25 sd / sqrt(n).
    return 1.253 * (p75 - p25) / _IQR_TO_SD / math.sqrt(n)


def compare_metrics(
    previous: dict[str, Any], current: dict[str, Any], only_reliable: bool = True
) -> list[MetricChange]:
    """Changes of every metric measured in both reports (their ``to_dict`` form), reliable in
    both unless ``only_reliable`` is False, and in the same unit."""
    changes = []
    before, now = previous.get("metrics", {}), current.get("metrics", {})
    for name, new in now.items():
        old = before.get(name)
        if not old or old.get("value") is None or new.get("value") is None:
            continue
        if old.get("unit") != new.get("unit"):
            continue  # e.g. vertical oscillation in cm then, relative now
        if only_reliable and not (old.get("reliable") and new.get("reliable")):
            continue
        se_old, se_new = _standard_error(old), _standard_error(new)
        if se_old is None or se_new is None:
            continue
        changes.append(
            MetricChange(
                name=name,
                label=new.get("label", name),
                unit=new.get("unit", ""),
                previous=float(old["value"]),
                current=float(new["value"]),
                noise=_Z * math.hypot(se_old, se_new),
                confidence=min(float(old["confidence"]), float(new["confidence"])),
            )
        )
    return changes


def compare_with_previous(
    session: Session, actor: User, athlete_id: int, current: dict[str, Any]
) -> Comparison | None:
    """The athlete's newest stored report compared with ``current`` (not yet stored), or None
    when there is no earlier report of the same view."""
    view = current.get("view", {}).get("view")
    for row in list_gait_reports(session, actor, athlete_id, limit=20):
        if row.report.get("view", {}).get("view") != view:
            continue
        return Comparison(
            previous_id=row.id,
            previous_date=row.created_at.date().isoformat(),
            previous_video=row.video_name,
            changes=compare_metrics(row.report, current),
        )
    return None
