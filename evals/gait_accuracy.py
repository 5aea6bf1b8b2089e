"""Gait event accuracy against force plates, and every clip with a known truth.

Run: ``python -m evals.gait_accuracy`` (``--clips-only`` skips the force plates; ``--save
FILE`` keeps the clip results as JSON, ``--before FILE`` prints them beside a saved run).

Clips: the real side-view clip (cadence measured without a pose model), the real clip of two
people walking (must be refused), and the clips made from the real one at run time
(``tests.gait_clips``: mirrored, a panning window, tilted, stored rotated, cut at the knees, slow
motion by capture tag, by interpolation, by the file's rate and by duplicated frames). Pose of
each is kept on disk between runs (``tests.gait_clips.cached_pose``).

Force plates: the Fukuchi, Fukuchi & Duarte (2017) treadmill running data (PeerJ 5:e3298, CC BY
4.0) in ``shared/data/mocap``. The heel and metatarsal markers are projected to the sagittal plane
(running direction X, vertical Y) as a side-view camera would see them, sampled at 30 or 60 fps,
cleaned by the same filter as video landmarks and fed to the same event detector as the video
pipeline. The instrumented treadmill reports one combined vertical force, so force stance
(Fy > 50 N for more than 100 ms) is the stance of whichever foot is down; each is matched to the
detected stance of either foot that starts nearest to it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tools.gait.events import FootEvents, detect_foot_events
from tools.gait.filtering import clean_trajectories

MARKER_HZ = 150.0
FORCE_HZ = 300.0
FORCE_THRESHOLD_N = 50.0
MIN_STANCE_S = 0.1
MATCH_WINDOW_S = 0.15

TRIALS = {
    "RBDS001 2.5 m/s": ("RBDS001runT25markers.txt", "RBDS001runT25forces.txt"),
    "RBDS0041 2.5 m/s": ("RBDS0041runT252.txt", "RBDS0041runT252forces.txt"),
}
VIDEO = "video/male_side_treadmill_30fps.mp4"


def shared_data_dir() -> Path:
    """``../shared/data`` beside the repository, or ``$COACHG_SHARED_DATA``."""
    env = os.environ.get("COACHG_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass(frozen=True)
class MocapTrial:
    """Marker trajectories (mm, 150 Hz) and vertical ground reaction force (N, 300 Hz)."""

    name: str
    marker_times: np.ndarray
    markers: dict[str, np.ndarray]  # name -> (T, 3) X, Y (vertical), Z
    force_times: np.ndarray
    fy: np.ndarray


@dataclass(frozen=True)
class EventErrors:
    """Detected minus force-plate timing for every matched stance, in ms."""

    contact_ms: np.ndarray
    toe_off_ms: np.ndarray
    contact_time_ms: np.ndarray
    force_stances: int
    matched: int

    def summary(self) -> dict[str, float]:
        """Median absolute and median signed errors, in ms."""
        out: dict[str, float] = {"force_stances": self.force_stances, "matched": self.matched}
        for name, err in (
            ("contact", self.contact_ms),
            ("toe_off", self.toe_off_ms),
            ("contact_time", self.contact_time_ms),
        ):
            out[f"{name}_mae_ms"] = float(np.median(np.abs(err))) if len(err) else float("nan")
            out[f"{name}_bias_ms"] = float(np.median(err)) if len(err) else float("nan")
        return out


def _read_table(path: Path) -> tuple[list[str], np.ndarray]:
    with open(path) as fh:
        header = fh.readline().rstrip("\n").split("\t")
    return header, np.genfromtxt(path, skip_header=1, delimiter="\t")


def load_trial(name: str, data_dir: Path | None = None) -> MocapTrial:
    """Read one trial of the mocap folder."""
    folder = (data_dir or shared_data_dir()) / "mocap"
    markers_file, forces_file = TRIALS[name]
    header, m = _read_table(folder / markers_file)
    markers: dict[str, np.ndarray] = {}
    for col, label in enumerate(header):
        if label.endswith("X") and col + 2 < len(header):
            base = label[:-1]
            if header[col + 1] == base + "Y" and header[col + 2] == base + "Z":
                markers[base] = m[:, col : col + 3]
    # Marker times from the sample index at 150 Hz, not the file's Time column: RBDS0041's column
    # is linspace(0, 30, 4500), i.e. 149.97 Hz, which drifts to +6.7 ms by the end of the trial
    # (4500 samples at 150 Hz end at 29.993 s, as RBDS001's column does).
    marker_times = np.arange(len(m)) / MARKER_HZ
    fheader, f = _read_table(folder / forces_file)
    # The force file's time column is a 1-based sample index at 300 Hz; both start together.
    force_times = (f[:, 0] - 1.0) / FORCE_HZ
    return MocapTrial(name, marker_times, markers, force_times, f[:, fheader.index("Fy")])


def force_stances(times: np.ndarray, fy: np.ndarray) -> list[tuple[float, float]]:
    """(on, off) of every stance: Fy above 50 N for more than 100 ms, brief dips merged."""
    above = fy > FORCE_THRESHOLD_N
    padded = np.concatenate([[False], above, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    runs = [[a, b] for a, b in zip(edges[::2], edges[1::2], strict=True)]
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and (a - merged[-1][1]) / FORCE_HZ < 0.03:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    out = []
    for a, b in merged:
        if (b - a) / FORCE_HZ > MIN_STANCE_S and a > 0 and b < len(fy):  # whole stance seen
            out.append((float(times[a]), float(times[b - 1])))
    return out


def project_feet(
    trial: MocapTrial, fps: float, phase_s: float = 0.0
) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Sample heel and forefoot heights as a side camera at ``fps`` would (image y, down larger).

    Returns the sample times and, per foot, cleaned (heel_y, toe_y) in mm.
    """
    t = np.arange(trial.marker_times[0] + phase_s, trial.marker_times[-1], 1.0 / fps)
    keys = {
        "left": ("L.Heel.Bottom", "L.MT1", "L.MT5"),
        "right": ("R.Heel.Bottom", "R.MT1", "R.MT5"),
    }
    xy = np.zeros((len(t), 4, 2))
    for k, (heel, mt1, mt5) in enumerate(keys.values()):
        toe = (trial.markers[mt1] + trial.markers[mt5]) / 2
        for j, marker in enumerate((trial.markers[heel], toe)):
            xy[:, 2 * k + j, 0] = np.interp(t, trial.marker_times, marker[:, 0])
            xy[:, 2 * k + j, 1] = -np.interp(t, trial.marker_times, marker[:, 1])  # y down
    clean = clean_trajectories(xy, fps)
    return t, {side: (clean[:, 2 * k, 1], clean[:, 2 * k + 1, 1]) for k, side in enumerate(keys)}


