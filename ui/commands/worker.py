"""``coachg worker``: work the shared job queue (``COACHG_QUEUE_URL=redis://...``) from this
machine: video analyses, imports and Strava syncs of every user, one at a time per user."""

from __future__ import annotations

import argparse

from storage.db import database
from storage.settings import Settings
from tools.jobs.broker import is_shared
from tools.jobs.runner import JobRunner


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run job workers against the shared queue (COACHG_QUEUE_URL)",
        description="Take heavy jobs (video analysis, imports, Strava syncs) from the queue at "
        "COACHG_QUEUE_URL until stopped (Ctrl+C lets running jobs finish). The machine needs "
        "the same COACHG_DATABASE_URL and a shared COACHG_HOME/media folder.",
    )
    parser.add_argument("--workers", type=int, default=2, help="jobs run at once (default 2)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not is_shared(settings.queue_url):
        print(
            "COACHG_QUEUE_URL is not set, so jobs run inside `coachg serve` and each command. "
            "Set it (e.g. redis://HOST:6379/0) on this machine and the server's to share the "
            "work."
        )
        return 2
    runner = JobRunner(database(settings.database_url), settings, workers=0)
    print(f"Coach G worker: {args.workers} worker(s) on the shared queue; Ctrl+C stops.")
    runner.work(args.workers)
    return 0
