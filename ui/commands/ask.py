"""``coachg ask "..."``: one chat turn from the command line, for scripts and evaluations."""

from __future__ import annotations

import argparse
import json
import sys

from agent.coach import Coach
from agent.intents import is_ready
from models.embedding import default_embedder
from ui.commands.common import open_context


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ask", help="ask Coach G one question")
    parser.add_argument("message", help='what you would type in the chat, e.g. "my last 5 runs"')
    parser.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="a video or activity file to send with the message (repeatable)",
    )
    parser.add_argument("--athlete", help="for a coach: which of your athletes this is about")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the reply, tool calls, facts and confidence as JSON",
    )
    parser.set_defaults(func=_ask)


def _ask(args: argparse.Namespace) -> int:
    ctx = open_context(args, athlete=args.athlete)

    def progress(fraction: float, message: str) -> None:
        if not args.json:
            print(f"  [{fraction:4.0%}] {message}", file=sys.stderr)

    ready = is_ready()
    if ready and getattr(args, "own_process", False):
        # One question, then the process ends: the embedding model (when the question needs
        # it) opens for a quick start rather than for many batches (a classifier still to
        # train may embed hundreds of examples).
        default_embedder().few_texts = True
    if not ready:
        print(
            "coachg: getting ready: learning to read questions (once per install, under a "
            "minute; `coachg serve` does it at its first start)",
            file=sys.stderr,
        )
    coach = Coach(ctx.db, ctx.settings)
    reply = coach.turn(ctx.actor, args.message, args.attach, ctx.athlete_id, progress)
    if args.json:
        print(json.dumps(reply.to_dict(), indent=2, default=str))
    else:
        print(reply.text)
        for artifact in reply.artifacts:
            print(f"  {artifact.kind}: {artifact.path}")
        print(f"  (answered by: {reply.backend})", file=sys.stderr)
    return 0
