"""Short test clips made at test time from the real side-view clip (never committed as binaries).

Every clip is small (the part of the real 720x1280 frames the runner uses, 450x800, shrunk to
270x480) and a few seconds long, because pose estimation on video is the most expensive thing in
the suite.

- ``slow_motion``: the real motion frame-interpolated (dense optical flow, both ways) to ``factor``
  times its rate and written at the real clip's 30 frames/s, so it plays ``factor`` times slower:
  what a phone's exported slow-motion clip is. ``capture_fps`` writes Android's capture-rate tag.
- ``mirrored``: the real clip flipped left-right, so the runner runs the other way.
- ``no_runner``: the garage without the runner (a strip of the real frames beside them).

Run ``python -m tests.gait_clips OUT_DIR`` to write them all for a look.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np

from tests.test_gait_helpers import VIDEO, require

#: The size every test clip is written at, and the part of the real frames it shows (x0, y0,
#: x1, y1: the runner's whole range of motion with a margin).
SIZE = (270, 480)
CROP = (90, 480, 540, 1280)
SOURCE_FPS = 30.0


def real_frames(
    seconds: float,
    start_s: float = 0.0,
    size: tuple[int, int] = SIZE,
    crop: tuple[int, int, int, int] | None = CROP,
) -> list:
    """``seconds`` of the real clip from ``start_s``, cropped to ``crop`` and shrunk to ``size``
    (BGR)."""
    cap = cv2.VideoCapture(str(require(VIDEO)))
    first, count = round(start_s * SOURCE_FPS), round(seconds * SOURCE_FPS)
    frames = []
    index = 0
    while len(frames) < count:
        ok, frame = cap.read()
        if not ok:
            break
        if index >= first:
            if crop is not None:
                frame = frame[crop[1] : crop[3], crop[0] : crop[2]]
            frames.append(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
        index += 1
    cap.release()
    return frames


def write_clip(
    path: Path, frames: list, fps: float, metadata: dict[str, str] | None = None
) -> Path:
    """Encode BGR ``frames`` as MPEG-4 at ``fps`` with PyAV; ``metadata`` goes into the
    container's own tags (as phones write them)."""
    options = {"movflags": "use_metadata_tags"} if metadata else {}
    container = av.open(str(path), "w", options=options)
    for key, value in (metadata or {}).items():
        container.metadata[key] = value
    stream = container.add_stream("mpeg4", rate=Fraction(fps).limit_denominator(1001))
    stream.height, stream.width = frames[0].shape[:2]
    stream.pix_fmt = "yuv420p"
    stream.options = {"qscale": "3"}
    for frame in frames:
        for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def passer_by(path: Path, src: Path | None = None) -> Path:
    """The real clip (or ``src``) with a 60 % copy of its runner, 3 s out of phase, crossing the
    picture behind the real one from right to left, written to ``path`` at full size."""
    cap = cv2.VideoCapture(str(src or require(VIDEO)))
    frames = []
    while (read := cap.read())[0]:
        frames.append(read[1])
    cap.release()
    height, width = frames[0].shape[:2]
    box = (slice(height * 42 // 100, height), slice(width // 8, width * 3 // 4))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (width, height))
    for i, frame in enumerate(frames):
        other = cv2.resize(frames[(i + 90) % len(frames)][box], None, fx=0.6, fy=0.6)
        x = int((width - other.shape[1]) * (1 - i / len(frames)))
        frame[100 : 100 + other.shape[0], x : x + other.shape[1]] = other
        writer.write(frame)
    writer.release()
    return path


def _warp(image: np.ndarray, flow: np.ndarray, share: float, grid: np.ndarray) -> np.ndarray:
    """``image`` moved back along ``share`` of ``flow`` (sampling where each pixel came from)."""
    where = grid - share * flow
    return cv2.remap(image, where, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def interpolate(frames: list, factor: int) -> list:
    """``factor`` frames for every source frame: the source frame and ``factor - 1`` in-between
    frames, each a blend of both neighbours warped along the dense optical flow between them."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    grey = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
    h, w = grey[0].shape
    grid = np.dstack(np.meshgrid(np.arange(w), np.arange(h))).astype(np.float32)
    out = []
    for a in range(len(frames) - 1):
        forward = dis.calc(grey[a], grey[a + 1], None)  # a -> a+1
        backward = dis.calc(grey[a + 1], grey[a], None)  # a+1 -> a
        out.append(frames[a])
        for k in range(1, factor):
            t = k / factor
            # the pixel at x came from x - t * flow(a -> a+1) in frame a
            from_a = _warp(frames[a], -backward, t, grid)
            from_b = _warp(frames[a + 1], -forward, 1 - t, grid)
            out.append(cv2.addWeighted(from_a, 1 - t, from_b, t, 0))
    out.append(frames[-1])
    return out


@cache
def _slowed(seconds: float, factor: int) -> tuple:
    return tuple(interpolate(real_frames(seconds, start_s=3.0), factor))


def slow_motion(
    path: Path,
    *,
    seconds: float = 2.5,
    factor: int = 4,
    capture_fps: float | None = None,
) -> Path:
    """``seconds`` of real running, interpolated to ``factor`` x 30 frames/s and written to play
    at 30 frames/s (``factor`` times slower). With ``capture_fps`` the file carries Android's
    ``com.android.capture.fps`` tag, as a phone's slow-motion clip does."""
    frames = list(_slowed(seconds, factor))
    tags = {"com.android.capture.fps": f"{capture_fps:.6f}"} if capture_fps else None
    return write_clip(path, frames, SOURCE_FPS, tags)


def mirrored(path: Path, *, seconds: float = 5.0) -> Path:
    """The real clip flipped left-right: the runner faces the other way."""
    return write_clip(path, [cv2.flip(f, 1) for f in real_frames(seconds)], SOURCE_FPS)


def no_runner(path: Path, *, seconds: float = 2.0) -> Path:
    """The garage's right-hand strip (where the runner never is), scaled to the clip size."""
    strip = [f[:, -SIZE[0] // 4 :] for f in real_frames(seconds, crop=None)]
    return write_clip(
        path, [cv2.resize(f, SIZE, interpolation=cv2.INTER_LINEAR) for f in strip], SOURCE_FPS
    )


def main(argv: list[str]) -> int:
    """Write every clip to the folder given."""
    out = Path(argv[0] if argv else ".")
    out.mkdir(parents=True, exist_ok=True)
    slow_motion(out / "slow_motion_4x.mp4")
    slow_motion(out / "slow_motion_4x_tagged.mp4", capture_fps=120.0)
    mirrored(out / "mirrored.mp4")
    no_runner(out / "no_runner.mp4")
    print(f"clips written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
