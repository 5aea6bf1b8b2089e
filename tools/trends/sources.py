"""Where each run's numbers came from, and whether a change coincides with a new device.

A new watch, a chest strap instead of a wrist sensor, or runs that start arriving through another
app can shift cadence or heart rate overnight with no change in the runner. A change that comes
with a new device or data source is flagged "device change?" instead of being told as a change of
form (issue 19).

The source is the device the file names (FIT manufacturer and product, a TCX or GPX creator, or
Strava's ``device_name``) when known; otherwise what the uploaded file's name or Strava's
``external_id`` says about it: ``garmin_ping_...`` and ``garmin_push_...`` come from Garmin
Connect, ``....tcx`` / ``....gpx`` / ``....fit`` from a file upload of that kind, and a bare
UUID from a phone app. The real 908-run history goes from app uploads (2017-2018) to TCX files
(2018-2020) to Garmin Connect (from 30 July 2020, when cadence and temperature appear).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_FILE_KINDS = {".fit": "FIT files", ".tcx": "TCX files", ".gpx": "GPX files"}
#: Runs on each side of a switch; the new source gives at least SHARE of those after it.
SIDE = 10
SHARE = 0.7
#: A switch this many runs or fewer from a change coincides with it.
NEAR = 5


def data_source(device: str, file_name: str) -> str:
    """A short name for where an activity's numbers came from ("" when nothing says)."""
    device = " ".join(device.split())
    if device:
        return device
    name = file_name.strip().lower()
    if name.startswith("garmin_"):
        return "Garmin Connect"
    for ending, kind in _FILE_KINDS.items():
        if name.endswith(ending) or name.endswith(ending + ".gz"):
            return kind
    if _UUID.match(name):
        return "a phone app"
    return ""


@dataclass(frozen=True)
class Switch:
    """Runs from ``index`` on mostly come from ``new``, those before it from ``old``."""

    index: int
    old: str
    new: str

    @property
    def text(self) -> str:
        return f"{self.old} → {self.new}"


def _mostly(sources: Sequence[str]) -> str:
    known = [s for s in sources if s]
    if len(known) < SHARE * len(sources) or not known:
        return ""
    name, count = Counter(known).most_common(1)[0]
    return name if count >= SHARE * len(known) else ""


def switches(sources: Sequence[str]) -> list[Switch]:
    """Where a new source takes over: the first run of each stretch of :data:`SIDE` runs that
    mostly (:data:`SHARE`) come from one source which gave at most ``1 - SHARE`` of the known
    runs of the :data:`SIDE` before it (which may mix several: TCX and GPX uploads, say).
    ``old`` is the most common source before."""
    found: list[Switch] = []
    k = 1
    while k <= len(sources) - 1:
        new = _mostly(sources[k : k + SIDE])
        before = [s for s in sources[max(0, k - SIDE) : k] if s]
        if new and sources[k] == new and before and before.count(new) <= (1 - SHARE) * len(before):
            found.append(Switch(k, Counter(before).most_common(1)[0][0], new))
            k += SIDE
        else:
            k += 1
    return found


def switch_near(sources: Sequence[str], index: int, near: int = NEAR) -> Switch | None:
    """The switch of source within ``near`` runs of ``index`` (a change's first run), if any."""
    close = [s for s in switches(sources) if abs(s.index - index) <= near]
    return min(close, key=lambda s: abs(s.index - index)) if close else None
