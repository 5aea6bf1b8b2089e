"""Worker process for parallel pose tracking.

Usage: ``python -m tools.gait.pose_worker ARGS_JSON OUT.npz``.

Runs the same tracker as the parent on one chunk of frames and saves the landmarks to OUT.npz.
"""

from __future__ import annotations

import json
import sys

import numpy as np


def main(argv: list[str]) -> int:
    """Track one chunk; exit status 0 on success."""
    from tools.gait.tracking import _track_chunk
    from tools.gait.video_io import probe_video

    args = json.loads(argv[0])
    info = probe_video(args["path"], fps=args["fps"])
    frames, landmarks = _track_chunk(info, args["start"], args["stop"], args["step"])
    with open(argv[1], "wb") as fh:
        np.savez(fh, frames=frames, landmarks=landmarks)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