def match_events(
    stances: list[tuple[float, float]], feet: list[FootEvents], t_range: tuple[float, float]
) -> EventErrors:
    """Pair each force stance with the detected stance (either foot) starting nearest to it."""
    detected = [(c, o) for f in feet for c, o in zip(f.contacts, f.toe_offs, strict=True)]
    d_on = np.asarray([d[0] for d in detected])
    inside = [s for s in stances if s[0] > t_range[0] + 0.5 and s[1] < t_range[1] - 0.5]
    c_err, o_err, ct_err = [], [], []
    for on, off in inside:
        if len(d_on) == 0:
            break
        j = int(np.argmin(np.abs(d_on - on)))
        if abs(d_on[j] - on) > MATCH_WINDOW_S:
            continue
        don, doff = detected[j]
        c_err.append((don - on) * 1000)
        o_err.append((doff - off) * 1000)
        ct_err.append(((doff - don) - (off - on)) * 1000)
    return EventErrors(
        np.asarray(c_err), np.asarray(o_err), np.asarray(ct_err), len(inside), len(c_err)
    )


def evaluate_trial(trial: MocapTrial, fps: float, phase_s: float = 0.0) -> EventErrors:
    """Event timing errors of the detector on one trial sampled at ``fps``."""
    t, feet = project_feet(trial, fps, phase_s)
    events = [detect_foot_events(t, heel, toe, side=side) for side, (heel, toe) in feet.items()]
    return match_events(force_stances(trial.force_times, trial.fy), events, (t[0], t[-1]))


