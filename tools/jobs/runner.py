"""Jobs: heavy work submitted by a chat turn, a tab or a command, run by a queue worker.

A job is one call of a function in :data:`tools.jobs.kinds.KINDS` for one user, described
by a picklable :class:`JobRequest`. The worker (a thread of this process, or ``coachg
worker`` elsewhere) rebuilds the tool context from the ids in the request against its own
database, so the storage layer checks access there again.

One job at a time per user, in order: each job draws its user's next *ticket* from an atomic
counter in the queue's own storage; a worker runs ticket ``n`` only once the user's tickets
before it are finished, and otherwise puts the job back on the queue for a moment (so a
waiting job holds no worker). A job's place in its user's line is its ticket minus the
finished count. A running job beats every few seconds; a job whose worker died (no beat for
:data:`STALE_S`) is passed over, so its user is not stuck behind it.

A fair share of workers: one person holds at most one worker (their line above), and *heavy*
jobs (a video analysis, a Strava sync, an import of at least ``COACHG_QUEUE_HEAVY_MB`` of
files) hold at most ``Settings.heavy_workers`` of them (one less than the workers, by
default), each taking a numbered *heavy slot* in the queue's storage. So two people's 30 MB
imports never fill every worker: a third person's small import starts at once. A heavy job
that finds no free slot waits like a job behind its user's earlier one (holding no worker);
a slot whose holder stopped beating for :data:`STALE_S` is taken over.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from huey import Huey
from huey.api import Result, Task
from huey.exceptions import RetryTask

from storage.db import Database
from storage.models import User
from storage.monitoring import timed_job
from storage.settings import Settings
from tools.context import Progress, ToolContext, no_progress
from tools.jobs.broker import LocalWorkers, make_huey
from tools.jobs.kinds import KINDS, function_of
from tools.result import ToolResult

log = logging.getLogger(__name__)

#: A waiting job looks again this often (the scheduler moves it back to the queue).
RETRY_S = 1
#: A running job beats this often; one silent for STALE_S is taken as dead.
BEAT_S = 5.0
STALE_S = 120.0
#: The submitter looks at a job's progress this often.
POLL_S = 0.2
#: Progress is written to the queue's storage at most this often.
WRITE_S = 0.2
#: A job said finished whose result never arrives is given up after this long.
LOST_AFTER_S = 30.0
MB = 1024 * 1024
#: Jobs that are heavy whatever their input (see :meth:`JobRunner.is_heavy`).
HEAVY_KINDS = frozenset({"analyze_video", "strava_sync"})
HEAVY_TOOLS = frozenset({"analyze_run_video", "sync_strava"})
HEAVY_WAIT = "waiting: other people's big jobs hold the workers for big jobs (small jobs go first)"


def _input_bytes(values: dict[str, Any]) -> int:
    """The bytes of the files that ``values`` (a job's arguments) name, alone or in lists."""
    total = 0
    for value in values.values():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str | Path):
                try:
                    path = Path(item)
                    total += path.stat().st_size if path.is_file() else 0
                except (OSError, ValueError):
                    pass
    return total


@dataclass(frozen=True)
class JobRequest:
    """One job: what to run, for whom, and its place in its user's line."""

    id: str
    kind: str
    actor_id: int
    athlete_id: int
    kwargs: dict[str, Any]
    today: date | None
    ticket: int
    heavy: bool = False

    @property
    def label(self) -> str:
        """The job's kind as the metrics name it: a tool's name for a tool, else the kind."""
        name = self.kwargs.get("name") if self.kind == "tool" else None
        return str(name) if name else self.kind


@dataclass
class JobOutcome:
    """What a job gave: its value, or the error it raised (re-raised where it was waited for)."""

    value: Any = None
    error: BaseException | None = None


