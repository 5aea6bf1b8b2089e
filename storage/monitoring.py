"""This process's Prometheus metrics, in a registry of its own (never the library's global
default, so nothing another library registers is exposed by accident).

Every name starts ``coachg_``. Labels take only a few values each (a route's reviewed pattern,
a job kind, a channel, an outcome), never a user, a path or an id. The web server serves
:func:`exposition` at ``/metrics`` (ui/web_metrics.py); a ``coachg worker`` on another machine
counts its own jobs in its own process.

This module is in ``storage`` because every layer counts something here (the web server its
requests, the job runner its jobs, the importer its files) and ``storage`` is the layer all may
import; it imports nothing of Coach G's.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

#: Seconds: a page's small requests take milliseconds; a chat turn seconds; a video minutes.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
TURN_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120)
JOB_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 3600)

HTTP_REQUESTS = Counter(
    "coachg_http_requests",
    "HTTP requests answered, by route (its reviewed pattern), method and status code.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "coachg_http_request_duration_seconds",
    "Time to answer an HTTP request (until the last byte of the answer), by route and method.",
    ["route", "method"],
    buckets=REQUEST_BUCKETS,
    registry=REGISTRY,
)
CHAT_TURNS = Counter(
    "coachg_chat_turns",
    "Chat turns answered, by channel (web, api) and outcome (ok, error).",
    ["channel", "outcome"],
    registry=REGISTRY,
)
CHAT_LATENCY = Histogram(
    "coachg_chat_turn_duration_seconds",
    "Time from a message to its reply (a video's analysis included), by channel.",
    ["channel"],
    buckets=TURN_BUCKETS,
    registry=REGISTRY,
)
JOBS = Counter(
    "coachg_jobs",
    "Jobs run to the end by this process's workers, by kind and outcome (ok, failed).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "coachg_job_duration_seconds",
    "Time a job ran on a worker (its wait in the queue not included), by kind.",
    ["kind"],
    buckets=JOB_BUCKETS,
    registry=REGISTRY,
)
JOBS_RUNNING = Gauge(
    "coachg_jobs_running",
    "Jobs running on this process's workers now.",
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "coachg_job_queue_depth",
    "Jobs waiting in the queue now (the shared queue's, when it is Redis); NaN if unknown.",
    registry=REGISTRY,
)
IMPORTED_ACTIVITIES = Counter(
    "coachg_import_activities",
    "Activities met by imports, by outcome (imported, duplicate, failed, skipped).",
    ["outcome"],
    registry=REGISTRY,
)
IMPORTS = Counter(
    "coachg_imports",
    "Imports run (a file, a folder, a zip or an upload of several), by outcome (ok, failed: "
    "at least one file could not be imported).",
    ["outcome"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "coachg_errors",
    "Errors, by where they happened (http: a 5xx answer; chat: a turn that raised; job: a "
    "failed job; import: a file that could not be imported).",
    ["where"],
    registry=REGISTRY,
)

_depth_lock = threading.Lock()
_depth_source: Callable[[], int] | None = None


def _queue_depth() -> float:
    with _depth_lock:
        source = _depth_source
    if source is None:
        return math.nan
    try:
        return float(source())
    except Exception:  # the queue's storage is down: say unknown, keep the other metrics
        log.warning("could not read the job queue's depth", exc_info=True)
        return math.nan


QUEUE_DEPTH.set_function(_queue_depth)


def watch_queue_depth(source: Callable[[], int]) -> None:
    """Read the queue's depth from ``source`` at each scrape (the server's job runner)."""
    global _depth_source
    with _depth_lock:
        _depth_source = source


@contextmanager
def timed_job(kind: str) -> Iterator[None]:
    """Count a job of ``kind`` running in the block: its duration, and ``failed`` (an error
    too) when the block raises."""
    JOBS_RUNNING.inc()
    started = time.perf_counter()
    outcome = "failed"
    try:
        yield
        outcome = "ok"
    finally:
        JOBS_RUNNING.dec()
        JOB_DURATION.labels(kind).observe(time.perf_counter() - started)
        JOBS.labels(kind, outcome).inc()
        if outcome == "failed":
            ERRORS.labels("job").inc()


def chat_turn(channel: str, seconds: float, ok: bool) -> None:
    """Count one chat turn of ``channel`` that took ``seconds``."""
    CHAT_TURNS.labels(channel, "ok" if ok else "error").inc()
    CHAT_LATENCY.labels(channel).observe(seconds)
    if not ok:
        ERRORS.labels("chat").inc()


def import_done(imported: int, duplicates: int, failed: int, skipped: int) -> None:
    """Count one import and the activities it met."""
    for outcome, count in (
        ("imported", imported),
        ("duplicate", duplicates),
        ("failed", failed),
        ("skipped", skipped),
    ):
        if count:
            IMPORTED_ACTIVITIES.labels(outcome).inc(count)
    IMPORTS.labels("failed" if failed else "ok").inc()
    if failed:
        ERRORS.labels("import").inc(failed)


def exposition() -> bytes:
    """Every metric in Prometheus' text format."""
    return generate_latest(REGISTRY)
