"""``coachg activities``: list activities, newest first, with totals."""

from __future__ import annotations

import argparse
import json

from tools.activities import list_activities
from ui.commands.common import open_context, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("activities", help="list activities, newest first")
    parser.add_argument("--since", help="first day, YYYY-MM-DD")
    parser.add_argument("--until", help="last day (included), YYYY-MM-DD")
    parser.add_argument("--sport", help="run, ride, swim, walk, hike or other")
    parser.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    parser.add_argument("--athlete", help="whose activities (a coach's athlete)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.set_defaults(func=run)


def _cell(value: object) -> object:
    return "" if value is None else value


def run(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    result = list_activities(
        ctx, since=args.since, until=args.until, sport=args.sport, limit=args.limit
    )
    if not result.ok:
        print(result.message)
        return 2
    rows = result.data["rows"]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(result.message)
        return 0
    print_table(
        ["id", "date", "sport", "name", "km", "min", "pace/km", "hr", "spm"],
        [
            (
                row["id"],
                row["start_time"][:16].replace("T", " "),
                row["sport"],
                row["name"][:30],
                _cell(row["distance_km"] and round(row["distance_km"], 2)),
                _cell(row["moving_time_min"]),
                _cell(row["pace_per_km"]),
                _cell(row["avg_hr"] and round(row["avg_hr"])),
                _cell(row["avg_cadence_spm"] and round(row["avg_cadence_spm"])),
            )
            for row in rows
        ],
    )
    print(", ".join(f.render() for f in result.facts))
    for caveat in result.caveats:
        print(f"({caveat})")
    return 0
