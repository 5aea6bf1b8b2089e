"""An analysis's files (annotated clip, key frames, figures) drawn after its report.

The report, its reply and its stored copy do not wait for the pictures (about 2.6 CPU seconds
on the real clip, more than everything after pose put together): :func:`tools.gait.analyze.
analyze_track` with ``later=True`` names every file it will make in ``report.artifacts`` and
hands the drawing to a :class:`Drawing`, started by whoever stored the report (:func:`start`),
on a thread of this process. Each file is written under a temporary name and renamed when it is
whole, so a file that exists is complete. The folder's :data:`MANIFEST` says how the drawing
goes (``drawing``, then ``done`` or ``failed``, with what was made and its seconds), so another
process (the web server, when a worker elsewhere draws) can tell a file still to come from one
that never will: :func:`file_state`, :func:`appearing`.

This module imports nothing heavy: the chat and the REST API use it to wait for the files.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: The drawing's state, in the analysis's folder.
MANIFEST = "outputs.json"
#: A drawing that has said nothing for this long is taken as dead (its process ended).
STALE_S = 300.0
#: Those waiting for files look this often.
POLL_S = 0.2
#: The states a planned file can be in.
READY, DRAWING, MISSING = "ready", "drawing", "missing"

#: Draws the files: ``({key: path} of those made, CPU seconds of any helper thread it ran)``.
Draw = Callable[[], tuple[dict[str, Path], float]]

_ACTIVE: dict[str, Drawing] = {}
_LOCK = threading.Lock()


def temporary(path: Path) -> Path:
    """Where ``path`` is written before it is whole (same folder and suffix: encoders choose
    their format by it)."""
    return path.with_name(f".{path.stem}.part{path.suffix}")


def finish(part: Path, path: Path) -> Path:
    """``part`` (see :func:`temporary`) renamed to ``path``, now complete."""
    os.replace(part, path)
    return path


def _write_manifest(out_dir: Path, data: dict[str, Any]) -> None:
    part = out_dir / f".{MANIFEST}.part"
    part.write_text(json.dumps(data, indent=2))
    os.replace(part, out_dir / MANIFEST)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The drawing's state in ``out_dir`` (None when nothing is drawn there, or unreadable)."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


class Drawing:
    """The files of one analysis, drawn by ``draw`` on a thread once :meth:`start` is called.

    ``files``: every file the drawing will make, by artifact key (a key missing from what
    ``draw`` returns was not made). The thread is not a daemon: a command that ends
    still finishes its pictures."""

    def __init__(self, out_dir: Path, files: dict[str, Path], draw: Draw) -> None:
        self.out_dir = out_dir
        self.files = dict(files)
        self.made: dict[str, Path] = {}
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self._draw = draw
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._began = time.time()
        self._started: float | None = None
        self._manifest("waiting")

    def _manifest(self, state: str) -> None:
        _write_manifest(
            self.out_dir,
            {
                "state": state,
                "began": self._began,
                "started": self._started,
                "files": {k: str(p) for k, p in self.files.items()},
                "made": {k: str(p) for k, p in self.made.items()},
                "error": None if self.error is None else str(self.error),
                "seconds": round(self.seconds, 3),
                "cpu_seconds": round(self.cpu_seconds, 3),
            },
        )

    def start(self) -> Drawing:
        """Begin drawing on a thread (once)."""
        if self._thread is None:
            self._started = time.time()
            self._manifest("drawing")
            self._thread = threading.Thread(target=self._run, name="coachg-drawing")
            self._thread.start()
        return self

    def _run(self) -> None:
        t0 = time.perf_counter()
        c0 = _thread_cpu()
        helper = 0.0
        try:
            self.made, helper = self._draw()
        except BaseException as error:  # said in the manifest and the log; the report stands
            log.exception("drawing the analysis's files in %s failed", self.out_dir)
            self.error = error
        finally:
            self.seconds = time.perf_counter() - t0
            self.cpu_seconds = _thread_cpu() - c0 + helper
            try:
                self._manifest("failed" if self.error is not None else "done")
            finally:
                with _LOCK:
                    _ACTIVE.pop(str(self.out_dir), None)
                self._done.set()

    def discard(self) -> None:
        """Never drawn (the report it belongs to was not kept)."""
        with _LOCK:
            _ACTIVE.pop(str(self.out_dir), None)
        self.error = RuntimeError("not drawn: the analysis was not kept")
        self._manifest("failed")
        self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every file is drawn (or the drawing failed); False on timeout."""
        return self._done.wait(timeout)

    def ready(self) -> dict[str, Path]:
        """The files there now, by key."""
        return {k: p for k, p in self.files.items() if p.is_file()}


def register(drawing: Drawing) -> Drawing:
    """Keep ``drawing`` as its folder's, in this process, until it ends."""
    with _LOCK:
        _ACTIVE[str(drawing.out_dir)] = drawing
    return drawing


def of(out_dir: str | Path) -> Drawing | None:
    """The drawing of ``out_dir`` in this process, if one is waiting or running."""
    with _LOCK:
        return _ACTIVE.get(str(out_dir))


def start(out_dir: str | Path) -> Drawing | None:
    """Start drawing ``out_dir``'s files (None when nothing waits to be drawn there)."""
    drawing = of(out_dir)
    return drawing.start() if drawing is not None else None


def discard(out_dir: str | Path) -> None:
    """Drop ``out_dir``'s drawing, never started (its report was not kept)."""
    drawing = of(out_dir)
    if drawing is not None and drawing._thread is None:
        drawing.discard()


def file_state(path: str | Path) -> str:
    """:data:`READY` (the file is there, whole), :data:`DRAWING` (its folder's drawing is still
    under way, in any process) or :data:`MISSING` (it never will be: the drawing ended without
    it, failed, went silent for :data:`STALE_S`, or the file was never planned)."""
    path = Path(path)
    if path.is_file():
        return READY
    manifest = read_manifest(path.parent)
    if manifest is None or manifest.get("state") not in ("waiting", "drawing"):
        return MISSING
    if str(path) not in set(manifest.get("files", {}).values()):
        return MISSING
    if time.time() - float(manifest.get("began", 0)) > STALE_S:
        return MISSING
    return DRAWING


def appearing(
    paths: Iterable[str | Path], timeout: float = STALE_S, poll: float = POLL_S
) -> Iterator[Path]:
    """Each of ``paths`` once it is there, in the order they appear, until none is still being
    drawn (or ``timeout`` seconds have passed)."""
    waiting = [Path(p) for p in paths]
    deadline = time.monotonic() + timeout
    while waiting:
        states = {p: file_state(p) for p in waiting}
        yield from [p for p in waiting if states[p] == READY]
        waiting = [p for p in waiting if states[p] == DRAWING]
        if not waiting or time.monotonic() > deadline:
            return
        time.sleep(poll)


def wait_all(timeout: float | None = None) -> bool:
    """Wait for every drawing of this process; False if one is still running at ``timeout``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _LOCK:
            running = [d for d in _ACTIVE.values() if d._thread is not None]
        if not running:
            return True
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not running[0].wait(left) and left is not None and left <= 0:
            return False
