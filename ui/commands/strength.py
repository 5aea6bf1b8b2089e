"""``coachg strength ...``: log, correct, look back, build routines and search the exercise
library from a terminal, through the same functions the chat uses.

    coachg strength log "3x8 squats at 60kg, plank 3x45s" [--day 2026-11-28] [--yes]
    coachg strength fix "delete my last set" [--yes]
    coachg strength history [--exercise squat] [--group calves] [--since D] [--until D]
    coachg strength routine [--minutes 30] [--per-week 2] [--gym] [--save NAME]
    coachg strength exercises [TEXT] [--muscle M] [--equipment E] [--group G]
"""

from __future__ import annotations

import argparse
import json
import sys

from storage.strength import exercises_for
from tools.reply import standard_reply
from tools.result import ToolResult
from tools.spec import ToolSpec
from tools.strength import fix_tool, history_tool, log_tool, routines
from tools.strength.library import GROUPS, ensure_library, search
from ui.commands.common import open_context, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "strength", help="log and look back at strength sessions, routines, the exercise library"
    )
    commands = parser.add_subparsers(dest="strength_command", metavar="WHAT", required=True)

    log = commands.add_parser("log", help='log a session: "3x8 squats at 60kg, plank 3x45s"')
    log.add_argument("workout", help="what you did, as you would say it, or a routine's name")
    log.add_argument("--day", help="the day trained, YYYY-MM-DD (default: as said, else today)")
    log.add_argument("--yes", action="store_true", help="write without asking")
    _common(log)
    log.set_defaults(func=_log)

    fix = commands.add_parser("fix", help='correct or delete logged sets: "delete my last set"')
    fix.add_argument("request", help="what to correct or delete")
    fix.add_argument("--yes", action="store_true", help="change without asking")
    _common(fix)
    fix.set_defaults(func=_fix)

    history = commands.add_parser("history", help="sessions, volume, estimated 1RM, records")
    history.add_argument("--exercise", help="an exercise to look at (squat, RDL, ...)")
    history.add_argument("--group", choices=sorted(GROUPS), help="a runner-relevant group")
    history.add_argument("--since", help="first day, YYYY-MM-DD")
    history.add_argument("--until", help="last day, YYYY-MM-DD")
    _common(history)
    history.set_defaults(func=_history)

    routine = commands.add_parser("routine", help="build (and save) a runner's routine")
    routine.add_argument("--minutes", type=int, default=30, help="minutes a session (10-120)")
    routine.add_argument("--per-week", type=int, default=2, help="sessions a week")
    routine.add_argument("--gym", action="store_true", help="a gym is available")
    routine.add_argument("--focus", choices=sorted(GROUPS), help="a group to start with")
    routine.add_argument("--save", metavar="NAME", help="save it under this name")
    routine.add_argument("--list", action="store_true", help="list the saved routines")
    _common(routine)
    routine.set_defaults(func=_routine)

    find = commands.add_parser("exercises", help="search the exercise library")
    find.add_argument("text", nargs="?", default="", help="words of the name")
    find.add_argument("--muscle", default="", help="a muscle (calves, glutes, quadriceps...)")
    find.add_argument("--equipment", default="", help="body only, dumbbell, barbell, bands...")
    find.add_argument("--group", default="", choices=["", *sorted(GROUPS)])
    _common(find)
    find.set_defaults(func=_exercises)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athlete", help="whose data (a coach's athlete)")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")


def _print(result: ToolResult, spec: ToolSpec, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    elif spec.phrase:
        print(spec.phrase(result))
    else:
        print(standard_reply(result))
    return 0 if result.ok else 2


def _ask(question: str) -> bool:
    print(question)
    if not sys.stdin.isatty():
        print("Not written: run again with --yes to write without asking.")
        return False
    return input("Save it? [y/N] ").strip().lower() in ("y", "yes")


def _log(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    text = f"{args.workout} {args.day}" if args.day else args.workout
    step = log_tool.log_flow(ctx, {}, text)
    if step.result is not None:  # a problem: nothing to write
        return _print(step.result, log_tool.SPEC, args.json)
    if step.data.get("stage") != "confirm":
        print(step.ask)
        print("Nothing was logged; write the exercise as the library names it.")
        return 2
    if not args.yes and not _ask(step.ask):
        return 1
    return _print(log_tool.write(ctx, step.data, source="cli"), log_tool.SPEC, args.json)


def _fix(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    step = fix_tool.fix_flow(ctx, {}, args.request)
    if step.result is not None:
        return _print(step.result, fix_tool.SPEC, args.json)
    if not args.yes and not _ask(step.ask):
        return 1
    return _print(fix_tool.fix_flow(ctx, step.data, "yes").result, fix_tool.SPEC, args.json)


def _history(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    result = history_tool.strength_history(
        ctx, exercise=args.exercise, group=args.group, since=args.since, until=args.until
    )
    status = _print(result, history_tool.SPEC, args.json)
    if result.ok and not args.json:
        for artifact in result.artifacts:
            print(f"plot: {artifact.path}")
    return status


def _routine(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    if args.list:
        return _print(routines.list_routines(ctx), routines.SPEC, args.json)
    result = routines.strength_routine(
        ctx, args.minutes, args.per_week, args.gym, args.focus, save_as=args.save
    )
    return _print(result, routines.SPEC, args.json)


def _exercises(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    ensure_library(ctx)
    with ctx.session() as session:
        found = search(
            exercises_for(session, ctx.actor, ctx.athlete_id),
            args.text,
            args.muscle,
            args.equipment,
            args.group,
        )
        rows = [
            (e.name, e.equipment or "-", ", ".join(e.primary_muscles), ", ".join(e.groups))
            for e in found
        ]
    if args.json:
        print(json.dumps([dict(zip(("name", "equipment", "muscles", "groups"), r, strict=True))
                          for r in rows], indent=2))  # fmt: skip
    else:
        print_table(("Exercise", "Equipment", "Muscles", "Runner groups"), rows)
        print(f"{len(rows)} exercises")
    return 0
