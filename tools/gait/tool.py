"""The ``analyze_run_video`` tool: gait analysis for the agent and the CLI, stored per athlete."""

from __future__ import annotations

import re
import time
from pathlib import Path

from storage.gait_reports import save_gait_report
from tools.context import ToolContext
from tools.gait.analyze import analyze_video
from tools.gait.errors import GaitAnalysisError
from tools.gait.report import GaitReport
from tools.result import Artifact, Fact, ToolResult

TOOL = "analyze_run_video"

#: report metric -> (fact name, unit). Units in fact names follow the reply templates.
FACT_NAMES: dict[str, tuple[str, str]] = {
    "cadence": ("cadence_spm", "steps/min"),
    "ground_contact": ("ground_contact_ms", "ms"),
    "flight": ("flight_ms", "ms"),
    "duty_factor": ("duty_factor_pct", "%"),
    "foot_strike_angle": ("foot_strike_angle_deg", "deg"),
    "overstride": ("overstride_pct_leg", "% leg length"),
    "shank_angle": ("shank_angle_deg", "deg"),
    "vertical_oscillation": ("vertical_oscillation", ""),
    "trunk_lean": ("trunk_lean_deg", "deg"),
    "knee_flexion_contact": ("knee_flexion_contact_deg", "deg"),
    "knee_flexion_peak": ("knee_flexion_peak_deg", "deg"),
    "hip_extension": ("hip_extension_toe_off_deg", "deg"),
    "elbow_angle": ("elbow_angle_deg", "deg"),
    "pelvic_drop": ("pelvic_drop_deg", "deg"),
    "step_width": ("step_width_pct_pelvis", "% pelvis width"),
    "knee_fppa": ("knee_fppa_deg", "deg"),
    "arm_crossover": ("arm_crossover_pct_shoulder", "% shoulder width"),
}


def report_facts(report: GaitReport) -> list[Fact]:
    """Flat named numbers with units, each with its metric's confidence."""
    facts: list[Fact] = []
    for key, m in report.metrics.items():
        if m.value is None or key not in FACT_NAMES:
            continue
        name, unit = FACT_NAMES[key]
        if key == "vertical_oscillation":
            name, unit = (
                ("vertical_oscillation_cm", "cm")
                if m.unit == "cm"
                else ("vertical_oscillation_pct_leg", m.unit)
            )
        facts.append(Fact(name, round(m.value, 1), unit, m.confidence))
        if m.asymmetry_pct is not None and key in (
            "ground_contact",
            "knee_flexion_contact",
            "pelvic_drop",
            "overstride",
        ):
            facts.append(
                Fact(
                    f"{name}_asymmetry_pct",
                    round(m.asymmetry_pct, 1),
                    "%",
                    round(m.confidence * 0.8, 3),
                )
            )
        if m.change is not None and key in (
            "cadence",
            "ground_contact",
            "vertical_oscillation",
            "trunk_lean",
        ):
            facts.append(
                Fact(
                    f"{name}_change_last_vs_first_third",
                    round(m.change, 1),
                    unit,
                    m.confidence * 0.8,
                )
            )
        if m.category:
            facts.append(Fact("foot_strike_pattern", m.category, "", m.confidence))
    facts.append(Fact("steps_analysed", len(report.events), "steps", report.confidence))
    facts.append(Fact("analysed_fps", round(float(report.pose["analysed_fps"]), 1), "frames/s"))
    return facts


def _out_dir(ctx: ToolContext, video: Path) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", video.stem)[:60] or "video"
    return ctx.media_dir / "gait" / f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}"


def analyze_run_video(
    ctx: ToolContext,
    video_path: str,
    view: str | None = None,
    height_cm: float | None = None,
    fps: float | None = None,
) -> ToolResult:
    """Analyse a running video: cadence, contact time, foot strike, overstride, knee and hip angles
    (side view) or pelvic drop, step width and knee alignment (rear view), each with a confidence.

    view: "side" or "rear" (detected if omitted). height_cm: the runner's height, for vertical
    oscillation in cm. fps: the real frame rate of a slow-motion clip. Writes an annotated video,
    key frames and plots, and stores the report in the athlete's history.
    """
    video = Path(video_path)
    try:
        report = analyze_video(
            video,
            view=view,
            height_cm=height_cm,
            fps=fps,
            out_dir=_out_dir(ctx, video),
            progress=ctx.progress,
            browser_video=True,
        )
    except GaitAnalysisError as error:
        return ToolResult.failure(TOOL, error.message, code=error.code, video=video.name)
    data = report.to_dict()
    with ctx.session() as session:
        report_id = save_gait_report(session, ctx.actor, ctx.athlete_id, data, video.name)
    unreliable = [
        m.label for m in report.metrics.values() if not m.reliable and m.value is not None
    ]
    message = (
        f"Analysed {len(report.events)} steps from a {report.view['view']} view "
        f"({report.pose['analysed_fps']:.0f} frames/s)."
    )
    if unreliable:
        message += " Not reliable from this clip: " + ", ".join(unreliable) + "."
    kinds = {"annotated_video": "video", "report_json": "json"}
    artifacts = [
        Artifact(Path(p), kinds.get(k, "image"), k.replace("_", " "))
        for k, p in report.artifacts.items()
    ]
    return ToolResult(
        tool=TOOL,
        ok=True,
        message=message,
        facts=report_facts(report),
        data={"report_id": report_id, "report": data},
        confidence=report.confidence,
        reasons=report.reasons,
        caveats=report.caveats,
        artifacts=artifacts,
    )
