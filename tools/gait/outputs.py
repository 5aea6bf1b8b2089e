"""Write a report's files: annotated video, key frames and plots (the caller writes the JSON)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.gait.frame_store import FrameStore
from tools.gait.kinematics import Kinematics
from tools.gait.plots import family_plots, stride_angle_plot
from tools.gait.render import render
from tools.gait.report import GaitReport
from tools.gait.steps import Step
from tools.gait.video_io import VideoInfo


def write_outputs(
    report: GaitReport,
    info: VideoInfo,
    kin: Kinematics,
    steps: list[Step],
    out_dir: Path,
    *,
    browser_video: bool = False,
    images: FrameStore | None = None,
) -> None:
    """Create ``out_dir`` and fill it; paths are recorded in ``report.artifacts``.

    The annotated video and key frames come from one pass through the clip (or through the
    frames the pose pass kept, ``images``), on a second thread (OpenCV and the encoder release
    the GIL), while the plots are drawn here.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="coachg-render") as pool:
        pending = pool.submit(
            render, report, info, kin, steps, out_dir, browser=browser_video, images=images
        )
        used = {e["contact_s"] for e in report.events}  # the steps filmed from the used view
        in_view = [s for s in steps if round(s.contact, 4) in used]
        stride = stride_angle_plot(report, kin, in_view, out_dir / "joint_angles_stride.png")
        families = family_plots(report, out_dir)
        rendered = pending.result()
    report.artifacts["annotated_video"] = str(rendered.video)
    for i, path in enumerate(rendered.key_frames):
        report.artifacts[f"key_frame_{i + 1}"] = str(path)
    if stride is not None:
        report.artifacts["joint_angles_plot"] = str(stride)
    for key, path in families.items():
        report.artifacts[f"plot_{key}"] = str(path)
    report.artifacts["report_json"] = str(out_dir / "gait_report.json")
