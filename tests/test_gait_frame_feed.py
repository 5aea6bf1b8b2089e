"""A clip decoded once: the worker of one chunk hands the next chunk its frames through a pipe
(:mod:`tools.gait.frame_feed`), so the next worker does not decode the first chunk again to
reach its own; the landmarks and the kept frames are the same; a feed that fails is made up
from the file. Real processes and the real clip."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.test_gait_helpers import VIDEO, require
from tools.gait import frame_feed, tracking
from tools.gait.frame_feed import FeedWriter, alive, read_feed
from tools.gait.tracking import Chunk, Feed, Source, _track_chunk, start_pose
from tools.gait.video_io import VideoInfo, iter_frames, probe_video

#: A short stretch of the real clip, at 10 frames/s: two chunks of 30 frames each.
START, MID, STOP, STEP = 0, 90, 180, 3


@pytest.fixture(scope="module")
def info() -> VideoInfo:
    return probe_video(require(VIDEO))


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The start of every range :func:`tracking.iter_frames` decodes from the file."""
    starts: list[int] = []
    real = tracking.iter_frames

    def counted(info: VideoInfo, **kw: object) -> Iterator[tuple[int, np.ndarray]]:
        starts.append(int(kw.get("start", 0)))  # type: ignore[call-overload]
        return real(info, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(tracking, "iter_frames", counted)
    return starts


@pytest.mark.parametrize("room", [None, 4])
def test_the_next_chunk_gets_its_frames_from_the_chunk_before_without_decoding(
    info: VideoInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: int | None
) -> None:
    """With room for every frame of the first chunk, or for only 4 (the decoding then waits
    for the first chunk's pose, and the second for its frames): the same frames either way."""
    if room is not None:
        monkeypatch.setattr(frame_feed, "MAX_AHEAD_BYTES", room * 640 * 360 * 3)
    alone = [
        _track_chunk(info, START, MID, STEP, keep=True),
        _track_chunk(info, MID, STOP, STEP, keep=True),
    ]
    starts = _counting(monkeypatch)
    fifo = tmp_path / "frames"
    os.mkfifo(fifo)
    first: list[Chunk] = []
    feeder = threading.Thread(
        target=lambda: first.append(
            _track_chunk(info, START, MID, STEP, keep=True, feed=Feed(str(fifo), STOP))
        )
    )
    feeder.start()
    second = _track_chunk(info, MID, STOP, STEP, keep=True, source=Source(str(fifo), os.getpid()))
    feeder.join()
    assert starts == [START]  # one pass through the file: the second chunk decoded nothing
    for fed, own in zip([first[0], second], alone, strict=True):
        assert np.array_equal(fed.frames, own.frames)
        assert np.array_equal(fed.landmarks, own.landmarks, equal_nan=True)
        assert fed.images is not None and own.images is not None
        assert np.array_equal(fed.images.data, own.images.data)  # the very same pixels


def test_a_feeder_that_never_comes_is_made_up_from_the_file(
    info: VideoInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert not alive(gone.pid) and alive(os.getpid())
    fifo = tmp_path / "frames"
    os.mkfifo(fifo)
    starts = _counting(monkeypatch)
    chunk = _track_chunk(info, MID, STOP, STEP, source=Source(str(fifo), gone.pid))
    assert starts == [MID]
    assert np.array_equal(chunk.frames, np.arange(MID, STOP, STEP))


def test_a_feed_that_ends_early_is_made_up_from_the_file(info: VideoInfo, tmp_path: Path) -> None:
    fifo = tmp_path / "frames"
    os.mkfifo(fifo)
    frames = list(iter_frames(info, start=MID, stop=STOP, step=STEP, max_side=640))

    def feed_half() -> None:
        writer = FeedWriter.open(fifo, wait_s=30)
        assert writer is not None
        for index, frame in frames[:10]:
            assert writer.send(index, frame)
        writer.close()  # the feeder failed after ten frames

    thread = threading.Thread(target=feed_half)
    thread.start()
    got = list(tracking._fed_frames(info, MID, STOP, STEP, Source(str(fifo), os.getpid()), 1))
    thread.join()
    assert [i for i, _ in got] == [i for i, _ in frames]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(got, frames, strict=True))


def test_frames_cross_the_pipe_unchanged(tmp_path: Path) -> None:
    fifo = tmp_path / "frames"
    os.mkfifo(fifo)
    rng = np.random.default_rng(0)
    sent = [(i, rng.integers(0, 256, (64 + i, 48, 3), dtype=np.uint8)) for i in range(5)]

    def write() -> None:
        writer = FeedWriter.open(fifo, wait_s=30)
        assert writer is not None
        for index, frame in sent:
            writer.send(index, frame)
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    got = list(read_feed(fifo, os.getpid(), wait_s=30))
    thread.join()
    assert [i for i, _ in got] == [i for i, _ in sent]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(got, sent, strict=True))


def test_workers_with_and_without_the_feed_give_the_same_track(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clip = require(VIDEO)
    with start_pose(clip, pose_fps=10, workers=2) as job:
        assert tracking._fed_chunks(job.info, job.chunks, job.step) == {1}
        fed = job.finish()
    monkeypatch.setattr(tracking, "_fed_chunks", lambda *a: set())
    with start_pose(clip, pose_fps=10, workers=2) as job:
        alone = job.finish()
    assert np.array_equal(fed.frames, alone.frames)
    assert np.array_equal(fed.xy, alone.xy, equal_nan=True)
    assert fed.images is not None and alone.images is not None
    assert np.array_equal(fed.images.data, alone.images.data)


def test_only_a_chunk_short_enough_to_wait_in_memory_feeds_the_next(info: VideoInfo) -> None:
    chunks = tracking._chunks(info.frame_count, 1, 4)
    assert tracking._fed_chunks(info, chunks, 1) == {1, 3}  # pairs: each worker adds one chunk
    assert tracking._fed_chunks(info, [(0, 10**6), (10**6, 2 * 10**6)], 1) == set()
    # a 15 s 1080x1920 60 fps phone clip in two halves: 450 frames of 640 x 360 (311 MB) wait
    # for room, and are fed
    phone = VideoInfo(info.path, 1080, 1920, 60.0, 60.0, 900, 0, "avc1", 1)
    assert tracking._fed_chunks(phone, tracking._chunks(900, 1, 2), 1) == {1}
