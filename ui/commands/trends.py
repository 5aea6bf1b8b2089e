"""``coachg load``, ``coachg changes`` and ``coachg profile``: training load, changes in a metric,
and the heart rates and threshold pace load is worked out from. Each prints the reply the chat
gives (the tool's own phrasing), or with ``--json`` the whole tool result."""

from __future__ import annotations

import argparse
import json

from tools.profile import HOW_TO_SET, SET_SPEC, set_profile, show_profile
from tools.reply import standard_reply
from tools.result import ToolResult
from tools.spec import ToolSpec
from tools.trends import changes, training_load
from ui.commands.common import open_context

#: What ``coachg changes all`` asks for: the overview of the usual metrics.
ALL = "all"


def register(subparsers: argparse._SubParsersAction) -> None:
    load = subparsers.add_parser(
        "load", help="training load: fitness, fatigue, form, weekly volume and long-run spikes"
    )
    load.add_argument("--since", help="first week of the weekly volumes shown, YYYY-MM-DD")
    load.add_argument("--until", help="the day to report on, YYYY-MM-DD (default today)")
    _common(load, "whose load (a coach's athlete)")
    load.set_defaults(func=_load)

    found = subparsers.add_parser(
        "changes", help="where a metric (cadence, stride, heart rate, pace, ...) changed level"
    )
    found.add_argument(
        "metric",
        help="cadence, stride, heart rate, pace, efficiency, decoupling, power, contact time, "
        f"... or {ALL!r} for an overview",
    )
    found.add_argument(
        "--since", help='the first day, YYYY-MM-DD, or "last race" ("last marathon", ...)'
    )
    _common(found, "whose metrics (a coach's athlete)")
    found.set_defaults(func=_changes)

    profile = subparsers.add_parser(
        "profile",
        help="show or set the heart rates, threshold pace and sex training load uses",
        description="Without options, shows the profile; with them, stores the values given "
        "(the options are the confirmation) and shows it.",
    )
    profile.add_argument("--max-hr", type=float, metavar="BPM", help="maximum heart rate")
    profile.add_argument("--resting-hr", type=float, metavar="BPM", help="resting heart rate")
    profile.add_argument(
        "--threshold-hr", type=float, metavar="BPM", help="lactate-threshold heart rate"
    )
    profile.add_argument(
        "--threshold-pace", metavar="M:SS", help="threshold pace per km, e.g. 4:30"
    )
    profile.add_argument("--sex", choices=("male", "female"), help="picks the TRIMP weighting")
    _common(profile, "whose profile (a coach's athlete)")
    profile.set_defaults(func=_profile)


def _common(parser: argparse.ArgumentParser, athlete_help: str) -> None:
    parser.add_argument("--athlete", help=athlete_help)
    parser.add_argument("--json", action="store_true", help="print the whole tool result as JSON")


def _print(result: ToolResult, spec: ToolSpec, as_json: bool) -> int:
    """The result as the chat words it (or as JSON); exit status 2 when the tool failed."""
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    elif result.ok and spec.phrase:
        print(spec.phrase(result))
    else:
        print(standard_reply(result))
    return 0 if result.ok else 2


def _load(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    result = training_load.training_load(ctx, since=args.since, until=args.until)
    return _print(result, training_load.SPEC, args.json)


def _changes(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    metric = None if args.metric.strip().lower() == ALL else args.metric
    result = changes.detect_changes(ctx, metric=metric, since=args.since)
    return _print(result, changes.SPEC, args.json)


def _profile(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    given = {
        "max_hr": args.max_hr,
        "resting_hr": args.resting_hr,
        "threshold_hr": args.threshold_hr,
        "threshold_pace": args.threshold_pace,
        "sex": args.sex,
    }
    given = {name: value for name, value in given.items() if value is not None}
    result = set_profile(ctx, **given) if given else show_profile(ctx)
    status = _print(result, SET_SPEC, args.json)
    if result.ok and not args.json and result.data.get("unset"):
        flags = " ".join(HOW_TO_SET[name][1] for name in result.data["unset"])
        print(f"(Here: coachg profile {flags}, with your own values.)")
    return status
