"""A plan as an iCalendar file (RFC 5545): one all-day event per session, with its
description, so any calendar app shows the plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools.plans.model import Plan

PRODID = "-//Coach G//Training plan//EN"


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 asks."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """A content line folded at 75 octets."""
    data = line.encode()
    if len(data) <= 75:
        return [line]
    out, chunk = [], b""
    for char in line:
        piece = char.encode()
        if len(chunk) + len(piece) > (75 if not out else 74):
            out.append(chunk.decode())
            chunk = b""
        chunk += piece
    out.append(chunk.decode())
    return [out[0]] + [" " + rest for rest in out[1:]]


def plan_ics(plan: Plan, athlete: str = "") -> str:
    """The plan's sessions as an iCalendar text."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for n, session in enumerate(plan.sessions):
        day = session.day
        lines += [
            "BEGIN:VEVENT",
            f"UID:coachg-plan-{plan.start:%Y%m%d}-{athlete or 'me'}-{n}@coachg",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_text(session.title())}",
            f"DESCRIPTION:{_text(session.description() or session.title())}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))


def write_ics(plan: Plan, path: Path, athlete: str = "") -> Path:
    path.write_text(plan_ics(plan, athlete), encoding="utf-8", newline="")
    return path
