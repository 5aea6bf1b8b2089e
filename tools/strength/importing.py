"""Importing the workout logs of the Strong and Hevy apps (their CSV exports), recognised by
their columns, not their file names.

- Strong: ``Date, Workout Name, Duration, Exercise Name, Set Order, Weight, Reps, Distance,
  Seconds, RPE`` (comma-separated), or the newer ``;``-separated export with ``Workout #``,
  ``Duration (sec)``, ``Weight (kg)`` (or ``Weight (lbs)``), ``Distance (meters)``, notes.
  Weights such as ``12.900000000000034`` are rounded; sets with neither weight, reps, time nor
  distance are empty and left out.
- Hevy: ``title, start_time ("15 Sep 2025, 07:48"), end_time, exercise_title, set_index,
  set_type (normal, warmup, failure, dropset), weight_kg (or weight_lbs), reps, distance_km,
  duration_seconds, rpe``.

A file imports in one transaction: all of it or, when it cannot be read, nothing. Sessions
already held (same app, same start and title) are not added again. Exercise names are matched to
the library; names it cannot place are kept as written and listed.

The limits of :mod:`tools.importing.plausibility` apply: a set no one could do (5,000 reps,
9,000 kg) is left out; an RPE outside 1-10 is left out and its set kept; a workout dated before 1990
or in the future is refused. Each is reported with the reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from storage.strength import NewSession, NewSet, add_sessions, held_sources
from tools.context import ToolContext
from tools.importing.plausibility import RPE, date_problem, set_problems
from tools.strength.library import Matcher
from tools.strength.parsing import LB

MAX_CSV_BYTES = 32 * 1024 * 1024
HEVY = "hevy"
STRONG = "strong"
APPS = {HEVY: "Hevy", STRONG: "Strong"}
NOT_A_LOG = (
    "is a CSV file Coach G doesn't know. It reads workout exports of Strong and Hevy (in the "
    "app: Settings → Export data → CSV) and a Strava export's activities.csv; export again "
    "from one of those and drop that file in."
)


class StrengthFileError(ValueError):
    """A file that cannot be imported; the message says why and what to do."""


@dataclass
class StrengthImport:
    """What importing one workout log did."""

    name: str
    app: str
    sessions_added: int = 0
    sessions_held: int = 0
    sets_added: int = 0
    sets_skipped: int = 0
    mapped: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Workouts refused as impossible (dated 1970, ...): ``(name, reason)``.
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        line = (
            f"{self.name} ({APPS[self.app]}): {self.sessions_added} strength session"
            f"{'s' if self.sessions_added != 1 else ''} ({self.sets_added} sets) imported"
        )
        if self.sessions_held:
            line += f", {self.sessions_held} already there"
        if self.refused:
            line += f", {len(self.refused)} refused as impossible"
        return line + "."


def _text(data: bytes, name: str) -> str:
    if not data.strip():
        raise StrengthFileError(f"{name} is empty; export it again from the app.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _header(text: str) -> tuple[list[str], str]:
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return next(csv.reader([first], delimiter=delimiter)), delimiter


def sniff(data: bytes) -> str | None:
    """``"hevy"`` or ``"strong"`` for a workout log, None for any other content."""
    try:
        header, _ = _header(_text(data[:4096], "file"))
    except StrengthFileError:
        return None
    columns = {c.strip().lower() for c in header}
    if {"exercise_title", "start_time", "set_index"} <= columns:
        return HEVY
    if {"exercise name", "set order", "date"} <= columns and any(
        c.startswith("weight") for c in columns
    ):
        return STRONG
    return None


def is_strava_listing(data: bytes) -> bool:
    """Whether a CSV is a Strava export's activities.csv (imported as activities)."""
    return b"Activity ID" in data[:2048]


def _number(value: str | None) -> float | None:
    if value is None or not str(value).strip():
        return None
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def _duration_s(text: str) -> float | None:
    """Strong's "1h 5m" / "35m" / "45s", or seconds."""
    if not text:
        return None
    if (plain := _number(text)) is not None:
        return plain
    total = 0.0
    for amount, unit in re.findall(r"(\d+)\s*([hms])", text):
        total += int(amount) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total or None


