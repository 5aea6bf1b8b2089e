"""The jobs the REST API started (a video's analysis), by id, each for its owner alone.

The queue (:mod:`tools.jobs.runner`) runs them; this remembers, in the server's memory, which
job each id is and who started it, so ``GET /api/v1/jobs/{id}`` answers its owner only (and
404 to anyone else, the same as for an id that does not exist). A restart forgets them (the
analysis itself is stored with the athlete's history either way).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from tools.jobs.runner import Job

#: Jobs remembered; past this, the oldest finished ones are forgotten first.
KEEP = 1000


@dataclass
class ApiJob:
    """One job the API started: who owns it, what it is, and how it ended once it did."""

    job: Job
    owner_id: int
    kind: str
    started: float = field(default_factory=time.time)
    finished: bool = False
    value: Any = None
    error: str = ""

    def view(self) -> dict[str, Any]:
        """The job as the API shows it: state, progress, and its result once finished."""
        if not self.finished and self.job.done():
            try:
                self.value = self.job.wait()
            except Exception as error:  # the job's own error, in its words
                self.error = str(error) or type(error).__name__
            self.finished = True
        shown: dict[str, Any] = {
            "id": self.job.request.id,
            "kind": self.kind,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
        }
        if not self.finished:
            status = self.job.status()
            return shown | {
                "state": "running" if status.state == "finished" else status.state,
                "progress": round(status.fraction, 3),
                "message": status.line(),
            }
        if self.error:
            return shown | {"state": "failed", "progress": 1.0, "error": self.error}
        result = self.value.to_dict() if hasattr(self.value, "to_dict") else self.value
        state = "done" if getattr(self.value, "ok", True) else "failed"
        return shown | {"state": state, "progress": 1.0, "result": result}


class ApiJobs:
    """The API's jobs, by id (thread-safe)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._jobs: OrderedDict[str, ApiJob] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, job: Job, owner_id: int, kind: str) -> ApiJob:
        entry = ApiJob(job=job, owner_id=owner_id, kind=kind)
        with self._lock:
            self._jobs[job.request.id] = entry
            while len(self._jobs) > self.keep:
                done = next((k for k, j in self._jobs.items() if j.finished), None)
                self._jobs.pop(done if done is not None else next(iter(self._jobs)))
        return entry

    def of(self, job_id: str, owner_id: int) -> ApiJob | None:
        """The job ``job_id`` if ``owner_id`` started it, else None (whether or not it exists)."""
        with self._lock:
            entry = self._jobs.get(job_id)
        return entry if entry is not None and entry.owner_id == owner_id else None
