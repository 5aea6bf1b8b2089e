"""Bad input gets a clear GaitAnalysisError with advice, never a crash."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from tests.test_gait_helpers import VIDEO, require
from tools.gait.analyze import analyze_video
from tools.gait.errors import GaitAnalysisError
from tools.gait.tool import analyze_run_video


def _write(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def _real_frames(n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(require(VIDEO)))
    frames = []
    while len(frames) < n:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def test_non_video_file(tmp_path: Path) -> None:
    bogus = tmp_path / "run.mp4"
    bogus.write_text("this is not a video\n" * 100)
    with pytest.raises(GaitAnalysisError) as err:
        analyze_video(bogus)
    assert err.value.code == "unreadable"
    assert "MP4" in err.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GaitAnalysisError) as err:
        analyze_video(tmp_path / "nope.mp4")
    assert err.value.code == "missing_file"


def test_truncated_file(tmp_path: Path) -> None:
    data = require(VIDEO).read_bytes()
    cut = tmp_path / "truncated.mp4"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(GaitAnalysisError) as err:
        analyze_video(cut)
    assert err.value.code in ("unreadable", "too_short")
    assert "upload" in err.value.message or "film" in err.value.message.lower()


def test_blank_video_has_no_person(tmp_path: Path) -> None:
    black = _write(tmp_path / "black.mp4", [np.zeros((480, 270, 3), np.uint8)] * 90)
    with pytest.raises(GaitAnalysisError) as err:
        analyze_video(black)
    assert err.value.code == "no_person"
    assert "whole body" in err.value.message


def test_one_second_clip_is_too_short(tmp_path: Path) -> None:
    clip = _write(tmp_path / "short.mp4", _real_frames(30))
    with pytest.raises(GaitAnalysisError) as err:
        analyze_video(clip)
    assert err.value.code == "too_short"


def test_person_not_running(tmp_path: Path) -> None:
    # the same frame over and over: a person who does not move
    still = _write(tmp_path / "still.mp4", _real_frames(1) * 120)
    with pytest.raises(GaitAnalysisError) as err:
        analyze_video(still, workers=1)
    assert err.value.code == "not_running"


def test_unknown_view_and_bad_numbers(tmp_path: Path) -> None:
    with pytest.raises(GaitAnalysisError) as err:
        analyze_video(require(VIDEO), view="top")
    assert err.value.code == "bad_view" and "side" in err.value.message
    with pytest.raises(GaitAnalysisError):
        analyze_video(require(VIDEO), height_cm=17.8)
    with pytest.raises(GaitAnalysisError):
        analyze_video(require(VIDEO), fps=-5)


def test_tool_turns_errors_into_failures(tmp_path: Path) -> None:
    bogus = tmp_path / "clip.mov"
    bogus.write_bytes(b"\x00" * 1000)
    ctx = SimpleNamespace(media_dir=tmp_path, progress=lambda f, m: None)
    result = analyze_run_video(ctx, str(bogus))  # type: ignore[arg-type]
    assert not result.ok and result.confidence == 0.0
    assert result.tool == "analyze_run_video" and "MP4" in result.message
    assert result.data["code"] == "unreadable"


def test_very_long_and_very_large_files_say_what_to_send(tmp_path: Path) -> None:
    tiny = np.zeros((64, 64, 3), np.uint8)
    long_clip = _write(tmp_path / "marathon.mp4", [tiny] * (121 * 10), fps=10.0)  # 121 s
    with pytest.raises(GaitAnalysisError) as long_error:
        analyze_video(long_clip)
    assert long_error.value.code == "too_long" and "trim" in long_error.value.message

    huge = tmp_path / "huge.mp4"
    with huge.open("wb") as f:
        f.truncate(2 * 1024**3 + 1)  # sparse: takes no disk space
    with pytest.raises(GaitAnalysisError) as huge_error:
        analyze_video(huge)
    assert huge_error.value.code == "too_large" and "trim" in huge_error.value.message
