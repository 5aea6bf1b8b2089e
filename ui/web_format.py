"""Numbers and times as the web app shows them to a runner or a coach.

- Times are the activity's own local time (the time zone it was recorded in, as
  ``tools.trends.metrics.local_date`` reads it): a run at 16:00 in New York shows 16:00.
- Numbers carry the precision a runner reads them at: ``6.8 km``, ``147 bpm``, ``5:14 /km``,
  and thousands separators on big ones (``121,394 kg``).
- Tables keep their numbers as numbers (so a column still sorts by value) and show them
  formatted: :func:`styled_table` gives Gradio's ``Dataframe`` a pandas ``Styler``, whose
  formatted cells Gradio sends as the cells' display values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pandas.io.formats.style import Styler

from tools.activities import pace_text

#: A fixed offset as the importers store it when a file names no zone: ``UTC+02:00``.
_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


def local_time(moment: datetime, zone: str | None) -> datetime:
    """``moment`` (UTC, naive or aware) as the clock read where the activity happened, naive;
    UTC when the zone is unknown (the same reading of the zone as ``local_date``)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    match = _OFFSET.match(zone or "")
    if match:
        sign = 1 if match.group(1) == "+" else -1
        offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        return (utc + sign * offset).replace(tzinfo=None)
    try:
        local = utc.astimezone(ZoneInfo(zone)) if zone else utc
    except (ZoneInfoNotFoundError, ValueError):
        local = utc
    return local.replace(tzinfo=None)


def clock(moment: datetime) -> str:
    """A local date and time as a runner reads it: ``2025-10-19 16:00``."""
    return moment.strftime("%Y-%m-%d %H:%M")


def machine_time(stamp: str) -> str:
    """An ISO time stamp (a sync's, in UTC) on this machine's clock, where Coach G and its user
    are: ``2025-10-19 16:00``; the text as it is when it is not a time."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return stamp
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return clock(moment.astimezone())


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def number(value: Any, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals and thousands separators (``121,394``); empty when
    there is none."""
    shown = _finite(value)
    return "" if shown is None else f"{shown:,.{digits}f}"


def km(value: Any) -> str:
    """A distance in km: one decimal (``6.8``), whole above 1,000 (``12,345``)."""
    shown = _finite(value)
    if shown is None:
        return ""
    return number(shown, 0 if abs(shown) >= 1000 else 1)


def whole(value: Any) -> str:
    """A value read in whole units: heart rate, cadence, watts, kg of volume (``147``)."""
    return number(value, 0)


def weight(value: Any) -> str:
    """A weight in kg: whole when it is (``35``), else one decimal (``47.8``)."""
    shown = _finite(value)
    if shown is None:
        return ""
    return number(shown, 0 if abs(shown - round(shown)) < 0.05 else 1)


def pace(seconds_per_km: Any) -> str:
    """A pace in s/km as runners write it (``5:14``)."""
    shown = _finite(seconds_per_km)
    return "" if shown is None or shown <= 0 else pace_text(shown / 60.0)


Formatter = Callable[[Any], str]


def styled_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Mapping[str, Formatter] | None = None,
) -> Styler:
    """A table for ``gr.Dataframe``: the values stay as they are (numbers sort as numbers),
    the columns named in ``formats`` are shown through their formatter, and a missing value
    shows as an empty cell."""
    frame = pd.DataFrame([list(row) for row in rows], columns=list(headers))
    formats = {k: v for k, v in (formats or {}).items() if k in frame.columns}
    return frame.style.format(formats, na_rep="")


def shown_cells(table: Styler | Sequence[Sequence[Any]]) -> list[list[str]]:
    """The cells as the page shows them (a ``Styler``'s display values), for tests and logs."""
    if not isinstance(table, Styler):
        return [["" if v is None else str(v) for v in row] for row in table]
    translated = table._compute()._translate(False, False)  # what Gradio reads, too
    return [[str(c["display_value"]) for c in row if c["type"] == "td"] for row in
            translated["body"]]  # fmt: skip
