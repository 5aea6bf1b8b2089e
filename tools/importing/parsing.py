"""Parsing import jobs on every core: files are read here, parsed in worker processes (FIT
decoding in pure Python is nearly all of an import's time), and handed back in job order.

Small imports are parsed in this process: starting a worker costs about as much as parsing a
few dozen files.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice

from storage.activities import NewActivity
from tools.importing.planning import ImportJob
from tools.importing.sources import parse_bytes

#: Below this many jobs everything is parsed in this process.
MIN_JOBS_FOR_WORKERS = 40
#: Files read ahead per worker (their bytes wait in memory).
_AHEAD_PER_WORKER = 2


@dataclass
class Outcome:
    """A job with what parsing gave, or the error of reading or parsing it."""

    job: ImportJob
    parsed: list[NewActivity] = field(default_factory=list)
    error: Exception | None = None


def default_workers(job_count: int) -> int:
    """Worker processes for an import of ``job_count`` jobs (1: parse here)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, 4) if job_count >= MIN_JOBS_FOR_WORKERS else 1


def _read(job: ImportJob) -> tuple[tuple[bytes, str] | None, Exception | None]:
    try:
        return job.read(), None
    except Exception as error:
        return None, error


def _parse_here(job: ImportJob) -> Outcome:
    payload, error = _read(job)
    if payload is None or error is not None:
        return Outcome(job, error=error)
    try:
        return Outcome(job, parse_bytes(*payload))
    except Exception as parse_error:
        return Outcome(job, error=parse_error)


def parse_jobs(jobs: Iterable[ImportJob], workers: int = 1) -> Iterator[Outcome]:
    """Read and parse every job, yielding outcomes in job order."""
    if workers <= 1:
        yield from (_parse_here(job) for job in jobs)
        return
    pending = iter(jobs)
    window: deque[tuple[ImportJob, tuple[bytes, str] | None, Future | None, Exception | None]]
    window = deque()
    context = multiprocessing.get_context("spawn")  # safe beside the web server's threads
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        broken = False

        def submit(job: ImportJob) -> None:
            payload, error = _read(job)
            future = None
            if payload is not None and error is None and not broken:
                future = pool.submit(parse_bytes, *payload)
            window.append((job, payload, future, error))

        for job in islice(pending, workers * _AHEAD_PER_WORKER):
            submit(job)
        while window:
            job, payload, future, error = window.popleft()
            if future is not None:
                try:
                    outcome = Outcome(job, future.result())
                except BrokenProcessPool:  # a worker died (memory?): go on in this process
                    broken = True
                    outcome = _parse_here(job)
                except Exception as parse_error:
                    outcome = Outcome(job, error=parse_error)
            elif payload is not None and error is None:
                outcome = _parse_here(job)
            else:
                outcome = Outcome(job, error=error)
            if (following := next(pending, None)) is not None:
                submit(following)
            yield outcome
