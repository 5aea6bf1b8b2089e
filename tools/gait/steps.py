"""Steps and strides from the feet's events, and cadence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.gait.events import FootEvents

_STRIDE_TOLERANCE = (0.75, 1.33)  # a stride this far from the median is a missed or extra event


@dataclass(frozen=True)
class Step:
    """One stance of one foot and what follows it (seconds)."""

    side: str
    contact: float
    toe_off: float
    next_contact: float | None  # the other foot's next contact (end of this step)
    next_same: float | None  # this foot's next contact (end of this stride)

    @property
    def contact_ms(self) -> float:
        """Ground contact time."""
        return (self.toe_off - self.contact) * 1000

    @property
    def flight_ms(self) -> float | None:
        """Time with neither foot down, from this toe-off to the other foot's contact."""
        if self.next_contact is None:
            return None
        return (self.next_contact - self.toe_off) * 1000

    @property
    def stride_s(self) -> float | None:
        """Contact to the same foot's next contact."""
        return None if self.next_same is None else self.next_same - self.contact


def _valid(intervals: np.ndarray, median: float) -> np.ndarray:
    lo, hi = _STRIDE_TOLERANCE
    return (intervals > lo * median) & (intervals < hi * median)


#: A foot cannot land twice within this share of its median stride: the later landing is a
#: doubled event (one step would get two labels), not a step.
_MIN_STRIDE_SHARE = 0.5


def _without_doubles(foot: FootEvents, median_stride: float) -> FootEvents:
    if not np.isfinite(median_stride) or len(foot.contacts) < 2:
        return foot
    keep = [0]
    for i in range(1, len(foot.contacts)):
        if foot.contacts[i] - foot.contacts[keep[-1]] >= _MIN_STRIDE_SHARE * median_stride:
            keep.append(i)
    return FootEvents(foot.side, foot.contacts[keep], foot.toe_offs[keep])


def build_steps(feet: list[FootEvents]) -> list[Step]:
    """Every stance, in time order, linked to the next contact of each foot when it is
    plausible; a foot's landing within half a stride of its previous one is dropped."""
    strides = np.concatenate(
        [np.diff(f.contacts) for f in feet if len(f.contacts) > 1] or [np.zeros(0)]
    )
    median_stride = float(np.median(strides)) if len(strides) else float("nan")
    feet = [_without_doubles(f, median_stride) for f in feet]
    all_contacts = sorted((float(c), f.side) for f in feet for c in f.contacts)
    steps: list[Step] = []
    for f in feet:
        for i, (c, o) in enumerate(zip(f.contacts, f.toe_offs, strict=True)):
            nxt_same = float(f.contacts[i + 1]) if i + 1 < len(f.contacts) else None
            if nxt_same is not None and not (
                np.isfinite(median_stride) and _valid(np.asarray([nxt_same - c]), median_stride)[0]
            ):
                nxt_same = None
            later = [t for t, side in all_contacts if t > o and side != f.side]
            nxt = later[0] if later else None
            if nxt is not None and np.isfinite(median_stride) and nxt - c > 0.75 * median_stride:
                nxt = None  # the other foot's contact was missed
            steps.append(Step(f.side, float(c), float(o), nxt, nxt_same))
    return sorted(steps, key=lambda s: s.contact)


@dataclass(frozen=True)
class Cadence:
    """Steps per minute overall, and per stride with the stride's start time."""

    spm: float
    per_stride: np.ndarray
    times: np.ndarray
    strides_used: int


def cadence(feet: list[FootEvents]) -> Cadence:
    """Cadence from every plausible stride of both feet, timed by contacts and by toe-offs.

    Toe-offs are timed as well as contacts, so using both halves the noise of the mean stride.
    """
    series = [f.contacts for f in feet] + [f.toe_offs for f in feet]
    intervals = [np.diff(s) for s in series if len(s) > 1]
    if not intervals:
        return Cadence(float("nan"), np.zeros(0), np.zeros(0), 0)
    median = float(np.median(np.concatenate(intervals)))
    used = np.concatenate([d[_valid(d, median)] for d in intervals])
    spm = 120.0 / float(np.mean(used)) if len(used) else float("nan")
    per, times = [], []
    for f in feet:
        d = np.diff(f.contacts)
        ok = _valid(d, median)
        per.extend((120.0 / d[ok]).tolist())
        times.extend(f.contacts[:-1][ok].tolist())
    order = np.argsort(times)
    return Cadence(spm, np.asarray(per)[order], np.asarray(times)[order], len(used))