def evaluate_mocap(
    data_dir: Path | None = None, fps_list: tuple[float, ...] = (30.0, 60.0)
) -> dict[str, dict[str, float]]:
    """Errors for every trial and frame rate, averaged over a few camera phases."""
    results: dict[str, dict[str, float]] = {}
    for name in TRIALS:
        trial = load_trial(name, data_dir)
        for fps in fps_list:
            phases = np.arange(4) / (4 * fps)
            errs = [evaluate_trial(trial, fps, float(p)) for p in phases]
            pooled = EventErrors(
                np.concatenate([e.contact_ms for e in errs]),
                np.concatenate([e.toe_off_ms for e in errs]),
                np.concatenate([e.contact_time_ms for e in errs]),
                sum(e.force_stances for e in errs),
                sum(e.matched for e in errs),
            )
            results[f"{name} @ {fps:.0f} fps"] = pooled.summary()
    return results


def evaluate_video(data_dir: Path | None = None) -> dict[str, float]:
    """Cadence of the real clip against its pose-free ground truth."""
    from tools.gait.analyze import analyze_video

    folder = data_dir or shared_data_dir()
    truth = json.loads((folder / VIDEO).with_suffix(".truth.json").read_text())
    report = analyze_video(folder / VIDEO)
    metric = report.metrics["cadence"]
    out = {
        "cadence_spm": metric.value,
        "cadence_truth_spm": truth["cadence_spm"]["value"],
        "cadence_error_spm": metric.value - truth["cadence_spm"]["value"],
        "cadence_confidence": metric.confidence,
    }
    for name in ("ground_contact", "duty_factor"):
        if name in report.metrics:
            out[f"{name}_{report.metrics[name].unit}"] = report.metrics[name].value
    return out


@dataclass
class ClipResult:
    """What the analysis made of one clip, next to its truth."""

    name: str
    expected: str
    outcome: str
    cadence_truth: float | None
    cadence_spm: float | None = None
    cadence_source: str = ""
    cadence_reliable: bool = False
    rhythm_spm: float | None = None
    faces_truth: str | None = None
    faces: str | None = None
    faces_confidence: float | None = None
    leg_swaps: int | None = None
    slow_factor_truth: float = 1.0
    slow_factor_said: float | None = None
    ground_contact_ms: float | None = None
    duty_factor_pct: float | None = None
    message: str = ""

    @property
    def outcome_right(self) -> bool:
        """Analysed when it should be, refused with the right code when it should be; slow
        motion with no tag either asked about, or timed again, saying the right factor."""
        if self.expected == "slow_motion":
            return self.outcome in ("slow_motion", "analysed") and (
                self.slow_factor_said == self.slow_factor_truth
            )
        return self.outcome == self.expected

    @property
    def cadence_error(self) -> float | None:
        """Reported cadence (of real time) minus the truth."""
        if self.cadence_spm is None or self.cadence_truth is None:
            return None
        return self.cadence_spm - self.cadence_truth


_FACTOR = re.compile(r"about (\d+(?:\.\d+)?) ?(?:x|times)")


