"""``coachg serve``: the chat app in the browser."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="start the chat app on localhost")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from storage.settings import Settings
    from tools.jobs.queue_url import is_shared
    from ui.web import serve

    settings = Settings.from_env()
    if settings.queue_workers > 0 and not is_shared(settings.queue_url):
        from tools.gait.warm_pool import keep_warm

        keep_warm()  # this server analyses videos itself: its pose workers start ahead
    serve(host=args.host, port=args.port)
    return 0
