"""The ``analyze_run_video`` tool: gait analysis for the agent and the CLI, stored per athlete."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from storage.gait_reports import save_gait_report
from tools.context import ToolContext
from tools.gait import drawing
from tools.gait.analyze import analyze_video
from tools.gait.errors import GaitAnalysisError
from tools.gait.families import FAMILIES
from tools.gait.history import Comparison, compare_with_previous
from tools.gait.recall import recall
from tools.gait.reply import compose_gait
from tools.gait.report import GaitReport
from tools.gait.tracking import PoseJob
from tools.reply import standard_reply
from tools.result import Artifact, Fact, ToolResult
from tools.spec import ToolSpec
from tools.strength.suggest import CAREFUL, for_gait_advice

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
        if key in ("ground_contact", "knee_flexion_contact", "pelvic_drop", "overstride"):
            side_confidence = round(m.confidence * 0.8, 3)
            if m.asymmetry_pct is not None:
                facts.append(
                    Fact(f"{name}_asymmetry_pct", round(m.asymmetry_pct, 1), "%", side_confidence)
                )
            elif m.side_difference is not None:
                facts.append(
                    Fact(
                        f"{name}_left_minus_right",
                        round(m.side_difference, 1),
                        unit,
                        side_confidence,
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


#: What each file of an analysis is called in the chat (key frames say which foot lands when).
_TITLES = {
    "annotated_video": "Annotated video",
    "joint_angles_plot": "Joint angles over the stride",
    "report_json": "The whole report (JSON)",
} | {f"plot_{family.key}": family.title for family in FAMILIES}


def artifact_title(key: str) -> str:
    """The title of an analysis file in the chat."""
    return _TITLES.get(key, key.replace("_", " ").capitalize())


def _out_dir(ctx: ToolContext, video: Path) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", video.stem)[:60] or "video"
    return ctx.media_dir / "gait" / f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}"


@dataclass
class StoredAnalysis:
    """A gait report as stored for the athlete, and how it compares with their previous one."""

    report: GaitReport
    report_id: int
    comparison: Comparison | None


def analyze_and_store(
    ctx: ToolContext,
    video: Path,
    *,
    view: str | None = None,
    height_cm: float | None = None,
    fps: float | None = None,
    out_dir: Path | None = None,
    pose_job: PoseJob | None = None,
) -> StoredAnalysis:
    """Analyse ``video``, compare it with the athlete's previous analysis of the same view, and
    store it in their history (``pose_job``: pose of ``video`` already begun). Raises
    :class:`GaitAnalysisError` for a clip it cannot use.

    The report names its files (annotated clip, key frames, figures) but they are drawn after
    it is stored, on a thread of this process, each appearing when whole
    (:mod:`tools.gait.drawing`): the reply does not wait for them."""
    folder = out_dir or _out_dir(ctx, video)
    report = analyze_video(
        video,
        view=view,
        height_cm=height_cm,
        fps=fps,
        out_dir=folder,
        progress=ctx.progress,
        browser_video=True,
        pose_job=pose_job,
        later=True,
    )
    data = report.to_dict()
    try:
        with ctx.session() as session:
            comparison = compare_with_previous(session, ctx.actor, ctx.athlete_id, data)
            if comparison is not None:
                data["comparison"] = comparison.to_dict()
            report_id = save_gait_report(session, ctx.actor, ctx.athlete_id, data, video.name)
    except BaseException:
        drawing.discard(folder)
        raise
    drawing.start(folder)
    return StoredAnalysis(report, report_id, comparison)


def comparison_facts(comparison: Comparison) -> list[Fact]:
    """Then, now and the change of every metric that can be compared, as facts."""
    facts = []
    for change in comparison.changes:
        name, unit = FACT_NAMES.get(change.name, (change.name, change.unit))
        if change.name == "vertical_oscillation":
            name = (
                "vertical_oscillation_cm" if change.unit == "cm" else "vertical_oscillation_pct_leg"
            )
        facts.append(Fact(f"{name}_previous", round(change.previous, 1), unit, change.confidence))
        facts.append(
            Fact(f"{name}_change_since_previous", round(change.change, 1), unit, change.confidence)
        )
    return facts


def analyze_run_video(
    ctx: ToolContext,
    video_path: str,
    view: str | None = None,
    height_cm: float | None = None,
    fps: float | None = None,
) -> ToolResult:
    """Analyse a running video: cadence, contact time, foot strike, overstride, knee and hip angles
    (side view) or pelvic drop, step width and knee alignment (rear view), each with a confidence.

    Stores the report in the athlete's history and compares it with their previous analysis;
    the annotated video, key frames and plots it names are drawn after it, each appearing when
    ready.

    Args:
        video_path: the video attached to this message.
        view: "side" or "rear"; detected from the clip when omitted.
        height_cm: the runner's height in centimetres, for vertical oscillation in cm.
        fps: the real frame rate of a slow-motion clip, when the file's own is wrong.
    """
    video = Path(video_path)
    try:
        stored = analyze_and_store(ctx, video, view=view, height_cm=height_cm, fps=fps)
    except GaitAnalysisError as error:
        return ToolResult.failure(TOOL, error.message, code=error.code, video=video.name)
    report, comparison = stored.report, stored.comparison
    unreliable = [
        m.label for m in report.metrics.values() if not m.reliable and m.value is not None
    ]
    message = (
        f"Analysed {len(report.events)} steps from a {report.view['view']} view "
        f"({report.pose['analysed_fps']:.0f} frames/s)."
    )
    if unreliable:
        message += " Not reliable from this clip: " + ", ".join(unreliable) + "."
    missing = [m.label for m in report.metrics.values() if m.not_measured]
    if missing:
        message += " Not measured: " + ", ".join(missing) + "."
    if report.view.get("note"):
        message += " " + report.view["note"]
    facts = report_facts(report)
    caveats = list(report.caveats)
    if comparison is not None:
        real = [c for c in comparison.changes if c.significant]
        message += (
            f" Compared with your analysis of {comparison.previous_date}: "
            + ("; ".join(c.text() for c in real) if real else "no change beyond the clips' noise")
            + "."
        )
        facts += comparison_facts(comparison)
        caveats.append(
            "Changes since your last video count only when larger than the step-to-step noise of "
            "both clips; film the same way (view, distance, speed) so they compare fairly."
        )
    kinds = {"annotated_video": "video", "report_json": "json"}
    artifacts = [
        Artifact(Path(p), kinds.get(k, "image"), artifact_title(k))
        for k, p in report.artifacts.items()
    ]
    exercises = for_gait_advice(ctx, report.advice)
    return ToolResult(
        tool=TOOL,
        ok=True,
        message=message,
        facts=facts,
        data={"report_id": stored.report_id, "report": report.to_dict()}
        | ({"comparison": comparison.to_dict()} if comparison else {})
        | ({"exercises": exercises, "exercises_note": CAREFUL} if exercises else {}),
        confidence=report.confidence,
        reasons=report.reasons,
        caveats=caveats,
        artifacts=artifacts,
    )


def _phrase(result: ToolResult) -> str:
    return compose_gait(result) if "report" in result.data else standard_reply(result)


#: Video files a phone or camera writes.
VIDEO_TYPES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv", ".3gp"})

SPEC = ToolSpec(
    name=TOOL,
    function=analyze_run_video,
    recalls=recall,
    summary="analyse a run video (gait, cadence, foot strike, angles)",
    examples=(
        "analyze my run video",
        "check my running form",
        "look at my gait in this clip",
        "what do you think of my technique?",
        "am I overstriding in this video",
        "filmed from the side at 60 fps, 178 cm",
        "here's a clip from behind on the treadmill",
        "rate my stride",
        "what's my cadence in this clip",
        "how's my foot strike in the footage",
        "check my knee angle in the video",
    ),
    writes=True,
    file_types=VIDEO_TYPES,
    file_arg="video_path",
    needs=(
        "Attach your run video and I'll analyse it: film from the side (or from behind) at hip "
        "height, 10-20 seconds of steady running, the whole body in view."
    ),
    phrase=_phrase,
    remember=True,
    heavy=True,
)