def evaluate_clip(name: str, folder: Path) -> ClipResult:
    """Analyse one clip of ``tests.gait_clips.TRUTHS`` from its cached pose."""
    from tests.gait_clips import TRUTHS, cached_pose, clip_path
    from tools.gait.analyze import analyze_track
    from tools.gait.errors import GaitAnalysisError

    truth = TRUTHS[name]
    out = ClipResult(
        name,
        truth.outcome,
        "",
        truth.cadence_spm,
        faces_truth=truth.faces,
        slow_factor_truth=truth.slow_factor,
    )
    info, track = cached_pose(clip_path(name, folder))
    try:
        report = analyze_track(info, track)
    except GaitAnalysisError as refused:
        out.outcome, out.message = refused.code, refused.message
        said = _FACTOR.search(refused.message)
        out.slow_factor_said = float(said[1]) if said else None
        return out
    out.outcome = "analysed"
    cad = report.metrics["cadence"]
    out.cadence_spm = cad.value
    out.cadence_reliable = cad.reliable
    out.cadence_source = str(report.pose.get("cadence_source", "steps"))
    out.rhythm_spm = report.pose.get("motion_cadence_spm")
    if out.cadence_spm is None and out.cadence_source == "steps":
        out.cadence_source = "none"
    out.faces = report.view.get("faces")
    out.faces_confidence = report.view.get("faces_confidence")
    out.leg_swaps = report.pose.get("leg_swaps_fixed")
    out.slow_factor_said = report.video.get("slow_motion_factor")
    for metric, attr in (
        ("ground_contact", "ground_contact_ms"),
        ("duty_factor", "duty_factor_pct"),
    ):
        if metric in report.metrics:
            setattr(out, attr, report.metrics[metric].value)
    out.message = " | ".join(report.caveats[:3])
    return out


def evaluate_clips(folder: Path | None = None) -> list[ClipResult]:
    """Every clip with a known truth, in the order of ``tests.gait_clips.TRUTHS``."""
    from tests.gait_clips import TRUTHS, pose_cache_dir

    folder = folder or pose_cache_dir() / "clips"
    return [evaluate_clip(name, folder) for name in TRUTHS]


def leg_label_agreement(data_dir: Path | None = None) -> dict[str, float]:
    """How often each way of naming the legs agrees with RTMPose's left and right (the
    reference keypoints beside the real clip, another model) on the ankles, in frames where
    RTMPose's ankles are 40 px or more apart: MediaPipe's own labels, the frame-by-frame fix of
    before (``fix_side_swaps``) and the legs followed over the whole clip (``track_legs``)."""
    from models.pose import LANDMARK_INDEX as IDX
    from tests.gait_clips import cached_pose
    from tools.gait.identity import fix_side_swaps, track_legs

    folder = data_dir or shared_data_dir()
    ref = json.loads((folder / VIDEO).with_suffix(".rtmpose_halpe26.json").read_text())
    frames, names = np.asarray(ref["frames"]), ref["keypoint_names"]
    _, track = cached_pose(folder / VIDEO)
    rl, rr = frames[:, names.index("l_ankle"), :2], frames[:, names.index("r_ankle"), :2]
    apart = np.linalg.norm(rl - rr, axis=1) > 40

    def agreement(xy: np.ndarray) -> float:
        left, right = xy[:, IDX["left_ankle"]], xy[:, IDX["right_ankle"]]
        same = np.linalg.norm(left - rl, axis=1) + np.linalg.norm(right - rr, axis=1)
        crossed = np.linalg.norm(left - rr, axis=1) + np.linalg.norm(right - rl, axis=1)
        return float(np.mean(same[apart] < crossed[apart]))

    return {
        "pose model's labels": agreement(track.xy),
        "frame-by-frame fix (before)": agreement(fix_side_swaps(track.xy)[0]),
        "followed over the clip (after)": agreement(track_legs(track.xy, track.visibility)[0]),
    }


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def clip_table(results: list[ClipResult], before: dict[str, dict] | None = None) -> str:
    """A plain-text table of the clip results (with the saved ``before`` beside each)."""
    rows = [
        f"{'clip':22s} {'expected':12s} {'outcome':12s} {'cadence':>8s} {'err':>6s} {'src':6s} "
        f"{'rhythm':>7s} {'faces':>6s} {'conf':>5s} {'swaps':>5s} {'slow':>5s} {'contact':>7s}"
    ]
    for r in results:
        rows.append(
            f"{r.name:22s} {r.expected:12s} {r.outcome:12s} {_fmt(r.cadence_spm):>8s} "
            f"{_fmt(r.cadence_error, '+.1f'):>6s} {r.cadence_source[:6]:6s} "
            f"{_fmt(r.rhythm_spm):>7s} "
            f"{(r.faces or '-') + ('' if r.faces == r.faces_truth or not r.faces else '!'):>6s} "
            f"{_fmt(r.faces_confidence, '.2f'):>5s} {_fmt(r.leg_swaps, 'd'):>5s} "
            f"{_fmt(r.slow_factor_said, '.1f'):>5s} {_fmt(r.ground_contact_ms, '.0f'):>7s}"
        )
        old = (before or {}).get(r.name)
        if old:
            rows.append(
                f"{'  before':22s} {'':12s} {old['outcome']:12s} "
                f"{_fmt(old['cadence_spm']):>8s} {_fmt(old.get('cadence_error'), '+.1f'):>6s} "
                f"{str(old.get('cadence_source', ''))[:6]:6s} {_fmt(old['rhythm_spm']):>7s} "
                f"{old['faces'] or '-':>6s} {_fmt(old['faces_confidence'], '.2f'):>5s} "
                f"{_fmt(old['leg_swaps'], 'd'):>5s} {_fmt(old['slow_factor_said'], '.1f'):>5s} "
                f"{_fmt(old['ground_contact_ms'], '.0f'):>7s}"
            )
    right = sum(r.outcome_right for r in results)
    rows.append(f"outcome right on {right} of {len(results)} clips")
    return "\n".join(rows)