@dataclass(frozen=True)
class JobStatus:
    """Where a job is: ``queued`` (``ahead`` of the user's own jobs before it), ``running``
    (with its progress) or ``finished``."""

    state: str
    fraction: float = 0.0
    message: str = ""
    ahead: int = 0

    def line(self) -> str:
        """The status in words, e.g. ``in the queue: number 2 of yours (one runs at a time)``."""
        if self.state == "queued" and self.ahead:
            jobs = "job" if self.ahead == 1 else "jobs"
            return (
                f"in the queue: number {self.ahead + 1} of yours, after {self.ahead} earlier "
                f"{jobs} (one runs at a time)"
            )
        if self.state == "queued":
            return self.message or "waiting for a free worker"
        return self.message or self.state


def portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling (to travel back from another machine), else a plain
    RuntimeError with its words."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


@dataclass
class Job:
    """A submitted job: follow it with :meth:`status`, collect it with :meth:`wait`."""

    runner: JobRunner
    request: JobRequest
    result: Result
    _finished_at: float | None = field(default=None, repr=False)
    _outcome: JobOutcome | None = field(default=None, repr=False)

    def status(self) -> JobStatus:
        if self._outcome is not None:
            return JobStatus("finished", 1.0, "done")
        return self.runner.status(self.request)

    def done(self) -> bool:
        """Whether the job's outcome has arrived (kept here once read)."""
        if self._outcome is None:
            self._outcome = self.result.get()
        return self._outcome is not None

    def follow(self) -> Iterator[JobStatus]:
        """Each new status of the job until it is done (:meth:`wait` then returns at once)."""
        shown: JobStatus | None = None
        while not self.done():
            status = self.status()
            if status != shown:
                yield status
                shown = status
            if status.state == "finished":
                self._finished_at = self._finished_at or time.monotonic()
                if time.monotonic() - self._finished_at > LOST_AFTER_S:
                    raise RuntimeError("the job finished but its result was lost")
            time.sleep(POLL_S)

    def peek(self) -> JobOutcome | None:
        """The job's outcome if it has arrived, left in the queue's storage so that another
        process (another web server) can read it too; :meth:`forget` removes it."""
        if self._outcome is None:
            self._outcome = self.result.get(preserve=True)
        return self._outcome

    def forget(self) -> None:
        """Remove the job's outcome and status from the queue's storage."""
        self.runner.huey.get_raw(self.result.id)  # read without peeking: removed
        self.runner.huey.delete(self.runner.status_key(self.request))

    def wait(self, progress: Progress = no_progress) -> Any:
        """Block until the job is done, reporting each new status to ``progress``; return its
        value or raise its error."""
        for status in self.follow():
            progress(status.fraction, status.line())
        outcome = self._outcome
        assert outcome is not None
        self.runner.huey.delete(self.runner.status_key(self.request))
        if outcome.error is not None:
            raise outcome.error
        return outcome.value


