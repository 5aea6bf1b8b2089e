"""Write a report's files: annotated video, key frames and plots (the caller writes the JSON).

:func:`plan_outputs` names every file before any is drawn (so a report can list them while
they are still being drawn, :mod:`tools.gait.drawing`); :func:`draw_outputs` draws them;
:func:`write_outputs` does both at once."""

from __future__ import annotations

import resource
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools.gait.frame_store import FrameStore
from tools.gait.kinematics import Kinematics
from tools.gait.plots import (
    family_plot_paths,
    family_plots,
    has_stride_plot,
    stride_angle_plot,
)
from tools.gait.render import Rendered, planned, render
from tools.gait.report import GaitReport
from tools.gait.steps import Step
from tools.gait.video_io import VideoInfo

STRIDE_PLOT = "joint_angles_stride.png"


@dataclass
class OutputPlan:
    """What to draw for one report, and where each file goes (``files``, by artifact key, in
    the order a reader wants them: the annotated clip, key frames, figures)."""

    report: GaitReport
    info: VideoInfo
    kin: Kinematics
    steps: list[Step]
    out_dir: Path
    browser_video: bool
    images: FrameStore | None
    rendered: Rendered
    files: dict[str, Path]


def _in_view(report: GaitReport, steps: list[Step]) -> list[Step]:
    """The steps filmed from the used view (those the report's events list)."""
    used = {e["contact_s"] for e in report.events}
    return [s for s in steps if round(s.contact, 4) in used]


def plan_outputs(
    report: GaitReport,
    info: VideoInfo,
    kin: Kinematics,
    steps: list[Step],
    out_dir: Path,
    *,
    browser_video: bool = False,
    images: FrameStore | None = None,
) -> OutputPlan:
    """Every file :func:`draw_outputs` will write for ``report`` (cheap: nothing is drawn),
    recorded in ``report.artifacts``; ``out_dir`` is created."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = planned(report, info, steps, out_dir, browser=browser_video, images=images)
    files = {"annotated_video": rendered.video}
    files |= {f"key_frame_{i + 1}": path for i, path in enumerate(rendered.key_frames)}
    if has_stride_plot(report, kin, _in_view(report, steps)):
        files["joint_angles_plot"] = out_dir / STRIDE_PLOT
    files |= {f"plot_{key}": path for key, path in family_plot_paths(report, out_dir).items()}
    report.artifacts.update({key: str(path) for key, path in files.items()})
    report.artifacts["report_json"] = str(out_dir / "gait_report.json")
    return OutputPlan(
        report, info, kin, steps, out_dir, browser_video, images, rendered, dict(files)
    )


def _thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def draw_outputs(plan: OutputPlan) -> tuple[dict[str, Path], float]:
    """Draw the planned files: ``({key: path} of those made, CPU seconds of the helper thread)``.

    The annotated video and key frames come from one pass through the clip (or through the
    frames the pose pass kept), on a second thread (OpenCV and the encoder release the GIL),
    while the plots are drawn on the calling one."""
    report, out_dir = plan.report, plan.out_dir

    def rendering() -> tuple[Rendered, float]:
        c0 = _thread_cpu()
        done = render(
            report,
            plan.info,
            plan.kin,
            plan.steps,
            out_dir,
            browser=plan.browser_video,
            images=plan.images,
        )
        return done, _thread_cpu() - c0

    made: dict[str, Path] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="coachg-render") as pool:
        pending = pool.submit(rendering)
        if "joint_angles_plot" in plan.files:
            stride = stride_angle_plot(
                report, plan.kin, _in_view(report, plan.steps), plan.files["joint_angles_plot"]
            )
            if stride is not None:
                made["joint_angles_plot"] = stride
        made |= {f"plot_{key}": path for key, path in family_plots(report, out_dir).items()}
        rendered, helper_cpu = pending.result()
    made["annotated_video"] = rendered.video
    made |= {f"key_frame_{i + 1}": path for i, path in enumerate(rendered.key_frames)}
    return {k: p for k, p in plan.files.items() if made.get(k) == p}, helper_cpu


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
    """Create ``out_dir`` and fill it now; paths are recorded in ``report.artifacts``."""
    plan = plan_outputs(
        report, info, kin, steps, out_dir, browser_video=browser_video, images=images
    )
    draw_outputs(plan)
