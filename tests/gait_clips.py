"""Short test clips made at test time from the real side-view clip (never committed as binaries).

Every clip is small (the part of the real 720x1280 frames the runner uses, 450x800, shrunk to
270x480) and a few seconds long, because pose estimation on video is the most expensive thing in
the suite.

- ``slow_motion``: the real motion frame-interpolated (dense optical flow, both ways) to ``factor``
  times its rate and written at the real clip's 30 frames/s, so it plays ``factor`` times slower:
  what a phone's exported slow-motion clip is. ``capture_fps`` writes Android's capture-rate tag.
- ``mirrored``: the real clip flipped left-right, so the runner runs the other way.
- ``no_runner``: the garage without the runner (a strip of the real frames beside them).
- ``panning``: a crop window that slides towards where the runner faces, faster than them, so
  the runner drifts backwards across the picture, as when a following camera overtakes them.
- ``slowed_by_rate``: the real frames written at a quarter of their rate (the file's own rate
  says 7.5 frames/s): slow motion by frame-rate metadata, no tag saying so.
- ``duplicated``: every real frame repeated ``factor`` times at 30 frames/s, as a screen
  recording of a slow-motion video gives.
- ``rotated``: the pixels stored on their side with the phone's rotation in the track header,
  as phones write portrait video.
- ``knees_cropped``: the picture cut off just below the knees: no feet in view.
- ``tilted``: the camera rolled by a few degrees.

Pose of a clip is kept on disk (:func:`cached_pose`), keyed by the clip's bytes and the source of
the pose code, so the tests and ``evals.gait_accuracy`` share it across runs.

Run ``python -m tests.gait_clips OUT_DIR`` to write them all for a look.
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np

from tests.test_gait_helpers import VIDEO, require
from tools.gait.tracking import PoseTrack, track_pose
from tools.gait.video_io import VideoInfo, probe_video

#: The size every test clip is written at, and the part of the real frames it shows (x0, y0,
#: x1, y1: the runner's whole range of motion with a margin).
SIZE = (270, 480)
CROP = (90, 480, 540, 1280)
SOURCE_FPS = 30.0


def real_frames(
    seconds: float,
    start_s: float = 0.0,
    size: tuple[int, int] | None = SIZE,
    crop: tuple[int, int, int, int] | None = CROP,
) -> list:
    """``seconds`` of the real clip from ``start_s``, cropped to ``crop`` and shrunk to ``size``
    (BGR; full size when ``size`` is None)."""
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
            if size is not None:
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            frames.append(frame)
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


def panning(path: Path, *, seconds: float = 6.0, drift_px: int = 640) -> Path:
    """A window of the real frames (1080 px wide, the frame padded with its edge pixels) that
    slides ``drift_px`` source pixels towards where the runner faces (image left) over the clip:
    the runner, on a treadmill, drifts backwards (rightwards) across the picture by about two leg
    lengths, as when a following camera pans past them. Written 480x356."""
    pad = 600
    frames = real_frames(seconds, size=None, crop=None)
    out = []
    for i, frame in enumerate(frames):
        wide = cv2.copyMakeBorder(frame, 0, 0, pad, pad, cv2.BORDER_REPLICATE)
        x0 = pad + 90 - round(drift_px * i / max(1, len(frames) - 1))
        window = wide[480:1280, x0 : x0 + 1080]
        out.append(cv2.resize(window, (480, 356), interpolation=cv2.INTER_AREA))
    return write_clip(path, out, SOURCE_FPS)


def slowed_by_rate(path: Path, *, seconds: float = 4.0, factor: int = 4) -> Path:
    """The real frames written at ``30 / factor`` frames/s: they play ``factor`` times slower and
    the file's own rate is the only timing it has (slow motion by frame-rate metadata)."""
    return write_clip(path, real_frames(seconds, start_s=2.0), SOURCE_FPS / factor)


