"""Pose begun by ``coachg analyze`` before its start-up is taken over by the analysis job, once,
and a pose worker is handed the clip's description instead of opening the file again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_gait_helpers import VIDEO, require
from tools.gait.begun import begin, take
from tools.gait.tracking import Chunk
from tools.gait.video_io import VideoInfo, info_fields, probe_video

REPO = Path(__file__).resolve().parents[1]


def test_pose_begun_on_a_clip_is_taken_once_by_its_job() -> None:
    clip = require(VIDEO)
    job = begin(clip)
    try:
        assert job is not None
        assert len(job.chunks) == 2  # 360 frames on two cores: the workers are running
        assert take(clip, fps=60.0) is None  # another frame rate is another analysis
        assert take(clip) is job
        assert take(clip) is None
    finally:
        if job is not None:
            job.close()


def test_a_clip_that_cannot_be_used_begins_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.mp4"
    assert begin(missing) is None and take(missing) is None
    assert begin(require(VIDEO), fps=5.0) is None  # no clip is filmed at 5 frames/s
    assert take(require(VIDEO), fps=5.0) is None


def test_a_pose_worker_uses_the_info_it_is_handed(tmp_path: Path) -> None:
    info = probe_video(require(VIDEO))
    assert VideoInfo.from_fields(json.loads(json.dumps(info_fields(info)))) == info
    # the path beside it names no file: the worker can only have used the info
    args = {"path": str(tmp_path / "gone.mp4"), "fps": info.fps, "info": info_fields(info)}
    args |= {"start": 0, "stop": 4, "step": 1, "keep": False}
    out = tmp_path / "chunk.npz"
    subprocess.run(
        [sys.executable, "-m", "tools.gait.pose_worker", json.dumps(args), str(out)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert list(Chunk.load(out).frames) == [0, 1, 2, 3]
