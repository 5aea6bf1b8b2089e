"""Plots sized for the chat (about 700 pixels wide, fonts readable there): joint angles over
the normalised stride (mean and spread), and one figure per metric family (rhythm and timing, how
the foot lands, joint angles, posture, from behind) with each metric per step over the clip."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from tools.gait.drawing import finish, temporary
from tools.gait.families import FAMILIES, Family
from tools.gait.kinematics import Kinematics, angle_from_down, foot_angle, inner_angle
from tools.gait.report import GaitReport, MetricSummary
from tools.gait.steps import Step

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _pyplot() -> ModuleType:
    """Matplotlib's pyplot on its file-only backend, imported on first drawing: which files
    there will be is known without it (a third of a second of imports), so the report and its
    reply come first (:mod:`tools.gait.drawing`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


_SIDE_COLOURS = {"left": "tab:blue", "right": "tab:orange"}
#: Chat width: 7 inches at 100 dpi = 700 pixels, with fonts read at that size.
CHAT_WIDTH_IN = 7.0
PANEL_HEIGHT_IN = 2.1
_DPI = 100
_FONT = 13


def _angle_tracks(kin: Kinematics, side: str, forward_sign: int) -> dict[str, np.ndarray]:
    def lm(part: str) -> np.ndarray:
        return kin.track(f"{side}_{part}")

    trunk_down = kin.mid_track("left_hip", "right_hip") - kin.mid_track(
        "left_shoulder", "right_shoulder"
    )
    return {
        "Knee flexion (deg)": 180 - inner_angle(lm("hip"), lm("knee"), lm("ankle")),
        "Hip flexion (+) / extension (-) (deg)": angle_from_down(
            lm("knee") - lm("hip"), forward_sign
        )
        - angle_from_down(trunk_down, forward_sign),
        "Foot angle, toes up (deg)": foot_angle(lm("heel"), lm("foot_index"), forward_sign),
        "Elbow angle (deg)": inner_angle(lm("shoulder"), lm("elbow"), lm("wrist")),
    }


#: One side's strides as ``(contact, next contact of the same foot, toe-off)`` in seconds.
Strides = list[tuple[float, float, float]]


def _stride_curves(
    report: GaitReport, kin: Kinematics, steps: list[Step]
) -> dict[str, tuple[Strides, dict[str, list[np.ndarray]]]]:
    """Each side's strides and, per angle, its curves over the stride (0-100 %)."""
    forward = 1 if report.view.get("faces") == "right" else -1
    grid = np.linspace(0, 100, 101)
    out = {}
    for side in ("left", "right"):
        tracks = _angle_tracks(kin, side, forward)
        strides = [
            (s.contact, s.next_same, s.toe_off) for s in steps if s.side == side and s.next_same
        ]
        curves: dict[str, list[np.ndarray]] = {}
        for name, track in tracks.items():
            curves[name] = []
            for c, n, _ in strides:
                pct = (kin.times - c) / (n - c) * 100
                inside = (pct >= 0) & (pct <= 100) & np.isfinite(track)
                if inside.sum() >= 5:
                    curves[name].append(np.interp(grid, pct[inside], track[inside]))
        out[side] = (strides, curves)
    return out


def has_stride_plot(report: GaitReport, kin: Kinematics, steps: list[Step]) -> bool:
    """Whether :func:`stride_angle_plot` draws anything (a side with two strides of an angle)."""
    return any(
        len(c) >= 2
        for _, curves in _stride_curves(report, kin, steps).values()
        for c in curves.values()
    )


def stride_angle_plot(
    report: GaitReport, kin: Kinematics, steps: list[Step], path: Path
) -> Path | None:
    """Joint angles from contact (0%) to the same foot's next contact (100%), mean ± SD per side."""
    grid = np.linspace(0, 100, 101)
    per_side = _stride_curves(report, kin, steps)
    if not any(len(c) >= 2 for _, curves in per_side.values() for c in curves.values()):
        return None
    names = list(per_side["left"][1])
    plt = _pyplot()
    fig, axes = plt.subplots(4, 1, figsize=(CHAT_WIDTH_IN, 10.5), sharex=True)
    for side, (strides, curves) in per_side.items():
        for ax, name in zip(axes.flat, names, strict=True):
            if len(curves[name]) >= 2:
                arr = np.array(curves[name])
                mean, sd = arr.mean(0), arr.std(0)
                n = len(curves[name])
                ax.plot(grid, mean, color=_SIDE_COLOURS[side], label=f"{side} (n={n})")
                ax.fill_between(grid, mean - sd, mean + sd, color=_SIDE_COLOURS[side], alpha=0.2)
            if strides:
                stance_pct = np.median([(o - c) / (n - c) * 100 for c, n, o in strides])
                ax.axvline(
                    stance_pct, color=_SIDE_COLOURS[side], ls=":", lw=1, label=f"{side} toe-off"
                )
            ax.set_title(name, fontsize=_FONT, loc="left", y=1.0)
            ax.tick_params(labelsize=_FONT - 2)
    axes[-1].set_xlabel("% of stride (0 = foot contact; dotted = toe-off)", fontsize=_FONT - 1)
    # one legend for all four panels, at fixed places: "best" and tight_layout searched
    # every position and bounding box, most of the plot's time
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.965),
        fontsize=_FONT - 3,
        ncols=2,
        frameon=False,
    )
    fig.suptitle(
        "Joint angles over the stride (mean ± SD)",
        x=0.02,
        ha="left",
        fontsize=_FONT + 3,
        fontweight="bold",
    )
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.06, top=0.87, hspace=0.35)
    fig.savefig(temporary(path), dpi=_DPI, format="png")
    plt.close(fig)
    return finish(temporary(path), path)


