"""Pose workers kept warm between analyses, for a long-running process (``coachg serve``,
``coachg worker``).

A pose worker is a fresh interpreter (:mod:`tools.gait.pose_worker`): starting one and loading
NumPy, OpenCV and ONNX Runtime takes about a third of a CPU second, paid by each worker of each
analysis before its first frame. :func:`keep_warm` starts that many workers ahead of time; each
loads everything and then waits for one chunk of one clip on its standard input. An analysis
(:class:`tools.gait.tracking.PoseJob`) takes warm workers for its chunks (:func:`take`) and
starts fresh ones only when none is warm; once its pose is done the pool is filled again
(:func:`refill`), while nothing else is running, so the next analysis starts on warm workers
too. A worker serves one chunk and exits: nothing of one clip is left in the next.
"""

from __future__ import annotations

import atexit
import subprocess
import sys
import threading
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parents[2])
_LOCK = threading.Lock()
_READY: list[subprocess.Popen[bytes]] = []
_WANTED = 0


def _start() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tools.gait.pose_worker", "--wait"],
        cwd=_REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def keep_warm(count: int | None = None) -> None:
    """Keep ``count`` pose workers started and waiting from now on (0 stops them; None: as
    many as one analysis uses at most, one per core up to four)."""
    global _WANTED
    if count is None:
        from tools.gait.video_io import cpu_count

        count = min(cpu_count(), 4)
    with _LOCK:
        _WANTED = max(0, count)
    if count <= 0:
        stop()
    else:
        refill()


def waiting() -> list[subprocess.Popen[bytes]]:
    """The warm workers waiting now."""
    with _LOCK:
        return [proc for proc in _READY if proc.poll() is None]


def take() -> subprocess.Popen[bytes] | None:
    """A warm worker, now the caller's: write one job line (``ARGS_JSON OUT.npz``) to its
    standard input and close it. None when none is waiting."""
    with _LOCK:
        while _READY:
            proc = _READY.pop(0)
            if proc.poll() is None:
                return proc
    return None


def refill() -> None:
    """Start workers until :func:`keep_warm`'s count are waiting."""
    with _LOCK:
        _READY[:] = [proc for proc in _READY if proc.poll() is None]
        while len(_READY) < _WANTED:
            _READY.append(_start())


def stop() -> None:
    """Stop every waiting worker."""
    with _LOCK:
        waiting, _READY[:] = list(_READY), []
    for proc in waiting:
        if proc.stdin is not None:
            proc.stdin.close()  # a worker told nothing exits by itself
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


atexit.register(stop)
