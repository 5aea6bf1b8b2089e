"""Worker process for parallel pose tracking.

Usage: ``python -m tools.gait.pose_worker ARGS_JSON OUT.npz``, or ``python -m
tools.gait.pose_worker --wait`` (a warm worker, :mod:`tools.gait.warm_pool`: it loads what
tracking needs, then reads ``{"args": ARGS, "out": OUT.npz}`` as one line from its standard
input; it exits at once when its input closes with no line).

Runs the same tracker as the parent on one chunk of frames and saves the landmarks (and, when
asked, the frames) to OUT.npz; OUT.done holds how many frames are done so far.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path


def _skip_unused_imports() -> None:
    """Importing MediaPipe imports matplotlib.pyplot for its drawing helpers and sounddevice for
    its audio tasks, which a worker never calls: about 1.2 s of its start-up, paid by every worker
    of every analysis. In this process only, empty stand-ins take matplotlib's place, and
    sounddevice is marked missing (MediaPipe's audio module expects that it may be)."""
    for name in ("matplotlib", "matplotlib.pyplot"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules.setdefault("sounddevice", None)  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    """Track one chunk; exit status 0 on success."""
    _skip_unused_imports()
    from tools.gait.tracking import Feed, Source, _track_chunk
    from tools.gait.video_io import VideoInfo, probe_video

    args = json.loads(argv[0])
    out = Path(argv[1])
    if "info" in args:  # the parent probed the clip already: opening it again costs 0.3 s
        info = VideoInfo.from_fields(args["info"])
    else:
        info = probe_video(args["path"], fps=args["fps"])
    chunk = _track_chunk(
        info,
        args["start"],
        args["stop"],
        args["step"],
        done=lambda n: out.with_suffix(".done").write_text(str(n)),
        keep=bool(args.get("keep")),
        feed=Feed(**args["feed"]) if args.get("feed") else None,
        source=Source(**args["source"]) if args.get("source") else None,
        threads=1,  # one worker per core: FFmpeg's own threads would only wait on each other
    )
    chunk.save(out)
    return 0


def wait_for_chunk() -> int:
    """A warm worker: load NumPy, OpenCV and the pose model now, then track the one chunk its
    standard input names (exit 0 without one: the pool was stopped)."""
    _skip_unused_imports()
    import cv2  # noqa: F401  (what reading the frames needs)

    from models.pose import PoseEstimator
    from tools.gait import tracking  # noqa: F401

    with PoseEstimator(tracking=True):  # the runtime and the model loaded, converted if need be
        pass
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    job = json.loads(line)
    return main([json.dumps(job["args"]), job["out"]])


if __name__ == "__main__":
    sys.exit(wait_for_chunk() if sys.argv[1:] == ["--wait"] else main(sys.argv[1:]))