@dataclass
class _Row:
    key: str
    title: str
    started: datetime
    duration_s: float | None
    exercise: str
    set_type: str
    reps: int | None
    weight_kg: float | None
    seconds: float | None
    distance_m: float | None
    rpe: float | None


def _hevy_rows(reader: csv.DictReader, lbs: bool) -> list[_Row]:
    rows = []
    for raw in reader:
        start = (raw.get("start_time") or "").strip()
        started = datetime.strptime(start, "%d %b %Y, %H:%M")
        end = (raw.get("end_time") or "").strip()
        duration = None
        if end:
            duration = (datetime.strptime(end, "%d %b %Y, %H:%M") - started).total_seconds()
        weight = _number(raw.get("weight_lbs") if lbs else raw.get("weight_kg"))
        km = _number(raw.get("distance_km"))
        reps = _number(raw.get("reps"))
        rows.append(
            _Row(
                key=f"{start}|{raw.get('title', '')}",
                title=raw.get("title") or "Hevy workout",
                started=started,
                duration_s=duration,
                exercise=(raw.get("exercise_title") or "").strip(),
                set_type=(raw.get("set_type") or "normal").strip() or "normal",
                reps=int(reps) if reps else None,
                weight_kg=round(weight * LB, 2) if weight and lbs else weight,
                seconds=_number(raw.get("duration_seconds")) or None,
                distance_m=km * 1000 if km else None,
                rpe=_number(raw.get("rpe")),
            )
        )
    return rows


def _strong_rows(reader: csv.DictReader, header: list[str]) -> list[_Row]:
    lbs = any(h.lower().startswith("weight (lb") for h in header)
    weight_column = next(h for h in header if h.lower().startswith("weight"))
    rows = []
    for raw in reader:
        when = (raw.get("Date") or "").strip()
        started = datetime.fromisoformat(when)
        order = (raw.get("Set Order") or "").strip()
        weight = _number(raw.get(weight_column))
        reps = _number(raw.get("Reps"))
        meters = _number(raw.get("Distance (meters)") or raw.get("Distance"))
        duration = raw.get("Duration (sec)") or raw.get("Duration") or ""
        rows.append(
            _Row(
                key=f"{raw.get('Workout #') or when}|{raw.get('Workout Name', '')}",
                title=raw.get("Workout Name") or "Strong workout",
                started=started,
                duration_s=_duration_s(duration.strip()),
                exercise=(raw.get("Exercise Name") or "").strip(),
                set_type="warmup" if order.upper() == "W" else "normal",
                reps=int(reps) if reps else None,
                weight_kg=round(weight * LB if lbs else weight, 2) if weight else None,
                seconds=_number(raw.get("Seconds")) or None,
                distance_m=meters or None,
                rpe=_number(raw.get("RPE")),
            )
        )
    return rows


def read_log(data: bytes, name: str) -> tuple[str, list[_Row]]:
    """The app and the rows of a workout log; raises :class:`StrengthFileError`."""
    if len(data) > MAX_CSV_BYTES:
        raise StrengthFileError(f"{name} is over {MAX_CSV_BYTES // 2**20} MB; split it.")
    text = _text(data, name)
    app = sniff(data)
    if app is None:
        raise StrengthFileError(f"{name} {NOT_A_LOG}")
    header, delimiter = _header(text)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        if app == HEVY:
            rows = _hevy_rows(reader, "weight_lbs" in header and "weight_kg" not in header)
        else:
            rows = _strong_rows(reader, header)
    except (ValueError, KeyError, csv.Error) as error:
        raise StrengthFileError(
            f"{name} looks like a {APPS[app]} export but line {reader.line_num} cannot be "
            f"read ({error}); export it again. Nothing was imported."
        ) from error
    if not rows:
        raise StrengthFileError(f"{name} holds no sets; export it again from {APPS[app]}.")
    return app, rows


