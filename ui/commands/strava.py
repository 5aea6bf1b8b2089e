"""``coachg strava connect | sync | status | disconnect``: Strava, thin over tools.strava."""

from __future__ import annotations

import argparse
import json
import sys
import webbrowser

from tqdm import tqdm

from tools.strava.oauth import ConnectError, connect, disconnect, token_expiry_text
from tools.strava.status import strava_status
from tools.strava.sync import SyncOptions
from ui.commands.common import command_jobs, open_context


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "strava",
        help="connect Strava and sync activities from it",
        description="Strava: connect once (your own Strava API application: set "
        "COACHG_STRAVA_CLIENT_ID and COACHG_STRAVA_CLIENT_SECRET), then sync.",
    )
    actions = parser.add_subparsers(dest="strava_command", metavar="ACTION", required=True)

    connect_parser = actions.add_parser("connect", help="authorize Coach G on Strava")
    connect_parser.add_argument(
        "--no-browser", action="store_true", help="only print the link, do not open a browser"
    )
    connect_parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for Strava (default 300)"
    )
    connect_parser.set_defaults(func=run_connect)

    sync_parser = actions.add_parser("sync", help="fetch new activities (and runs' streams)")
    sync_parser.add_argument("--full", action="store_true", help="list every activity again")
    sync_parser.add_argument(
        "--no-streams", action="store_true", help="summaries only; streams wait for a later sync"
    )
    sync_parser.add_argument(
        "--streams",
        type=int,
        default=None,
        metavar="N",
        help="fetch streams of at most N runs this time (default: as the rate limits allow)",
    )
    sync_parser.add_argument("--laps", action="store_true", help="also fetch runs' laps")
    sync_parser.add_argument("--athlete", help="sync for this athlete (a coach for their athlete)")
    sync_parser.add_argument("--json", action="store_true", help="print the report as JSON")
    sync_parser.set_defaults(func=run_sync)

    status_parser = actions.add_parser("status", help="connection and sync state")
    status_parser.add_argument("--athlete", help="for this athlete (a coach for their athlete)")
    status_parser.set_defaults(func=run_status)

    disconnect_parser = actions.add_parser("disconnect", help="revoke access and forget tokens")
    disconnect_parser.set_defaults(func=run_disconnect)


def run_connect(args: argparse.Namespace) -> int:
    ctx = open_context(args)

    def announce(url: str) -> None:
        print("Open this link to let Coach G read your Strava activities:", flush=True)
        print(f"  {url}", flush=True)
        print(f"Waiting for Strava (up to {args.timeout / 60:.0f} minutes)...", flush=True)

    opener = (lambda url: None) if args.no_browser else webbrowser.open
    try:
        result = connect(ctx, announce=announce, open_browser=opener, timeout_s=args.timeout)
    except ConnectError as error:
        print(str(error), file=sys.stderr)
        return 1
    who = result.athlete_name or (
        f"Strava athlete {result.strava_athlete_id}" if result.strava_athlete_id else "you"
    )
    print(f"Connected to Strava as {who} (scope {result.scope}).")
    print("Run `coachg strava sync` to fetch your activities.")
    return 0


def run_sync(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    options = SyncOptions(
        full=args.full, streams=not args.no_streams, stream_limit=args.streams, laps=args.laps
    )
    with tqdm(total=1.0, desc="Strava", disable=None, file=sys.stderr, leave=False) as bar:

        def progress(fraction: float, message: str) -> None:
            bar.set_postfix_str(message)
            bar.n = max(0.0, min(fraction, 1.0))
            bar.refresh()

        report = command_jobs(ctx).submit("strava_sync", ctx, options=options).wait(progress)
    if args.json:
        print(
            json.dumps(
                {
                    "new": report.new,
                    "already_held": report.already_held,
                    "streams_fetched": report.streams_fetched,
                    "streams_pending": report.streams_pending,
                    "api_requests": report.api_requests,
                    "stopped": report.stopped,
                    "message": report.message,
                    "resume_at": report.resume_at.isoformat() if report.resume_at else None,
                    "seconds": round(report.seconds, 2),
                },
                indent=2,
            )
        )
    elif report.stopped in ("", "rate_limit"):
        print(report.summary())
    else:
        print(report.message, file=sys.stderr)
    return 0 if report.stopped in ("", "rate_limit") else 1


def run_status(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    status = strava_status(ctx)
    for line in status.lines():
        print(line)
    if status.connected and status.token_expires_at is not None:
        print(f"Access token: {token_expiry_text(status.token_expires_at)}")
    return 0


def run_disconnect(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    result = disconnect(ctx)
    print(result.message)
    return 0
