"""Pose workers kept warm between analyses (``coachg serve``, ``coachg worker``): an analysis
takes the waiting workers instead of starting fresh ones, gets the same landmarks, and leaves
new warm workers for the next; real processes on the real clip."""

from __future__ import annotations

import time

import numpy as np

from tests.test_gait_helpers import VIDEO, require
from tools.gait import warm_pool
from tools.gait.tracking import start_pose


def test_an_analysis_takes_the_warm_workers_and_leaves_new_ones() -> None:
    clip = require(VIDEO)
    with start_pose(clip, pose_fps=10, workers=2) as job:  # 120 frames, two fresh workers
        fresh = job.finish()
    warm_pool.keep_warm(2)
    try:
        ready = warm_pool.waiting()
        assert len(ready) == 2
        time.sleep(3)  # let them load (an analysis would not wait for it)
        with start_pose(clip, pose_fps=10, workers=2) as job:
            warm = job.finish()
        assert [proc.poll() for proc in ready] == [0, 0]  # each tracked its chunk and ended
        again = warm_pool.waiting()
        assert len(again) == 2 and not {p.pid for p in again} & {p.pid for p in ready}
    finally:
        warm_pool.keep_warm(0)
    assert warm_pool.waiting() == [] and all(p.poll() is not None for p in again)
    assert np.array_equal(warm.frames, fresh.frames)
    assert np.array_equal(warm.xy, fresh.xy, equal_nan=True)
    assert warm.images is not None and len(warm.images.indices) == len(warm.frames)
