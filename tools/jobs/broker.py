"""The queue itself: a Huey instance chosen by ``COACHG_QUEUE_URL``, and its worker threads.

- "" or ``memory://``: an in-memory queue worked by threads of this process (a laptop: no
  server to run; jobs waiting when the process stops are not kept).
- ``sqlite:///path/queue.db``: a queue file, kept across restarts, shared by the processes of
  one machine.
- ``redis://host:port/0``: Redis, so ``coachg worker`` processes on other machines take jobs.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from tools.jobs.queue_url import is_shared as is_shared  # where it was first defined

log = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
#: Idle workers look for new jobs at least this often (Redis workers block on the queue).
MAX_POLL_S = 0.5


class QueueSettingError(ValueError):
    """``COACHG_QUEUE_URL`` names no queue Coach G can use; the message says what to set."""


def make_huey(url: str, name: str = "coachg") -> Huey:
    """The Huey queue at ``url`` (see the module docstring). Intermediate retries (a job
    waiting for its user's earlier job) are not stored as errors."""
    options = {"results": True, "utc": True, "store_intermediate_errors": False}
    if not url or url == "memory://":
        return MemoryHuey(name, **options)
    if url.startswith(REDIS_SCHEMES):
        return RedisHuey(name, url=url, **options)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), **options)
    scheme = url.split(":", 1)[0]  # never the rest: it may hold a password
    raise QueueSettingError(
        f"COACHG_QUEUE_URL starts with {scheme!r}, which Coach G cannot use: set it to "
        "redis://HOST:PORT/0 or sqlite:///PATH, or leave it empty for an in-memory queue."
    )


class LocalWorkers:
    """Huey's consumer as threads of this process, started without touching signal handlers
    (the web server owns those)."""

    def __init__(self, huey: Huey, workers: int) -> None:
        self._consumer = huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=False,
            check_worker_health=False,
            initial_delay=0.05,
            max_delay=MAX_POLL_S,
            scheduler_interval=1,
        )
        self._threads: list[threading.Thread] = [self._consumer.scheduler] + [
            thread for _, thread in self._consumer.worker_threads
        ]
        for thread in self._threads:
            thread.name = f"coachg-job-{thread.name}"
            thread.start()
        log.info("%d job worker thread(s) started", workers)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the threads to stop after their current job, waiting up to ``timeout`` s."""
        self._consumer.stop_flag.set()
        for thread in self._threads:
            thread.join(timeout)