def _examples(items: list[str], shown: int = 3) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def import_log(ctx: ToolContext, path: Path) -> StrengthImport:
    """Import one Strong or Hevy export for the context's athlete (all or nothing)."""
    data = path.read_bytes()
    app, rows = read_log(data, path.name)
    report = StrengthImport(path.name, app)
    with ctx.session() as session:
        held = held_sources(session, ctx.actor, ctx.athlete_id, app)
    fresh = [r for r in rows if r.key[:200] not in held]
    report.sessions_held = len({r.key for r in rows if r.key[:200] in held})
    matcher = Matcher.for_context(ctx) if fresh else None
    matches = (
        {n: matcher.match(n) for n in dict.fromkeys(r.exercise for r in fresh)} if matcher else {}
    )
    report.mapped = {n: m.name for n, m in matches.items() if m.sure}
    report.unmapped = sorted(n for n, m in matches.items() if not m.sure)
    sessions: OrderedDict[str, NewSession] = OrderedDict()
    impossible: list[str] = []
    odd_rpe: list[str] = []
    refused: dict[str, str] = {}
    for row in fresh:
        empty = not (row.reps or row.weight_kg or row.seconds or row.distance_m)
        if empty or not row.exercise:
            report.sets_skipped += 1
            continue
        where = f"{row.exercise}, {row.started:%d %b %Y}"
        if row.key in refused or (when := date_problem(row.started)):
            if row.key not in refused:
                refused[row.key] = when
                label = f"{path.name}: workout '{row.title}' of {row.started:%d %b %Y}"
                report.refused.append(
                    (label, f"refused: {when}. Nothing of this workout was stored")
                )
            continue
        if problems := set_problems(row.reps, row.weight_kg, row.seconds, row.distance_m):
            impossible.append(f"{where}: {problems[0]}")
            continue
        rpe = row.rpe
        if rpe is not None and not RPE.holds(rpe):
            odd_rpe.append(f"RPE {rpe:g} on {where}")
            rpe = None
        new = sessions.get(row.key)
        if new is None:
            new = sessions[row.key] = NewSession(
                day=row.started.date().isoformat(),
                source=app,
                source_id=row.key,
                name=row.title,
                duration_s=row.duration_s,
            )
        match = matches[row.exercise]
        new.sets.append(
            NewSet(
                exercise_name=row.exercise,
                exercise_id=match.exercise_id,
                reps=row.reps,
                weight_kg=row.weight_kg,
                seconds=row.seconds,
                distance_m=row.distance_m,
                rpe=rpe,
                set_type=row.set_type,
            )
        )
    if impossible:
        report.warnings.append(
            f"{len(impossible)} {'set' if len(impossible) == 1 else 'sets'} no one could do "
            f"{'was' if len(impossible) == 1 else 'were'} left out ({_examples(impossible)}); "
            f"correct {'it' if len(impossible) == 1 else 'them'} in {APPS[app]} and import "
            "again to add them"
        )
    if odd_rpe:
        report.warnings.append(
            f"{len(odd_rpe)} RPE {'value' if len(odd_rpe) == 1 else 'values'} outside 1-10 "
            f"left out, the sets kept ({_examples(odd_rpe)}); {RPE.says}"
        )
    if app == STRONG and b"Weight (" not in data[:4096]:
        report.warnings.append(
            "Strong's export says no unit for weights; they were read as kilograms"
        )
    with ctx.session() as session:
        added, also_held, sets = add_sessions(
            session, ctx.actor, ctx.athlete_id, list(sessions.values())
        )
    report.sessions_added = added
    report.sessions_held += also_held
    report.sets_added = sets
    return report


def strength_logs(paths: list[str | Path]) -> tuple[list[Path], list[str | Path]]:
    """The CSV files among ``paths`` that are not a Strava listing (they import as workout
    logs), and the other paths."""
    logs, rest = [], []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_file() and path.suffix.lower() == ".csv":
            with path.open("rb") as stream:
                head = stream.read(2048)
            if not is_strava_listing(head):
                logs.append(path)
                continue
        rest.append(raw)
    return logs, rest
