"""The jobs the REST API started (a video's analysis), by id, each for its owner alone.

The queue (:mod:`tools.jobs.runner`) runs them; this keeps a small record of each (the job's
request, its queue task, who started it) **in the queue's own storage**, beside the job's
status and outcome. With ``COACHG_QUEUE_URL=redis://...`` every web server reads the same
records, so ``GET /api/v1/jobs/{id}`` answers on any of them, and after a restart, not only on
the one that took the upload. It answers the job's owner only (404 to anyone else, the same as
for an id that does not exist). The first server to see a job finished keeps its answer in the
record and removes the outcome from the queue. The newest :data:`KEEP` records are kept. With
the default in-memory queue the records live in the server's memory, as the queue does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tools.jobs.runner import Job, JobOutcome, JobRequest, JobRunner

#: Records kept; past this, the oldest are forgotten first.
KEEP = 1000
#: What a job id looks like (``uuid4().hex``); anything else is not looked up.
JOB_ID = re.compile(r"[0-9a-f]{32}")
PREFIX = "coachg:api-job"


@dataclass(frozen=True)
class ApiJobRecord:
    """One job the API started, as kept in the queue's storage (picklable): who owns it,
    what it is, and once it ended, the answer that every server gives from then on."""

    request: JobRequest
    task_id: str
    owner_id: int
    kind: str
    started: float
    final: dict[str, Any] | None = None

    def head(self) -> dict[str, Any]:
        return {
            "id": self.request.id,
            "kind": self.kind,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
        }


def with_file_states(view: dict[str, Any]) -> dict[str, Any]:
    """``view`` with each file of its result marked ``ready``, ``drawing`` (an analysis's
    pictures are drawn after its report, :mod:`tools.gait.drawing`: ask again) or ``missing``,
    as it is now; ``files`` is ``drawing`` while any is."""
    result = view.get("result")
    artifacts = result.get("artifacts") if isinstance(result, dict) else None
    if not artifacts:
        return view
    from tools.gait.drawing import DRAWING, file_state

    marked = [a | {"state": file_state(a["path"])} for a in artifacts]
    drawing = any(a["state"] == DRAWING for a in marked)
    return view | {
        "result": result | {"artifacts": marked},
        "files": "drawing" if drawing else "done",
    }


def finished_view(outcome: JobOutcome) -> dict[str, Any]:
    """A finished job's state (``done`` or ``failed``) and its result or error in words."""
    if outcome.error is not None:
        error = str(outcome.error) or type(outcome.error).__name__
        return {"state": "failed", "progress": 1.0, "error": error}
    value = outcome.value
    result = value.to_dict() if hasattr(value, "to_dict") else value
    state = "done" if getattr(value, "ok", True) else "failed"
    return {"state": state, "progress": 1.0, "result": result}


class ApiJobs:
    """The API's jobs, by id, kept in the queue's storage of ``runner()`` (the process's one
    job runner, asked for on first use)."""

    def __init__(self, runner: Callable[[], JobRunner], keep: int = KEEP) -> None:
        self._runner = runner
        self.keep = keep

    @property
    def runner(self) -> JobRunner:
        return self._runner()

    @staticmethod
    def key(job_id: str) -> str:
        return f"{PREFIX}:{job_id}"

    def add(self, job: Job, owner_id: int, kind: str) -> dict[str, Any]:
        """Keep ``job`` as ``owner_id``'s; its view (state and progress) now."""
        record = ApiJobRecord(job.request, job.result.id, owner_id, kind, time.time())
        huey = self.runner.huey
        huey.put(self.key(job.request.id), record)
        number = int(huey.storage.incr(f"{PREFIX}s:count"))
        huey.put(f"{PREFIX}s:{number}", job.request.id)
        if number > self.keep:  # forget the oldest beyond KEEP
            old = huey.get(f"{PREFIX}s:{number - self.keep}")
            if old is not None:
                huey.storage.delete_data(self.key(old))
        return self.view(record)

    def of(self, job_id: str, owner_id: int) -> dict[str, Any] | None:
        """The view of job ``job_id`` if ``owner_id`` started it, else None (whether or not
        it exists)."""
        record = self._record(job_id)
        if record is None or record.owner_id != owner_id:
            return None
        return self.view(record)

    def _record(self, job_id: str) -> ApiJobRecord | None:
        if not JOB_ID.fullmatch(job_id):
            return None
        record = self.runner.huey.get(self.key(job_id), peek=True)
        return record if isinstance(record, ApiJobRecord) else None

    def view(self, record: ApiJobRecord) -> dict[str, Any]:
        """The job as the API shows it: state, progress, and its result once finished."""
        if record.final is not None:
            return with_file_states(record.head() | record.final)
        job = self.runner.rejoin(record.request, record.task_id)
        outcome = job.peek()
        if outcome is None:
            status = job.status()
            if status.state == "finished":  # another server may have just kept the answer
                kept = self._record(record.request.id)
                if kept is not None and kept.final is not None:
                    return with_file_states(kept.head() | kept.final)
            return record.head() | {
                "state": "running" if status.state == "finished" else status.state,
                "progress": round(status.fraction, 3),
                "message": status.line(),
            }
        final = finished_view(outcome)
        self.runner.huey.put(self.key(record.request.id), replace(record, final=final))
        job.forget()
        return with_file_states(record.head() | final)
