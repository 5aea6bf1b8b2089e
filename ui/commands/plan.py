"""``coachg plan show``, ``coachg plan export --ics FILE`` and ``coachg plan export --fit DIR``:
the athlete's current plan (the one the chat made or changed; a new one when none is current or
planning options are given, kept as the current one), printed, written as a calendar file, or
written as FIT workouts for a watch."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tools.plans import fit, ics
from tools.plans.tool import SPEC, plan_for_cli
from tools.reply import standard_reply
from ui.commands.common import open_context


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser(
        "plan", help="your next weeks of running: show the plan or export it as a calendar"
    )
    actions = plan.add_subparsers(dest="plan_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the plan")
    _common(show)
    show.add_argument("--json", action="store_true", help="print the whole tool result as JSON")
    show.set_defaults(func=_show)
    export = actions.add_parser(
        "export", help="write the plan as an .ics calendar file and/or FIT workouts"
    )
    _common(export)
    export.add_argument("--ics", metavar="FILE", help="the .ics file to write")
    export.add_argument(
        "--fit", metavar="DIR", help="a folder for one FIT workout per run (for a Garmin watch)"
    )
    export.set_defaults(func=_export)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athlete", help="whose plan (a coach's athlete)")
    parser.add_argument("--weeks", type=int, help="how many weeks (1-16; default 1)")
    parser.add_argument("--race-date", help="race day, YYYY-MM-DD: plans up to it with a taper")
    parser.add_argument("--race", help='race distance: "marathon", "half marathon", "10k", km')
    parser.add_argument("--days-per-week", type=int, help="days a week to run")
    parser.add_argument("--not-on", help='weekdays not to run on, e.g. "thursday,saturday"')
    parser.add_argument(
        "--new", action="store_true", help="make a new plan even when one is current"
    )


def _args(args: argparse.Namespace) -> dict:
    given = {
        "weeks": args.weeks,
        "race_date": args.race_date,
        "race": args.race,
        "days_per_week": args.days_per_week,
        "not_on": args.not_on,
        "fresh": args.new or None,
    }
    return {k: v for k, v in given.items() if v is not None}


def _show(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    result, _ = plan_for_cli(ctx, **_args(args))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        print(SPEC.phrase(result) if result.ok and SPEC.phrase else standard_reply(result))
    return 0 if result.ok else 2


def _export(args: argparse.Namespace) -> int:
    if not (args.ics or args.fit):
        print("Say what to write: --ics FILE (a calendar) and/or --fit DIR (watch workouts).")
        return 2
    ctx = open_context(args, args.athlete)
    result, plan = plan_for_cli(ctx, **_args(args))
    if plan is None:
        print(standard_reply(result))
        return 2
    if args.ics:
        path = ics.write_ics(plan, Path(args.ics), ctx.who if ctx.about_someone_else else "")
        print(f"Wrote {len(plan.sessions)} sessions from {plan.start} to {path}.")
    if args.fit:
        paths = fit.write_fit(plan, Path(args.fit))
        print(
            f"Wrote {len(paths)} FIT workouts to {args.fit} (copy them to GARMIN/NewFiles on "
            "the watch, or import them in Garmin Connect)."
        )
    return 0
