"""``coachg worker``: work the shared job queue (``COACHG_QUEUE_URL=redis://...``) from this
machine: video analyses, imports and Strava syncs of every user, one at a time per user.

With ``--metrics-port`` (or ``COACHG_WORKER_METRICS_PORT``) it also serves its own metrics (the
``coachg_`` registry of :mod:`storage.monitoring`: its jobs' counts and durations) in
Prometheus' text format, on 127.0.0.1 unless ``--metrics-host`` names another address."""

from __future__ import annotations

import argparse
import os

from storage.db import database
from storage.settings import Settings
from tools.jobs.broker import is_shared
from tools.jobs.runner import JobRunner

#: The setting that turns the worker's metrics on when ``--metrics-port`` is not given.
METRICS_PORT_ENV = "COACHG_WORKER_METRICS_PORT"
METRICS_HOST = "127.0.0.1"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run job workers against the shared queue (COACHG_QUEUE_URL)",
        description="Take heavy jobs (video analysis, imports, Strava syncs) from the queue at "
        "COACHG_QUEUE_URL until stopped (Ctrl+C lets running jobs finish). The machine needs "
        "the same COACHG_DATABASE_URL and a shared COACHG_HOME/media folder.",
    )
    parser.add_argument("--workers", type=int, default=2, help="jobs run at once (default 2)")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="PORT",
        help=f"serve this worker's Prometheus metrics at http://HOST:PORT/metrics (default: "
        f"${METRICS_PORT_ENV}, else off)",
    )
    parser.add_argument(
        "--metrics-host",
        default=METRICS_HOST,
        metavar="ADDRESS",
        help=f"the address the metrics are served on (default {METRICS_HOST}, this machine "
        "only); another only on a private network: the metrics ask for no token",
    )
    parser.set_defaults(func=run)


def metrics_port(args: argparse.Namespace) -> int | None:
    """The port to serve metrics on: ``--metrics-port``, else the setting, else none (off)."""
    port = getattr(args, "metrics_port", None)
    if port is None:
        value = os.environ.get(METRICS_PORT_ENV, "").strip()
        port = int(value) if value else None
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"the metrics port must be 1-65535, not {port}")
    return port


def serve_metrics(host: str, port: int) -> None:
    """Serve :data:`storage.monitoring.REGISTRY` (only Coach G's own metrics) on a daemon
    thread, with prometheus_client's own HTTP server."""
    from prometheus_client import start_http_server

    from storage.monitoring import REGISTRY

    start_http_server(port, addr=host, registry=REGISTRY)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not is_shared(settings.queue_url):
        print(
            "COACHG_QUEUE_URL is not set, so jobs run inside `coachg serve` and each command. "
            "Set it (e.g. redis://HOST:6379/0) on this machine and the server's to share the "
            "work."
        )
        return 2
    try:
        port = metrics_port(args)
    except ValueError as error:
        print(f"{error} (--metrics-port or {METRICS_PORT_ENV}).")
        return 2
    if port is not None:
        host = getattr(args, "metrics_host", None) or METRICS_HOST
        try:
            serve_metrics(host, port)
        except OSError as error:
            print(f"Cannot serve metrics on {host}:{port}: {error}")
            return 2
        print(f"Coach G worker metrics at http://{host}:{port}/metrics", flush=True)
    runner = JobRunner(database(settings.database_url), settings, workers=0)
    from tools.gait.warm_pool import keep_warm

    keep_warm()  # pose workers started ahead of the first video analysis, and each next one
    print(f"Coach G worker: {args.workers} worker(s) on the shared queue; Ctrl+C stops.")
    runner.work(args.workers)
    return 0
