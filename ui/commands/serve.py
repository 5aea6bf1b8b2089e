"""``coachg serve``: the chat app in the browser."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="start the chat app on localhost")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from ui.web import serve

    serve(host=args.host, port=args.port)
    return 0