def duplicated(path: Path, *, seconds: float = 3.0, factor: int = 4) -> Path:
    """Every real frame ``factor`` times at 30 frames/s (a screen recording of slow motion)."""
    frames = [f for f in real_frames(seconds, start_s=2.0) for _ in range(factor)]
    return write_clip(path, frames, SOURCE_FPS)


def _set_rotation(path: Path, degrees: int) -> None:
    """Write a display rotation into the MP4's track header matrix (how phones store portrait
    video): ``degrees`` clockwise, 90 or 270."""
    one, zero = 0x10000, 0
    a, b, c, d = (zero, one, -one, zero) if degrees == 90 else (zero, -one, one, zero)
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    if at < 0 or data[at + 4] != 0:
        raise ValueError(f"no version-0 track header in {path}")
    matrix = struct.pack(">9i", a, b, 0, c, d, 0, 0, 0, 0x40000000)
    start = at + 4 + 4 + 4 * 5 + 8 + 2 * 4
    data[start : start + 36] = matrix
    path.write_bytes(bytes(data))


def rotated(path: Path, *, seconds: float = 5.0) -> Path:
    """The real clip stored on its side (pixels turned 90 degrees anticlockwise) with a
    90-degree display rotation in its track header: it plays upright, as a phone's portrait
    video does."""
    frames = [cv2.rotate(f, cv2.ROTATE_90_COUNTERCLOCKWISE) for f in real_frames(seconds)]
    write_clip(path, frames, SOURCE_FPS)
    _set_rotation(path, 90)
    return path


def knees_cropped(path: Path, *, seconds: float = 6.0) -> Path:
    """The real clip with the picture ending just below the runner's knees (source rows
    300-1080 of 1280): the shins and feet are out of view."""
    return write_clip(path, real_frames(seconds, size=(270, 468), crop=(90, 300, 540, 1080)), 30)


def tilted(path: Path, *, seconds: float = 6.0, degrees: float = 8.0) -> Path:
    """The real clip with the camera rolled ``degrees`` (anticlockwise)."""
    frames = real_frames(seconds)
    h, w = frames[0].shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out = [cv2.warpAffine(f, turn, (w, h), borderMode=cv2.BORDER_REPLICATE) for f in frames]
    return write_clip(path, out, SOURCE_FPS)


# --- pose, kept on disk ----------------------------------------------------------------------

_POSE_CODE = (
    "tools/gait/tracking.py",
    "tools/gait/video_io.py",
    "models/pose.py",
    "models/pose_onnx.py",
)


def pose_cache_dir() -> Path:
    """Where pose of test clips is kept: ``$COACHG_TEST_POSE_CACHE``, else the repository's
    ``.pytest_cache/gait_pose`` (git-ignored)."""
    env = os.environ.get("COACHG_TEST_POSE_CACHE")
    root = Path(__file__).resolve().parents[1]
    return Path(env) if env else root / ".pytest_cache" / "gait_pose"


def _pose_key(path: Path, fps: float | None) -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(path.read_bytes())
    for name in _POSE_CODE:
        if (root / name).exists():
            digest.update((root / name).read_bytes())
    digest.update(os.environ.get("COACHG_POSE_BACKEND", "").encode())
    digest.update(f"{av.__version__} {cv2.__version__} fps={fps}".encode())
    return digest.hexdigest()[:24]


def cached_pose(path: Path, *, fps: float | None = None) -> tuple[VideoInfo, PoseTrack]:
    """``(VideoInfo, PoseTrack)`` of a clip, pose run once and kept on disk (without the
    frames themselves: a track from here cannot draw the annotated video)."""
    info = probe_video(path, fps=fps)
    store = pose_cache_dir() / f"{path.stem}-{_pose_key(path, fps)}.npz"
    if store.exists():
        with np.load(store) as data:
            return info, PoseTrack(
                frames=data["frames"],
                times=data["times"],
                xy=data["xy"],
                visibility=data["visibility"],
                fps=float(data["fps"]),
                width=int(data["width"]),
                height=int(data["height"]),
                backend=str(data["backend"]),
                frames_expected=int(data["frames_expected"]),
            )
    track = track_pose(info)
    store.parent.mkdir(parents=True, exist_ok=True)
    partial = store.with_suffix(f".{os.getpid()}.tmp")
    with open(partial, "wb") as fh:
        np.savez(
            fh,
            frames=track.frames,
            times=track.times,
            xy=track.xy,
            visibility=track.visibility,
            fps=track.fps,
            width=track.width,
            height=track.height,
            backend=track.backend,
            frames_expected=track.frames_expected,
        )
    partial.replace(store)
    return info, track


