"""Reading a runner's video: probe it, honour phone rotation, and decode frames cheaply.

The frame rate that times everything is the real one: the rate the runner gave, else the capture
rate a phone writes into a slow-motion clip (Android's ``com.android.capture.fps``; any container
or stream tag named ``...capture.fps``), else the file's own rate. A slow-motion clip without such
a tag is caught later, from the motion itself (:mod:`tools.gait.frame_rate`).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tools.gait.errors import GaitAnalysisError

if TYPE_CHECKING:
    import cv2

MAX_BYTES = 2 * 1024**3  # 2 GiB
MAX_SECONDS = 120.0
MIN_SECONDS = 1.5

#: Metadata keys that hold the rate a clip was captured at (phones' slow motion).
_CAPTURE_FPS_KEY = re.compile(r"capture[._-]?fps$|capture[._-]?frame[._-]?rate$", re.IGNORECASE)
#: Where the timing frame rate came from, in the words the report uses.
FPS_GIVEN, FPS_CAPTURE_TAG, FPS_FILE = "you said", "the clip's capture-rate tag", "the file"

#: OpenCV's rotation for each phone rotation (named: OpenCV and PyAV are imported only to read a
#: video, so that a chat turn that reads none does not wait for them).
_ROTATIONS = {
    90: "ROTATE_90_CLOCKWISE",
    180: "ROTATE_180",
    270: "ROTATE_90_COUNTERCLOCKWISE",
}


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a clip, after phone rotation is applied.

    ``fps`` is the real-time frame rate used for all timing (the caller's, the capture rate a
    phone wrote, or the container's); ``container_fps`` is what the file plays at;
    ``capture_fps`` the capture-rate tag, when there is one; ``fps_source`` which of them
    ``fps`` is (FPS_GIVEN, FPS_CAPTURE_TAG or FPS_FILE).
    """

    path: Path
    width: int
    height: int
    fps: float
    container_fps: float
    frame_count: int
    rotation_deg: int
    codec: str
    size_bytes: int
    capture_fps: float | None = None
    fps_source: str = FPS_FILE

    @classmethod
    def from_fields(cls, fields: dict[str, object]) -> VideoInfo:
        """The info :func:`info_fields` wrote (what a pose worker is handed)."""
        return cls(**{**fields, "path": Path(str(fields["path"]))})  # type: ignore[arg-type]

    @property
    def slow_motion_factor(self) -> float:
        """How many times slower than real time the file plays (1.0: real time)."""
        return self.fps / self.container_fps if self.container_fps else 1.0

    @property
    def duration_s(self) -> float:
        """Real-time length of the clip in seconds."""
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def info_fields(info: VideoInfo) -> dict[str, object]:
    """``info`` as JSON-ready fields (:meth:`VideoInfo.from_fields` reads them back)."""
    return {**dataclasses.asdict(info), "path": str(info.path)}


def _fourcc_text(value: float) -> str:
    code = int(value)
    return "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ") or "?"


def capture_fps(path: Path) -> float | None:
    """The capture rate a phone wrote into the clip's metadata (container or video stream), or
    None. A slow-motion clip filmed at 120 frames/s and played at 30 carries 120 here."""
    import av

    try:
        with av.open(str(path)) as container:
            tags = dict(container.metadata)
            for stream in container.streams.video:
                tags.update(stream.metadata)
    except (av.FFmpegError, OSError, UnicodeDecodeError):
        return None
    for key, value in tags.items():
        if _CAPTURE_FPS_KEY.search(key):
            try:
                rate = float(str(value).strip())
            except ValueError:
                continue
            if 1 < rate <= 2000:
                return rate
    return None


def check_fps(fps: float | None) -> None:
    """Raise GaitAnalysisError ``bad_fps`` for a frame rate no clip is filmed at."""
    if fps is not None and not 10 <= fps <= 1000:
        raise GaitAnalysisError(
            f"fps={fps} looks wrong; give the frame rate the clip was filmed at "
            "(for example 60 or 240).",
            code="bad_fps",
        )


def _open(path: Path, threads: int | None = None) -> cv2.VideoCapture:
    import cv2

    params = [] if threads is None else [cv2.CAP_PROP_N_THREADS, threads]
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, params)
    # We rotate ourselves from the metadata, so the behaviour does not depend on the build.
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return cap


