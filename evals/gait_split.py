"""How much the split of a clip between pose workers moves the cadence.

Run: ``python -m evals.gait_split``.

Pose runs in one worker process per core, each on a contiguous range of frames, and MediaPipe's
tracking starts afresh at each range. This prints the cadence of the real side-view clip, and of
a copy with a smaller second runner crossing behind (the passer-by of ``tests/test_gait_video``),
tracked in one pass and split in two at several frames. The ground truth is 168.9 ± 0.5
steps/min (measured without a pose model). The spread is the run-to-run wobble a different core
count (hence split) can put on a cadence.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from evals.gait_accuracy import VIDEO, shared_data_dir
from tests.gait_clips import passer_by
from tools.gait import tracking
from tools.gait.analyze import analyze_track
from tools.gait.video_io import VideoInfo, probe_video

SPLITS = (160, 180, 200)


def cadence(info: VideoInfo, split: int | None) -> float:
    """Cadence with pose in one pass (``split`` None) or in two workers split at ``split``."""
    chunks = tracking._chunks
    try:
        if split is not None:
            tracking._chunks = lambda n, step, workers: [(0, split), (split, n)]
        track = tracking.PoseJob(info, workers=1 if split is None else 2).finish()
    finally:
        tracking._chunks = chunks
    value = analyze_track(info, track).metrics["cadence"].value
    return float("nan") if value is None else float(value)


def main() -> int:
    """Print the table."""
    src = shared_data_dir() / VIDEO
    with tempfile.TemporaryDirectory() as tmp:
        clips = {"real clip": src, "with a passer-by": passer_by(Path(tmp) / "p.mp4", src)}
        print(
            f"{'clip':18s} {'one pass':>8s} "
            + " ".join(f"{'split ' + str(s):>9s}" for s in SPLITS)
            + f" {'spread':>6s}"
        )
        for name, path in clips.items():
            info = probe_video(path)
            one = cadence(info, None)
            split = [cadence(info, s) for s in SPLITS]
            spread = float(np.ptp([one, *split]))
            cells = " ".join(f"{v:9.2f}" for v in split)
            print(f"{name:18s} {one:8.2f} {cells} {spread:6.2f}")
    print("steps/min; ground truth 168.9 ± 0.5; spread = highest - lowest of the row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
