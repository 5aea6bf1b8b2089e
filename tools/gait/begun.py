"""Pose begun before the rest of a command has started: ``coachg analyze`` starts the pose
workers on its clip first (:func:`begin`), so they run while the command opens the database and
the job queue (about a second of one core, the other one idle), and the analysis job then takes
them over (:func:`take`) instead of starting its own. Only for a job this process works itself
(the in-memory queue); a job begun and never taken is stopped when the process exits."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from tools.gait.errors import GaitAnalysisError
from tools.gait.tracking import PoseJob, start_pose
from tools.gait.video_io import check_fps

_BEGUN: dict[tuple[str, float | None], PoseJob] = {}
_LOCK = threading.Lock()


def begin(video: Path, fps: float | None = None) -> PoseJob | None:
    """Start pose on ``video`` now (None when the clip cannot be used: the analysis job then
    says why, as it would have)."""
    try:
        check_fps(fps)
        job = start_pose(video, fps=fps)
    except GaitAnalysisError:
        return None
    atexit.register(job.close)  # never taken (the command failed before its job ran)
    with _LOCK:
        old = _BEGUN.pop((str(video), fps), None)
        _BEGUN[(str(video), fps)] = job
    if old is not None:
        old.close()
    return job


def take(video: Path, fps: float | None = None) -> PoseJob | None:
    """The pose job begun on ``video`` with ``fps`` in this process, now the caller's to finish
    (None when none was begun)."""
    with _LOCK:
        return _BEGUN.pop((str(video), fps), None)
