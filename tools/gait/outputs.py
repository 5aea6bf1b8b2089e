"""Write a report's files: annotated video, key frames and plots (the caller writes the JSON)."""

from __future__ import annotations

from pathlib import Path

from tools.gait.kinematics import Kinematics
from tools.gait.plots import metrics_plot, stride_angle_plot
from tools.gait.render import key_frames, render_video
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
) -> None:
    """Create ``out_dir`` and fill it; paths are recorded in ``report.artifacts``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    video = render_video(report, info, kin, steps, out_dir / "annotated", browser=browser_video)
    report.artifacts["annotated_video"] = str(video)
    for i, p in enumerate(key_frames(report, info, kin, steps, out_dir)):
        report.artifacts[f"key_frame_{i + 1}"] = str(p)
    stride = stride_angle_plot(report, kin, steps, out_dir / "joint_angles_stride.png")
    if stride is not None:
        report.artifacts["joint_angles_plot"] = str(stride)
    per = metrics_plot(report, out_dir / "metrics_per_step.png")
    if per is not None:
        report.artifacts["metrics_plot"] = str(per)
    report.artifacts["report_json"] = str(out_dir / "gait_report.json")
