"""Plots: joint angles over the normalised stride (mean and spread) and metrics per stride."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from tools.gait.kinematics import Kinematics, angle_from_down, foot_angle, inner_angle
from tools.gait.report import GaitReport
from tools.gait.steps import Step

_SIDE_COLOURS = {"left": "tab:blue", "right": "tab:orange"}


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


def stride_angle_plot(
    report: GaitReport, kin: Kinematics, steps: list[Step], path: Path
) -> Path | None:
    """Joint angles from contact (0%) to the same foot's next contact (100%), mean ± SD per side."""
    forward = 1 if report.view.get("faces") == "right" else -1
    grid = np.linspace(0, 100, 101)
    names = list(_angle_tracks(kin, "left", forward))
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    drawn = False
    for side in ("left", "right"):
        tracks = _angle_tracks(kin, side, forward)
        strides = [
            (s.contact, s.next_same, s.toe_off) for s in steps if s.side == side and s.next_same
        ]
        for ax, name in zip(axes.flat, names, strict=True):
            curves = []
            for c, n, _ in strides:
                pct = (kin.times - c) / (n - c) * 100
                inside = (pct >= 0) & (pct <= 100) & np.isfinite(tracks[name])
                if inside.sum() >= 5:
                    curves.append(np.interp(grid, pct[inside], tracks[name][inside]))
            if len(curves) >= 2:
                arr = np.array(curves)
                mean, sd = arr.mean(0), arr.std(0)
                ax.plot(grid, mean, color=_SIDE_COLOURS[side], label=f"{side} (n={len(curves)})")
                ax.fill_between(grid, mean - sd, mean + sd, color=_SIDE_COLOURS[side], alpha=0.2)
                drawn = True
            if strides:
                stance_pct = np.median([(o - c) / (n - c) * 100 for c, n, o in strides])
                ax.axvline(
                    stance_pct, color=_SIDE_COLOURS[side], ls=":", lw=1, label=f"{side} toe-off"
                )
            ax.set_title(name, fontsize=10)
    if not drawn:
        plt.close(fig)
        return None
    for ax in axes[1]:
        ax.set_xlabel("% of stride (0 = foot contact; dotted = toe-off)")
    # one legend for all four panels, at fixed places: "best" and tight_layout searched
    # every position and bounding box, most of the plot's time
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=8, ncols=2)
    fig.suptitle("Joint angles over the stride (mean ± SD)", x=0.02, ha="left")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.86, hspace=0.25, wspace=0.2)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def metrics_plot(report: GaitReport, path: Path) -> Path | None:
    """Each metric per step over the clip, with its median and the literature range shaded."""
    ms = [m for m in report.metrics.values() if m.per_step and m.value is not None]
    if not ms:
        return None
    cols = 3
    rows = -(-len(ms) // cols)
    fig = plt.figure(figsize=(12, 2.6 * rows))
    # only the panels drawn, with few ticks: making and drawing ticks is most of a plot's time
    axes = [fig.add_subplot(rows, cols, k + 1) for k in range(len(ms))]
    for ax, m in zip(axes, ms, strict=True):
        ax.xaxis.set_major_locator(MaxNLocator(5))
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
                    ms=3,
                    lw=0.8,
                    color=_SIDE_COLOURS.get(side, "tab:gray"),
                    label=f"{side} foot" if side else "each stride",
                )
        ax.axhline(m.value, color="k", lw=1, label="median")
        ref = m.reference or {}
        if ref.get("low") is not None or ref.get("high") is not None:
            lo = ref.get("low") if ref.get("low") is not None else min([*m.per_step, m.value])
            hi = ref.get("high") if ref.get("high") is not None else max([*m.per_step, m.value])
            ax.axhspan(lo, hi, color="green", alpha=0.08, label="typical range")
        flag = "" if m.reliable else " (not reliable)"
        ax.set_title(
            f"{m.label}{flag}\nmedian {m.value:.1f} {m.unit}, conf {m.confidence:.2f}", fontsize=8
        )
        ax.tick_params(labelsize=7)
    # one legend for every panel at a fixed place (see stride_angle_plot)
    seen: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    fig.legend(list(seen.values()), list(seen), loc="upper center", ncols=5, fontsize=8)
    fig.supxlabel("time in clip (s); green band = literature range")
    top = 1 - 0.85 / (2.6 * rows)  # room for the legend above the first titles
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.3 / rows, top=top, hspace=0.75)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
