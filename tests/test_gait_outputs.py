"""What a runner sees of an analysis: figures sized for the chat and key frames of the runner,
large enough to read, with the measured angles drawn and labelled."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tools.gait import drawing
from tools.gait.analyze import analyze_track
from tools.gait.drawing import DRAWING, MISSING, appearing, file_state, read_manifest
from tools.gait.families import FAMILIES
from tools.gait.key_frames import KEY_FRAME_HEIGHT, runner_crop
from tools.gait.report import GaitReport

#: The chat shows a picture at most this wide; wider ones are shrunk and their text with them.
CHAT_WIDTH_PX = 720


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory, real_clip_pose: tuple) -> GaitReport:
    info, track = real_clip_pose
    out = tmp_path_factory.mktemp("shown")
    return analyze_track(info, track, out_dir=out, height_cm=178, browser_video=True)


def test_one_figure_per_measured_family_at_chat_width(shown: GaitReport) -> None:
    plots = {k: Path(v) for k, v in shown.artifacts.items() if k.startswith("plot_")}
    measured = {
        f.key
        for f in FAMILIES
        if any(shown.metrics.get(n) and shown.metrics[n].value is not None for n in f.metrics)
    }
    assert set(plots) == {f"plot_{k}" for k in measured}
    assert "plot_from_behind" not in plots  # a side view has no rear-view metrics
    for path in [*plots.values(), Path(shown.artifacts["joint_angles_plot"])]:
        height, width = cv2.imread(str(path)).shape[:2]
        assert 600 <= width <= CHAT_WIDTH_PX, path.name
        # at most four panels a figure: each panel keeps at least 200 px of height
        assert height <= 4 * 300, path.name


def test_key_frames_show_the_runner_large_with_the_angles_drawn(shown: GaitReport) -> None:
    frames = [Path(v) for k, v in shown.artifacts.items() if k.startswith("key_frame")]
    assert len(frames) == 4
    for path in frames:
        img = cv2.imread(str(path))
        assert img.shape[0] == KEY_FRAME_HEIGHT and img.shape[1] <= CHAT_WIDTH_PX
        # the angles and their labels are drawn in yellow (BGR 0, 230, 255)
        yellow = (img[:, :, 0] < 60) & (img[:, :, 1] > 200) & (img[:, :, 2] > 230)
        assert yellow.sum() > 2000, path.name


def test_the_crop_follows_the_runner() -> None:
    """A runner in the left third of a 720x1280 picture: the crop holds all their landmarks,
    leaves out most of the picture, and is scaled to the key frame's height."""
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(100, 260, 33), rng.uniform(500, 1100, 33)])
    pts[3] = np.nan
    crop = runner_crop(pts, 720, 1280)
    good = pts[np.isfinite(pts).all(axis=1)]
    assert crop.x0 <= good[:, 0].min() and crop.x1 >= good[:, 0].max()
    assert crop.y0 <= good[:, 1].min() and crop.y1 >= good[:, 1].max()
    assert (crop.x1 - crop.x0) * (crop.y1 - crop.y0) < 0.6 * 720 * 1280
    assert crop.zoom == pytest.approx(KEY_FRAME_HEIGHT / (crop.y1 - crop.y0))


def test_the_chat_names_each_file() -> None:
    from tools.gait.tool import artifact_title

    assert artifact_title("plot_rhythm") == "Rhythm and timing"
    assert artifact_title("key_frame_2") == "Key frame 2"
    assert artifact_title("annotated_video") == "Annotated video"


def test_the_files_are_named_first_and_drawn_later_the_same(
    tmp_path: Path, real_clip_pose: tuple, shown: GaitReport
) -> None:
    """With ``later``, the report names every file but none is drawn until the drawing is
    started: each is then said to be on its way, appears whole, and is the same picture as
    one drawn at once."""
    info, track = real_clip_pose
    out = tmp_path / "later"
    report = analyze_track(info, track, out_dir=out, height_cm=178, browser_video=True, later=True)
    names = {k: Path(v).name for k, v in report.artifacts.items()}
    assert names == {k: Path(v).name for k, v in shown.artifacts.items()}
    pictures = [Path(v) for k, v in report.artifacts.items() if k != "report_json"]
    assert len(pictures) >= 10
    assert (out / "gait_report.json").is_file()
    assert not any(p.exists() for p in pictures)
    assert {file_state(p) for p in pictures} == {DRAWING}
    assert (read_manifest(out) or {})["state"] == "waiting"
    assert drawing.start(out) is not None
    appeared = list(appearing(pictures, timeout=300))
    assert sorted(appeared) == sorted(pictures)
    manifest = read_manifest(out) or {}
    assert manifest["state"] == "done" and manifest["made"] == manifest["files"]
    assert manifest["started"] >= manifest["began"] and manifest["cpu_seconds"] > 0
    assert not list(out.glob(".*part*"))  # every file renamed into place whole
    for key, path in shown.artifacts.items():
        if key.startswith(("plot_", "key_frame", "joint_angles")):
            assert Path(path).read_bytes() == Path(report.artifacts[key]).read_bytes(), key


def test_a_drawing_that_fails_or_is_dropped_keeps_no_one_waiting(tmp_path: Path) -> None:
    def broken() -> tuple[dict[str, Path], float]:
        raise OSError("No space left on device")

    files = {"plot_rhythm": tmp_path / "plot_rhythm.png"}
    failing = drawing.register(drawing.Drawing(tmp_path, files, broken))
    assert file_state(files["plot_rhythm"]) == DRAWING
    assert drawing.of(tmp_path) is failing
    drawing.start(tmp_path)
    assert failing.wait(30)
    manifest = read_manifest(tmp_path) or {}
    assert manifest["state"] == "failed" and "No space left" in manifest["error"]
    assert file_state(files["plot_rhythm"]) == MISSING
    assert list(appearing(files.values(), timeout=30)) == []
    assert drawing.of(tmp_path) is None

    dropped = tmp_path / "dropped"
    dropped.mkdir()
    later = {"plot_rhythm": dropped / "plot_rhythm.png"}
    drawing.register(drawing.Drawing(dropped, later, broken))
    drawing.discard(dropped)
    assert file_state(later["plot_rhythm"]) == MISSING
    assert drawing.start(dropped) is None
    assert file_state(tmp_path / "never_planned.png") == MISSING