def probe_video(path: str | Path, *, fps: float | None = None) -> VideoInfo:
    """Check that ``path`` is a readable video of sensible length and describe it.

    Raises GaitAnalysisError with advice when the file is missing, not a video, too long or too
    large, or too short to hold two strides.
    """
    import cv2

    p = Path(path)
    if not p.is_file():
        raise GaitAnalysisError(
            f"I can't find the video file {p.name!r}. Please upload the clip again.",
            code="missing_file",
        )
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise GaitAnalysisError(
            f"The video is {size / 1024**3:.1f} GB, which is too large to analyse here. "
            "Please trim it "
            "to 10-30 seconds of steady running (or film at 1080p or lower) and upload that.",
            code="too_large",
        )
    cap = _open(p)
    try:
        ok = cap.isOpened()
        frame = None
        if ok:
            ok, frame = cap.read()
        if not ok or frame is None:
            raise GaitAnalysisError(
                f"I couldn't read {p.name!r} as a video: the file may be damaged, truncated "
                "or in an "
                "unsupported format. Please export it again from your phone as an MP4 or MOV "
                "(10-30 seconds, side view) and upload that.",
                code="unreadable",
            )
        container_fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        rotation = round(cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
        codec = _fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))
        h, w = frame.shape[:2]
    finally:
        cap.release()
    if not container_fps or container_fps <= 1 or container_fps > 1000:
        if fps is None:
            raise GaitAnalysisError(
                f"{p.name!r} does not say its frame rate. Please tell me the frame rate it was "
                "filmed at (for example fps=60), or export it again from your phone.",
                code="unknown_fps",
            )
        container_fps = fps
    if rotation in (90, 270):
        w, h = h, w
    tagged = capture_fps(p)
    if fps:
        real_fps, source = float(fps), FPS_GIVEN
    elif tagged is not None and tagged > 1.2 * container_fps:
        real_fps, source = tagged, FPS_CAPTURE_TAG
    else:
        real_fps, source = container_fps, FPS_FILE
    info = VideoInfo(
        path=p,
        width=w,
        height=h,
        fps=real_fps,
        container_fps=container_fps,
        frame_count=max(count, 1),
        rotation_deg=rotation,
        codec=codec,
        size_bytes=size,
        capture_fps=tagged,
        fps_source=source,
    )
    if info.duration_s > MAX_SECONDS:
        raise GaitAnalysisError(
            f"The clip covers {info.duration_s:.0f} s of running; I analyse at most "
            f"{MAX_SECONDS:.0f} s. Please trim it to 10-30 seconds of steady running "
            "and upload that.",
            code="too_long",
        )
    if info.duration_s < MIN_SECONDS:
        raise GaitAnalysisError(
            f"The clip is only {info.duration_s:.1f} s long; I need at least two full "
            "strides. Please "
            "film 10-30 seconds of steady running from the side, with the whole body in view.",
            code="too_short",
        )
    return info


def iter_frames(
    info: VideoInfo,
    *,
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
    max_side: int | None = None,
    also: Collection[int] = (),
    threads: int | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(frame_index, bgr_image)`` for every ``step``-th frame in ``[start, stop)``, and
    for the frames whose indices are in ``also``.

    Frames in between are only grabbed (demuxed and decoded, never colour-converted), which is the
    cheapest way through a clip with OpenCV. Images are rotated upright and, when ``max_side`` is
    given, shrunk so their longer side is at most ``max_side`` pixels. ``threads``: FFmpeg's
    decoding threads (default: OpenCV's, one per core), 1 where every core already has work.
    """
    import cv2

    stop = info.frame_count if stop is None else stop
    cap = _open(info.path, threads)
    try:
        if start > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
        name = _ROTATIONS.get(info.rotation_deg)
        rotate = getattr(cv2, name) if name else None
        index = start
        while index < stop:
            if not cap.grab():
                return
            if (index - start) % step == 0 or index in also:
                ok, frame = cap.retrieve()
                if not ok or frame is None:
                    return
                if rotate is not None:
                    frame = cv2.rotate(frame, rotate)
                if max_side is not None and max(frame.shape[:2]) > max_side:
                    scale = max_side / max(frame.shape[:2])
                    size = (round(frame.shape[1] * scale), round(frame.shape[0] * scale))
                    # linear is 5x cheaper than area at 1080p and the pose model sees 256 px anyway
                    frame = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
                yield index, frame
            index += 1
    finally:
        cap.release()


def cpu_count() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