def _draw_metric(ax: Axes, m: MetricSummary) -> None:
    """One metric per step over the clip: each foot's values, the median, the typical range."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    for side in ("left", "right", ""):
        pts = [
            (t, v)
            for t, v, s in zip(m.per_step_times, m.per_step, m.per_step_sides, strict=True)
            if s == side
        ]
        if pts:
            t, v = zip(*pts, strict=True)
            ax.plot(
                t,
                v,
                "o-",
                ms=5,
                lw=1.4,
                color=_SIDE_COLOURS.get(side, "tab:gray"),
                label=f"{side} foot" if side else "each stride",
            )
    ax.axhline(m.value, color="k", lw=1.5, label="median")
    ref = m.reference or {}
    if ref.get("low") is not None or ref.get("high") is not None:
        lo = ref.get("low") if ref.get("low") is not None else min([*m.per_step, m.value])
        hi = ref.get("high") if ref.get("high") is not None else max([*m.per_step, m.value])
        ax.axhspan(lo, hi, color="green", alpha=0.12, label="typical range")
    flag = "" if m.reliable else " (not reliable)"
    shown = f"{m.category} ({m.value:.1f} {m.unit})" if m.category else f"{m.value:.1f} {m.unit}"
    colour = "black" if m.reliable else "firebrick"
    ax.set_title(f"{m.label}: {shown}{flag}", fontsize=_FONT, loc="left", color=colour, y=1.0)
    ax.tick_params(labelsize=_FONT - 2)
    ax.grid(alpha=0.25)


def _measured(report: GaitReport, family: Family) -> list[MetricSummary]:
    """The family's metrics with a value and per-step values, in its order."""
    return [
        report.metrics[name]
        for name in family.metrics
        if name in report.metrics
        and report.metrics[name].per_step
        and report.metrics[name].value is not None
    ]


def family_plot_paths(report: GaitReport, out_dir: Path) -> dict[str, Path]:
    """Where :func:`family_plots` draws each figure it will draw: ``{family key: path}``."""
    return {
        family.key: out_dir / f"plot_{family.key}.png"
        for family in FAMILIES
        if _measured(report, family)
    }


def family_plot(report: GaitReport, family: Family, path: Path) -> Path | None:
    """The metrics of one family per step over the clip, one panel each, stacked, at chat
    width (about 700 pixels) with fonts readable there; None when none was measured."""
    ms = _measured(report, family)
    if not ms:
        return None
    height = PANEL_HEIGHT_IN * len(ms) + 1.6
    plt = _pyplot()
    fig, axes = plt.subplots(len(ms), 1, figsize=(CHAT_WIDTH_IN, height), sharex=True)
    axes = np.atleast_1d(axes)
    for ax, m in zip(axes, ms, strict=True):
        _draw_metric(ax, m)
    axes[-1].set_xlabel("time in the clip (s)", fontsize=_FONT - 1)
    seen: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    fig.suptitle(
        family.title, x=0.02, y=1 - 0.12 / height, ha="left", fontsize=_FONT + 3, fontweight="bold"
    )
    fig.legend(
        list(seen.values()),
        list(seen),
        loc="upper left",
        bbox_to_anchor=(0.01, 1 - 0.5 / height),
        ncols=3,
        fontsize=_FONT - 2,
        frameon=False,
    )
    top = 1 - 1.55 / height
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.55 / height, top=top, hspace=0.55)
    fig.savefig(temporary(path), dpi=_DPI, format="png")
    plt.close(fig)
    return finish(temporary(path), path)


def family_plots(report: GaitReport, out_dir: Path) -> dict[str, Path]:
    """One figure per family that has a measured metric: ``{family key: path}``."""
    made = {}
    by_key = {family.key: family for family in FAMILIES}
    for key, path in family_plot_paths(report, out_dir).items():
        if family_plot(report, by_key[key], path) is not None:
            made[key] = path
    return made