def _as_json(results: list[ClipResult]) -> dict[str, dict]:
    return {
        r.name: {**asdict(r), "cadence_error": r.cadence_error, "outcome_right": r.outcome_right}
        for r in results
    }


def _arg(flag: str) -> str | None:
    return sys.argv[sys.argv.index(flag) + 1] if flag in sys.argv[:-1] else None


def main() -> int:
    """Print the accuracy tables."""
    if "--clips-only" in sys.argv:
        results = evaluate_clips()
        before = _arg("--before")
        print(clip_table(results, json.loads(Path(before).read_text()) if before else None))
        if save := _arg("--save"):
            Path(save).write_text(json.dumps(_as_json(results), indent=1))
        print("\nLeft/right ankles agreeing with RTMPose's labels on the real clip")
        for name, share in leg_label_agreement().items():
            print(f"  {name:32s} {share:6.1%}")
        return 0
    data_dir = shared_data_dir()
    if not (data_dir / "mocap").is_dir():
        print(f"shared data not found at {data_dir}; set COACHG_SHARED_DATA", file=sys.stderr)
        return 1
    print("Gait events vs force plates (detected - force; median absolute error, median bias)")
    print(f"{'trial':28s} {'n':>7s} {'contact':>14s} {'toe-off':>14s} {'contact time':>14s}")
    for name, s in evaluate_mocap(data_dir).items():
        n = f"{int(s['matched'])}/{int(s['force_stances'])}"
        cells = [
            f"{s[f'{k}_mae_ms']:5.1f} ({s[f'{k}_bias_ms']:+5.1f})"
            for k in ("contact", "toe_off", "contact_time")
        ]
        print(f"{name:28s} {n:>7s} " + " ".join(f"{c:>14s}" for c in cells) + "  ms")
    if "--no-video" not in sys.argv:
        v = evaluate_video(data_dir)
        print("\nVideo cadence vs ground truth (male_side_treadmill_30fps.mp4)")
        for k, val in v.items():
            print(f"  {k:24s} {val:8.2f}")
        print("\nEvery clip with a known truth")
        print(clip_table(evaluate_clips()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