class JobRunner:
    """Submits jobs to the queue and, as a worker, runs them (see the module docstring).

    ``db`` and ``settings`` are those of this process: a worker runs jobs against them.
    ``workers`` threads (default ``settings.queue_workers``) work the queue here once
    :meth:`start` is called; more may run elsewhere (``coachg worker``).
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        huey: Huey | None = None,
        workers: int | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.huey = huey if huey is not None else make_huey(settings.queue_url, settings.queue_name)
        self.workers = settings.queue_workers if workers is None else workers
        self._task = self.huey.task(name="coachg_job")(self._execute)
        self._local: LocalWorkers | None = None
        self._lock = threading.Lock()

    # -- keys in the queue's storage --------------------------------------------------------

    @staticmethod
    def _user_key(actor_id: int, what: str) -> str:
        return f"coachg:user:{actor_id}:{what}"

    @staticmethod
    def status_key(request: JobRequest) -> str:
        return f"coachg:job:{request.id}"

    def _finished(self, actor_id: int) -> int:
        return int(self.huey.storage.incr(self._user_key(actor_id, "finished"), 0))

    # -- submitting -----------------------------------------------------------------------

    def start(self) -> JobRunner:
        """Start this process's worker threads (once; none when ``workers`` is 0)."""
        with self._lock:
            if self._local is None and self.workers > 0:
                self._local = LocalWorkers(self.huey, self.workers)
        return self

    def stop(self) -> None:
        with self._lock:
            if self._local is not None:
                self._local.stop()
                self._local = None

    def work(self, workers: int) -> None:
        """Work the queue in this process until interrupted (``coachg worker``): Huey's own
        consumer loop, which lets running jobs finish on Ctrl+C."""
        self.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=False, max_delay=1.0
        ).run()

    def submit(self, kind: str, ctx: ToolContext, **kwargs: Any) -> Job:
        """Queue the function of ``kind`` (see :data:`KINDS`) with ``ctx`` and ``kwargs`` as
        ``ctx.actor``'s next job."""
        if kind not in KINDS:
            raise ValueError(f"no job kind {kind!r}")
        heavy = self.is_heavy(kind, kwargs)
        ticket = int(self.huey.storage.incr(self._user_key(ctx.actor.id, "issued")))
        request = JobRequest(
            id=uuid.uuid4().hex,
            kind=kind,
            actor_id=ctx.actor.id,
            athlete_id=ctx.athlete_id,
            kwargs=kwargs,
            today=ctx.today,
            ticket=ticket,
            heavy=heavy,
        )
        return Job(self, request, self._task(request))

    def rejoin(self, request: JobRequest, task_id: str) -> Job:
        """A job submitted earlier, here or by another process, from its request and its
        queue task's id (``job.result.id``): how one web server follows a job another
        started, since both read the same queue."""
        return Job(self, request, Result(self.huey, Task(id=task_id)))

    def is_heavy(self, kind: str, kwargs: dict[str, Any]) -> bool:
        """Whether a job of ``kind`` with ``kwargs`` is heavy: a video analysis or a Strava
        sync, or one whose input files add up to ``settings.queue_heavy_mb`` or more."""
        if kind in HEAVY_KINDS:
            return True
        if kind == "tool" and kwargs.get("name") in HEAVY_TOOLS:
            return True
        values = kwargs.get("args", {}) if kind == "tool" else kwargs
        return _input_bytes(values) >= self.settings.queue_heavy_mb * MB

    def run(self, kind: str, ctx: ToolContext, **kwargs: Any) -> Any:
        """Submit a job and wait for it, its progress going to ``ctx.progress``."""
        return self.submit(kind, ctx, **kwargs).wait(ctx.progress)

    def run_tool(self, name: str, ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
        """A heavy tool as a job (arguments checked here first, so a bad call queues nothing)."""
        from tools.registry import get_tool

        return self.run("tool", ctx, name=name, args=get_tool(name).validate(args))

    def status(self, request: JobRequest) -> JobStatus:
        written = self.huey.get(self.status_key(request), peek=True)
        if written is not None:
            return written
        ahead = max(0, request.ticket - 1 - self._finished(request.actor_id))
        return JobStatus("queued", ahead=ahead)

    # -- working --------------------------------------------------------------------------

    def _pass_over_dead(self, actor_id: int, ticket: int) -> bool:
        """Whether the job holding ``ticket`` is dead and now passed over."""
        beat = self.huey.get(self._user_key(actor_id, "beat"), peek=True)
        if beat is None or beat[0] != ticket or time.time() - beat[1] < STALE_S:
            return False
        if self.huey.storage.put_if_empty(self._user_key(actor_id, f"passed:{ticket}"), b"1"):
            log.warning("a job of user %s stopped beating; the next one goes ahead", actor_id)
            self.huey.storage.incr(self._user_key(actor_id, "finished"))
        return True

    @staticmethod
    def _slot_key(slot: int) -> str:
        return f"coachg:heavy:{slot}"

    def _take_heavy_slot(self, request: JobRequest) -> int | None:
        """A free heavy slot now held by ``request`` (its beat written), or None when every
        one is held by a job that still beats."""
        storage = self.huey.storage
        for slot in range(self.settings.heavy_workers):
            key = self._slot_key(slot)
            if not storage.put_if_empty(key, request.id.encode()):
                beat = self.huey.get(f"{key}:beat", peek=True)
                if beat is None or time.time() - beat < STALE_S:
                    continue
                log.warning("a heavy job stopped beating; its slot %d is taken over", slot)
                storage.delete_data(key)
                if not storage.put_if_empty(key, request.id.encode()):
                    continue
            self.huey.put(f"{key}:beat", time.time())
            return slot
        return None

    def _release_heavy_slot(self, slot: int) -> None:
        self.huey.storage.delete_data(f"{self._slot_key(slot)}:beat")
        self.huey.storage.delete_data(self._slot_key(slot))

    def _execute(self, request: JobRequest) -> JobOutcome:
        while (finished := self._finished(request.actor_id)) < request.ticket - 1:
            if not self._pass_over_dead(request.actor_id, finished + 1):
                raise RetryTask(delay=RETRY_S)  # an earlier job of this user runs first
        slot = self._take_heavy_slot(request) if request.heavy else None
        if request.heavy and slot is None:
            waiting = JobStatus("queued", message=HEAVY_WAIT)
            self.huey.put(self.status_key(request), waiting)
            raise RetryTask(delay=RETRY_S)  # other people's big jobs hold the heavy slots
        beat_key = self._user_key(request.actor_id, "beat")
        stop = threading.Event()

        def beat() -> None:
            while True:
                self.huey.put(beat_key, (request.ticket, time.time()))
                if slot is not None:
                    self.huey.put(f"{self._slot_key(slot)}:beat", time.time())
                if stop.wait(BEAT_S):
                    return

        threading.Thread(target=beat, name="coachg-job-beat", daemon=True).start()
        self.huey.put(self.status_key(request), JobStatus("running", 0.0, "starting"))
        last = 0.0

        def progress(fraction: float, message: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= WRITE_S or fraction >= 1.0:
                last = now
                status = JobStatus("running", float(fraction), str(message))
                self.huey.put(self.status_key(request), status)

        try:
            with timed_job(request.label):
                value = self._call(request, progress)
            return JobOutcome(value=value)
        except Exception as error:
            log.exception("job %s (%s) failed", request.id, request.kind)
            return JobOutcome(error=portable(error))
        finally:
            stop.set()
            if slot is not None:
                self._release_heavy_slot(slot)
            self.huey.put(self.status_key(request), JobStatus("finished", 1.0, "done"))
            self.huey.storage.incr(self._user_key(request.actor_id, "finished"))

    def _call(self, request: JobRequest, progress: Progress) -> Any:
        with self.db.session() as session:
            actor = session.get(User, request.actor_id)
        if actor is None:
            raise PermissionError("the user of this job no longer exists")
        ctx = ToolContext(
            db=self.db,
            actor=actor,
            settings=self.settings,
            athlete_id=request.athlete_id,
            progress=progress,
            today=request.today,
        )
        return function_of(request.kind)(ctx, **request.kwargs)


_RUNNERS: dict[tuple[str, str, str, Path], JobRunner] = {}
_RUNNERS_LOCK = threading.Lock()


def runner_for(db: Database, settings: Settings) -> JobRunner:
    """The one started job runner of this process for ``db`` and ``settings``' queue."""
    key = (settings.queue_url, settings.queue_name, db.url, settings.home)
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(key)
        if runner is None:
            runner = _RUNNERS[key] = JobRunner(db, settings).start()
        return runner


def queue_depth(runner: JobRunner) -> int:
    """Jobs waiting in ``runner``'s queue: queued, and put back to wait their turn."""
    return int(runner.huey.pending_count()) + int(runner.huey.scheduled_count())
