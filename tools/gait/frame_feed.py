"""Frames handed from one pose worker to the next through a named pipe, so a clip is decoded once.

A clip is tracked in contiguous chunks, one pose worker each (:mod:`tools.gait.tracking`). A
worker whose chunk starts mid-clip cannot decode its first frame alone: video is decoded from
the keyframe before it, so it decodes the chunk before its own again and throws it away (a
seek: 0.4 CPU s for the second half of the real 12 s clip, whose only keyframes are frames 0 and
250). Instead, the worker of the chunk before decodes on past its own chunk, on a thread, and
writes the next chunk's frames (shrunk as pose sees them) into a named pipe that the next worker
reads: every frame is decoded once, and the frames are the same as the next worker's own
decoding would give, so the landmarks are too.

The frames of the feeding worker's own chunk are decoded ahead of its pose and wait in memory,
at most :data:`MAX_AHEAD_BYTES` of them (the decoding then waits for the pose, and the next
worker for its first frame); a chunk over :data:`MAX_FED_BYTES` is not fed, and the next worker
decodes from the file as before. Either side may fail: a reader whose feeder ends early, or
never starts, decodes the rest of its chunk from the file itself; a feeder whose reader is gone
stops feeding.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Queue

import numpy as np

#: Each frame on the pipe: its index, height and width, then height x width x 3 bytes (BGR).
_HEADER = struct.Struct("<qii")
#: Most bytes of its own frames a feeding worker holds decoded ahead of its pose (about 370
#: frames of 640 x 360).
MAX_AHEAD_BYTES = 256 * 1024**2
#: A chunk of more frames than this (in bytes) does not feed the next: its frames would wait so
#: long for room that the next worker would start late (while its pose runs, a worker's frames
#: are taken as fast as it decodes about a third of them, at 1080p more).
MAX_FED_BYTES = 2 * MAX_AHEAD_BYTES
#: How long a reader waits for its feeder's first frame while the feeder lives, and a feeder
#: for its reader to open the pipe.
WAIT_S = 120.0
#: Linux's fcntl to make a pipe's buffer larger (a frame in fewer writes).
_F_SETPIPE_SZ = 1031


def available() -> bool:
    """True where named pipes exist (POSIX); elsewhere every worker decodes from the file."""
    return hasattr(os, "mkfifo")


def frame_bytes(width: int, height: int, max_side: int) -> int:
    """Bytes of one frame shrunk to at most ``max_side`` pixels (as pose sees it)."""
    scale = min(1.0, max_side / max(width, height))
    return round(width * scale) * round(height * scale) * 3


def alive(pid: int) -> bool:
    """True while process ``pid`` runs (a process that ended and was not yet waited for does
    not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc: it exists, which is the best one can tell
    return state not in ("Z", "X")


class FeedWriter:
    """The feeding side: opens the pipe once a reader has it open (None from :meth:`open` when
    none comes within ``wait_s``), then :meth:`send` writes one frame (False once the reader is
    gone)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @classmethod
    def open(cls, path: Path, wait_s: float = WAIT_S) -> FeedWriter | None:
        """The pipe at ``path`` opened for writing, or None when no reader opens it in time."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                    return None
                time.sleep(0.02)  # no reader yet
        os.set_blocking(fd, True)
        import fcntl  # POSIX (named pipes are: see available())

        with contextlib.suppress(OSError):  # best effort: a frame in fewer writes
            fcntl.fcntl(fd, _F_SETPIPE_SZ, 1024 * 1024)
        return cls(fd)

    def send(self, index: int, frame: np.ndarray) -> bool:
        """Write one BGR frame; False when the reader is gone."""
        h, w = frame.shape[:2]
        try:
            self._write(memoryview(_HEADER.pack(index, h, w)))
            self._write(memoryview(np.ascontiguousarray(frame)).cast("B"))
        except OSError:  # BrokenPipeError: the reader ended
            return False
        return True

    def _write(self, view: memoryview) -> None:
        while len(view):
            view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        """Close the pipe: the reader sees its end."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _read_exactly(fh: object, size: int) -> bytearray | None:
    """``size`` bytes from an unbuffered pipe, or None at its end."""
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = fh.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            return None
        got += n
    return buf


def read_feed(
    path: Path, feeder_pid: int, wait_s: float = WAIT_S
) -> Iterator[tuple[int, np.ndarray]]:
    """``(index, BGR frame)`` as the feeder writes them into the pipe at ``path``, until it
    closes it. Waits for the first frame while process ``feeder_pid`` lives (at most
    ``wait_s``); yields nothing when it never comes."""
    import select  # poll(): POSIX, as named pipes are

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # at once, so the feeder can open its end
    deadline = time.monotonic() + wait_s
    with open(fd, "rb", buffering=0) as fh:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not poller.poll(200):
            if time.monotonic() > deadline or not alive(feeder_pid):
                if not poller.poll(0):  # one last look: it may have written and ended
                    return
                break
        os.set_blocking(fd, True)
        while (header := _read_exactly(fh, _HEADER.size)) is not None:
            index, h, w = _HEADER.unpack(header)
            data = _read_exactly(fh, h * w * 3)
            if data is None:
                return
            yield index, np.frombuffer(data, dtype=np.uint8).reshape(h, w, 3)


class DecodeAhead:
    """A feeding worker's decoding, on a thread: the frames of its own chunk (``[start, mid)``,
    every ``step``-th) go to :meth:`own`, in order, as fast as they decode; the next chunk's
    (``[mid, stop)``) into the pipe at ``path``. ``frames`` yields ``(index, frame)`` from
    ``start`` to ``stop`` (:func:`tools.gait.video_io.iter_frames`, shrunk as pose sees them),
    each about ``frame_size`` bytes (at most :data:`MAX_AHEAD_BYTES` of them wait)."""

    def __init__(
        self,
        frames: Iterator[tuple[int, np.ndarray]],
        mid: int,
        path: Path,
        frame_size: int = 640 * 360 * 3,
    ) -> None:
        self._frames, self._mid, self._path = frames, mid, path
        room = max(1, MAX_AHEAD_BYTES // max(1, frame_size))
        self._own: Queue[tuple[int, np.ndarray] | None] = Queue(maxsize=room)
        self._error: BaseException | None = None
        self.fed = 0
        self._thread = threading.Thread(target=self._run, name="decode-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        writer: FeedWriter | None = None
        own_done = False
        try:
            for index, frame in self._frames:
                if index < self._mid:
                    self._own.put((index, frame))
                    continue
                if not own_done:
                    own_done = True
                    self._own.put(None)
                    writer = FeedWriter.open(self._path)
                if writer is None or not writer.send(index, frame):
                    break
                self.fed += 1
        except BaseException as exc:  # handed to the pose thread, which raises it
            self._error = exc
        finally:
            if not own_done:
                self._own.put(None)
            if writer is not None:
                writer.close()
            else:  # nobody fed: a reader waiting on the pipe sees its end once this ends
                with contextlib.suppress(OSError):
                    os.close(os.open(self._path, os.O_WRONLY | os.O_NONBLOCK))
            with contextlib.suppress(AttributeError):
                self._frames.close()  # type: ignore[attr-defined]

    def own(self) -> Iterator[tuple[int, np.ndarray]]:
        """The frames of this worker's own chunk, as they are decoded."""
        while (item := self._own.get()) is not None:
            yield item
        if self._error is not None:
            raise self._error

    def join(self) -> None:
        """Wait until the next chunk's frames are all handed over (or the reader is gone)."""
        self._thread.join()
