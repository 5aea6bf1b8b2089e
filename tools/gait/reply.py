"""The template reply for a video gait analysis: what was measured well, what only roughly, how
the two sides and the clip's start and end differ, and what changed since the last video.

Every number comes from the tool's report (``result.data["report"]``), written at the precision
the report holds, so the grounding check passes; wording follows each metric's own confidence.
"""

from __future__ import annotations

from typing import Any

from tools.confidence_words import confidence_sentence
from tools.markdown import escape
from tools.result import ToolResult

#: A side difference or a change within the clip is mentioned only when at least this large,
#: relative to the metric's step-to-step spread (interquartile range).
_NOTABLE_SHARE_OF_IQR = 0.5
_MOST_NOTES = 3


def _number(value: float) -> str:
    return f"{value:.1f}"


def _typical(metric: dict[str, Any]) -> str:
    ref = metric.get("reference") or {}
    low, high = ref.get("low"), ref.get("high")
    if low is None and high is None:
        return ""
    unit = ref.get("unit") or metric["unit"]
    if low is None:
        band = f"up to {high:g}"
    elif high is None:
        band = f"{low:g} or more"
    else:
        band = f"{low:g} to {high:g}"
    value = metric["value"]
    where = ""
    if low is not None and value < low:
        where = ", below that"
    elif high is not None and value > high:
        where = ", above that"
    return f" (typical {band} {unit}{where})"


def value_words(metric: dict[str, Any]) -> str:
    """A metric's value as a reply writes it: "rearfoot (13.5 deg)", "169.8 steps/min"."""
    shown = f"{_number(metric['value'])} {metric['unit']}"
    if metric.get("category"):
        shown = f"{metric['category']} ({shown})"
    return shown


def _notable(metric: dict[str, Any], difference: float | None) -> bool:
    if difference is None or metric.get("p25") is None or metric.get("p75") is None:
        return False
    spread = max(metric["p75"] - metric["p25"], 1e-9)
    return abs(difference) >= _NOTABLE_SHARE_OF_IQR * spread


def _side_line(metric: dict[str, Any]) -> str | None:
    left, right = metric.get("left"), metric.get("right")
    if left is None or right is None or not _notable(metric, metric.get("side_difference")):
        return None
    higher = "left" if left > right else "right"
    return (
        f"{metric['label']}: left {_number(left)}, right {_number(right)} {metric['unit']} "
        f"(higher on the {higher})"
    )


def _clip_change_line(metric: dict[str, Any]) -> str | None:
    first, last = metric.get("first_third"), metric.get("last_third")
    if first is None or last is None or not _notable(metric, metric.get("change")):
        return None
    return (
        f"{metric['label']}: {_number(first)} in the first third of the clip, "
        f"{_number(last)} {metric['unit']} in the last"
    )


def _overall_reasons(rough: list[dict], pose_fps: float) -> list[str]:
    """Why the whole report is as sure as it is, in words (counts are left to the lists above,
    so every number in the reply is one the tool produced)."""
    if not rough:
        return ["every measure is reliable from this clip"]
    timing = {"ground_contact", "flight", "duty_factor"}
    labels = [m["label"][0].lower() + m["label"][1:] for m in rough]
    reasons = [f"{', '.join(labels)} {'is' if len(labels) == 1 else 'are'} only rough here"]
    if pose_fps < 50 and any(m["name"] in timing for m in rough):
        reasons.append("contact and flight times need a clip filmed at 60 frames/s or more")
    return reasons


def compose_gait(result: ToolResult) -> str:
    """The reply for a successful ``analyze_run_video`` result."""
    report = result.data["report"]
    metrics = [m for m in report["metrics"].values() if m.get("value") is not None]
    reliable = [m for m in metrics if m.get("reliable")]
    rough = [m for m in metrics if not m.get("reliable")]
    view, pose, video = report["view"], report["pose"], report["video"]
    timing = ""
    if video.get("fps_source") and video.get("fps_source") != "the file":
        timing = f", timed at {video['fps']:g} frames/s from {video['fps_source']}"
    lines = [
        f"I analysed {len(report['events'])} steps of your running, filmed from the "
        f"{view['view']} ({pose['analysed_fps']:.0f} frames/s{timing})."
    ]
    if view.get("note"):
        lines.append(view["note"])
    if reliable:
        lines += ["", "**Measured well**"]
        lines += [f"- {m['label']}: {value_words(m)}{_typical(m)}" for m in reliable]
    if rough:
        lines += ["", "**Only rough from this clip** (don't rely on these)"]
        by_reason: dict[str, list[dict]] = {}
        for m in rough:
            by_reason.setdefault(m["reasons"][0] if m.get("reasons") else "", []).append(m)
        for why, group in by_reason.items():
            shown = ", ".join(f"{m['label']} {value_words(m)}" for m in group)
            lines.append(f"- {shown}" + (f": {why}" if why else ""))
    missing = [m for m in report["metrics"].values() if m.get("not_measured")]
    if missing:
        lines += ["", "**Not measured** (no number is better than a wrong one)"]
        lines += [f"- {m['label']}: not measured, because {m['not_measured']}" for m in missing]
    tips = report.get("advice") or []
    if tips:
        lines += ["", "**What to work on** (what it may mean, never a diagnosis)"]
        lines += [
            f"- {tip['label']}: {tip['text']} (notes: *{tip['section']}*; {tip['source']})"
            for tip in tips
        ]
    if exercises := result.data.get("exercises"):
        lines += ["", "**Strength work that may help** (from the exercise library)"]
        lines += [
            f"- {escape(e['exercise'])}, {e['dose']}, for {e['for'].lower()}: {e['reason']} "
            f"({e['source']})"
            for e in exercises
        ]
        lines.append(result.data["exercises_note"])
    sides = [line for m in reliable if (line := _side_line(m))][:_MOST_NOTES]
    if sides:
        lines += ["", "**Left and right**"] + [f"- {line}" for line in sides]
    changes = [line for m in reliable if (line := _clip_change_line(m))][:_MOST_NOTES]
    if changes:
        lines += ["", "**Start to end of the clip**"] + [f"- {line}" for line in changes]
    comparison = result.data.get("comparison")
    if comparison:
        lines += ["", f"**Since your video of {comparison['previous_date']}**"]
        labels = {m["name"]: (m["label"], m["unit"]) for m in metrics}
        real = [c for c in comparison["changes"] if c["significant"]]
        for change in real:
            label, unit = labels.get(change["name"], (change["name"], ""))
            direction = "up" if change["change"] > 0 else "down"
            lines.append(
                f"- {label}: {_number(change['current'])} {unit}, {direction} from "
                f"{_number(change['previous'])}"
            )
        if not real:
            lines.append("- no change beyond the step-to-step noise of the two clips")
    lines += [
        "",
        confidence_sentence(result.confidence, _overall_reasons(rough, pose["analysed_fps"])),
    ]
    notes = [
        c
        for c in result.caveats
        if "not reliable here" not in c
        and "is not measured, because" not in c
        and c != view.get("note")
    ][:_MOST_NOTES]
    if notes:
        lines += [""] + [f"Note: {note}" for note in notes]
    return "\n".join(lines).strip()