#: Every clip made from the real one, by name: how to make it.
MAKERS = {
    "mirrored": lambda p: mirrored(p, seconds=6.0),
    "panning": panning,
    "slow_4x_tagged": lambda p: slow_motion(p, seconds=3.0, capture_fps=120.0),
    "slow_4x_interpolated": lambda p: slow_motion(p, seconds=3.0),
    "slow_4x_by_rate": slowed_by_rate,
    "slow_4x_duplicated": duplicated,
    "rotated": rotated,
    "knees_cropped": knees_cropped,
    "tilted": tilted,
}


@dataclass(frozen=True)
class ClipTruth:
    """What is known of a clip: ``outcome`` is "analysed" or the refusal's code; the runner's
    cadence (steps/min of real time) and facing, and the slow-motion factor of its timing."""

    outcome: str
    cadence_spm: float | None = None
    faces: str | None = None
    slow_factor: float = 1.0
    note: str = ""


#: The real clip's cadence measured without a pose model (its .truth.json: 168.9 ± 0.5).
REAL_SPM = 168.9
#: Every clip with a known truth: the real ones in shared/data and the ones made from them.
TRUTHS: dict[str, ClipTruth] = {
    "real": ClipTruth("analysed", REAL_SPM, "left", note="the real 12 s treadmill clip"),
    "walking_two_people": ClipTruth(
        "not_running", None, None, note="sports2d demo: two people walking, nobody running"
    ),
    "mirrored": ClipTruth("analysed", REAL_SPM, "right"),
    "panning": ClipTruth("analysed", REAL_SPM, "left", note="runner drifts backwards"),
    "tilted": ClipTruth("analysed", REAL_SPM, "left", note="camera rolled 8 degrees"),
    "rotated": ClipTruth("analysed", REAL_SPM, "left", note="stored on its side, tagged"),
    "knees_cropped": ClipTruth(
        "analysed", REAL_SPM, "left", note="no feet in view: cadence from the rhythm or none"
    ),
    "slow_4x_tagged": ClipTruth("analysed", REAL_SPM, "left", note="capture-rate tag 120"),
    "slow_4x_interpolated": ClipTruth("slow_motion", REAL_SPM, "left", 4.0, "no tag"),
    "slow_4x_by_rate": ClipTruth("slow_motion", REAL_SPM, "left", 4.0, "file says 7.5 fps"),
    "slow_4x_duplicated": ClipTruth("slow_motion", REAL_SPM, "left", 4.0, "frames x4"),
}
WALKING = VIDEO.parent / "sports2d_demo_two_people_walking.mp4"


def clip_path(name: str, folder: Path) -> Path:
    """The file of clip ``name``: a real one from shared/data, or one made into ``folder``."""
    if name == "real":
        return require(VIDEO)
    if name == "walking_two_people":
        return require(WALKING)
    return make(name, folder)


def make(name: str, folder: Path) -> Path:
    """The clip ``name`` of :data:`MAKERS` in ``folder`` (made once)."""
    path = folder / f"{name}.mp4"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        MAKERS[name](path)
    return path


def main(argv: list[str]) -> int:
    """Write every clip to the folder given."""
    out = Path(argv[0] if argv else ".")
    out.mkdir(parents=True, exist_ok=True)
    for name in MAKERS:
        make(name, out)
    no_runner(out / "no_runner.mp4")
    print(f"clips written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
