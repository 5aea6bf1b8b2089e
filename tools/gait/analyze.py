"""``analyze_video``: a runner's clip in, an honest gait report out (no database, no network)."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from tools.gait.advice import advice
from tools.gait.confidence import RELIABLE_MIN, Confidence, metric_confidence
from tools.gait.drawing import Drawing, register
from tools.gait.errors import GaitAnalysisError
from tools.gait.events import FootEvents, detect_foot_events
from tools.gait.filtering import clean_trajectories, preload
from tools.gait.frame_rate import Rhythm, check_timing, leg_rhythm, plausible
from tools.gait.identity import (
    ARM_CHAIN,
    LegIdentity,
    Person,
    body_scale,
    drop_identity_jumps,
    fix_side_swaps,
    others,
    people,
    track_legs,
)
from tools.gait.kinematics import Kinematics
from tools.gait.metrics import SPECS, MetricSeries, rear_view_series, side_view_series
from tools.gait.physics import GaitKind, TimeScale, gait_kind, time_scale
from tools.gait.report import GaitReport, MetricSummary, summarise
from tools.gait.steps import Step, build_steps, cadence
from tools.gait.tracking import PoseJob, PoseTrack, start_pose
from tools.gait.video_io import FPS_FILE, VideoInfo, check_fps
from tools.gait.view import VIEW_WORDS, ViewInfo, check_view_name, detect_view

ProgressFn = Callable[[float, str], None]

_KEY_METRICS = (
    "cadence",
    "ground_contact",
    "duty_factor",
    "overstride",
    "knee_flexion_contact",
    "pelvic_drop",
    "step_width",
    "knee_fppa",
)
_FILM_ADVICE = (
    "Film 10-30 seconds of steady running with the phone still at hip height, 3-5 m to the "
    "side (or behind), the whole body in view from head to feet, in good light."
)
#: A runner whose leg (hip to ankle) is shorter than this in the picture is too small to measure.
MIN_LEG_PX = 60.0
#: Fewer steps than this filmed from a usable view are refused, not reported.
MIN_STEPS = 4
#: Cadence from the steps found must agree with the legs' rhythm this closely (share): about
#: the rhythm's own precision over a clip of a few seconds (within 2.6 steps/min of the truth
#: on every clip of evals.gait_accuracy). The rhythm uses every frame; the steps' cadence moves
#: by a whole step when one contact is missed or doubled.
RHYTHM_AGREEMENT = 0.03
#: Foot strike counts as consistent when at least this share of steps shows the same pattern.
STRIKE_AGREEMENT = 0.75
#: A slow-motion factor read from the body's physics this surely is applied without asking.
SLOW_MOTION_SURE = 0.75
#: Below this median visibility of the better-seen foot, the feet are out of the picture.
FEET_SEEN_MIN = 0.5
#: Where the timing came from when Coach G read it from the motion.
FPS_PHYSICS = "the motion's physics"
#: Metrics that depend on telling the left leg from the right.
_SIDED = (
    "ground_contact",
    "flight",
    "duty_factor",
    "foot_strike_angle",
    "overstride",
    "shank_angle",
    "knee_flexion_contact",
    "knee_flexion_peak",
    "hip_extension",
)


def _noop(fraction: float, message: str) -> None:
    return None


def cpu_seconds() -> float:
    """CPU seconds so far of this process (every thread) and of its ended child processes
    (the pose workers, counted once they are collected)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


def _check_person(track: PoseTrack) -> None:
    if track.detected_fraction < 0.3:
        raise GaitAnalysisError(
            f"I could not find a person in most of the video "
            f"(found in {track.detected_fraction:.0%} "
            f"of frames). {_FILM_ADVICE}",
            code="no_person",
        )


def _detect_events(kin: Kinematics) -> list[FootEvents]:
    feet = []
    for side in ("left", "right"):
        heel = kin.track(f"{side}_heel")[:, 1]
        toe = kin.track(f"{side}_foot_index")[:, 1]
        feet.append(detect_foot_events(kin.times, heel, toe, side=side))
    return feet


def _check_running(
    feet: list[FootEvents], steps: list[Step], info: VideoInfo, rhythm_ok: bool = False
) -> None:
    strides = sum(max(0, len(f.contacts) - 1) for f in feet)
    if strides < 2 and not rhythm_ok:
        short = info.duration_s < 4.0
        why = (
            f"The clip is {info.duration_s:.1f} s long, too short to hold two full strides."
            if short
            else "I could not find running steps: the feet don't lift and land the way they "
            "do in running (is the person standing, walking, or partly out of the picture?)."
        )
        raise GaitAnalysisError(
            f"{why} {_FILM_ADVICE}", code="too_short" if short else "not_running"
        )
    duty = [100 * (s.toe_off - s.contact) / s.stride_s for s in steps if s.stride_s]
    if duty and float(np.median(duty)) > 55:
        raise GaitAnalysisError(
            f"This looks like walking (each foot is down "
            f"{float(np.median(duty)):.0f}% of the stride; in "
            f"running it is under 50%). I analyse running. {_FILM_ADVICE}",
            code="not_running",
        )


def _check_size(leg_px: float) -> None:
    if leg_px < MIN_LEG_PX:
        raise GaitAnalysisError(
            "The runner is too small in the picture to measure (their leg is only about "
            f"{leg_px:.0f} pixels long). Film closer, 3-5 m away, so the runner fills most of "
            f"the picture's height. {_FILM_ADVICE}",
            code="runner_too_small",
        )


def _check_view(view: ViewInfo, steps: list[Step], rhythm_ok: bool = False) -> None:
    usable = [s for s in steps if view.fits(s.contact)]
    if view.used_seconds() < 1.0 or (not usable and not rhythm_ok):
        seen = sorted({s.kind for s in view.segments}, key=lambda k: k != "front") or ["oblique"]
        front = seen[0] == "front"
        why = "I measure side and rear views only" if front else "the measures would be guesses"
        raise GaitAnalysisError(
            f"The camera saw the runner from {' and '.join(VIEW_WORDS[k] for k in seen)}, never "
            f"clearly from the side or from behind, and {why}. Film side-on (the camera at right "
            "angles to the running direction) or straight from behind. " + _FILM_ADVICE,
            code="front_view" if front else "wrong_view",
        )
    if len(usable) < MIN_STEPS and not rhythm_ok:
        where = "from the side" if view.view == "side" else "from behind"
        raise GaitAnalysisError(
            f"Only {len(usable)} steps were filmed {where} clearly enough to measure; I need at "
            f"least {MIN_STEPS}, and 15 or more make the numbers solid. " + _FILM_ADVICE,
            code="too_few_steps",
        )


def _spans(found: list[Person]) -> str:
    return ", ".join(f"{p.start_s:.1f}-{p.end_s:.1f} s" for p in found)


def _check_gait(kind: GaitKind, crowd: list[Person], extra: list[Person]) -> None:
    """Refuse a clip of walking ("no running found") or of more than one person ("which one?"),
    saying the physics or the stretches behind it."""
    two = ""
    if extra:
        two = (
            f"There are also at least two people in it (one at {_spans(crowd[:1])}, someone "
            f"else at {_spans(extra)}): which one is the runner? "
        )
    if kind.kind == "walking":
        raise GaitAnalysisError(
            f"No running found: this looks like walking ({kind.evidence()}). I analyse "
            f"running. {two}{_FILM_ADVICE}",
            code="not_running",
        )
    if extra:
        raise GaitAnalysisError(
            f"Two people: which one? I see at least two people in this clip (one at "
            f"{_spans(crowd[:1])}, someone else at {_spans(extra)}) and can't tell which one "
            "you want analysed. Send a clip with only the runner in view, or trim it to the "
            f"part where only they are. {_FILM_ADVICE}",
            code="two_people",
        )


def _retimed(info: VideoInfo, track: PoseTrack, factor: float) -> tuple[VideoInfo, PoseTrack]:
    """The same frames timed ``factor`` times faster (a slow-motion clip put back in real
    time)."""
    fps = info.fps * factor
    return (
        replace(info, fps=fps, fps_source=FPS_PHYSICS),
        replace(track, times=track.frames / fps, fps=track.fps * factor),
    )


def _held_frames(xy: np.ndarray) -> int:
    """How many times each picture is repeated (1 when none is): a screen recording of slow
    motion, or a file padded to a higher rate, repeats frames, and pose gives the same
    landmarks for each copy."""
    step = np.abs(np.diff(xy, axis=0))
    moved = np.where(np.isfinite(step), step, -1.0).max(axis=(1, 2))
    moved = moved[moved >= 0]
    if len(moved) < 10:
        return 1
    still = float(np.mean(moved < 0.5))
    return max(1, round(1 / (1 - still))) if still < 0.95 else 1


def _cadence_from_rhythm(m: MetricSummary, rhythm: Rhythm, why: str) -> MetricSummary:
    """The legs' rhythm as the cadence, with its own confidence, when the steps can't give it:
    ``why`` says what the steps did."""
    m.value = round(rhythm.spm, 1)
    m.p25 = m.p75 = m.value
    m.n = rhythm.strides
    m.per_step, m.per_step_times, m.per_step_sides = [], [], []
    m.left = m.right = m.asymmetry_pct = m.side_difference = None
    m.first_third = m.last_third = m.change = None
    m.not_measured = None
    m.confidence = round(rhythm.confidence, 3)
    m.reliable = m.confidence >= RELIABLE_MIN
    m.reasons = [
        f"from the legs' rhythm ({rhythm.words()}), not from counted steps: {why}",
        f"the rhythm is {'clear' if rhythm.strength >= 0.6 else 'only fairly clear'} "
        f"(strength {rhythm.strength:.2f}) over {rhythm.cycles:.0f} periods"
        + ("" if rhythm.confirmed else ", and no second signal confirms it"),
    ]
    return m


def _identity_doubt(metrics: dict[str, MetricSummary], legs: LegIdentity) -> None:
    """Left and right mixed up often: the sided metrics lose confidence, and say why."""
    if legs.doubt <= 0:
        return
    why = (
        f"the pose model mixed up the left and right legs in {legs.relabelled} of "
        f"{legs.frames} frames (put right by following each leg over time), so which leg is "
        "which is less certain"
    )
    for name in _SIDED:
        m = metrics.get(name)
        if m is None or m.value is None:
            continue
        m.confidence = round(m.confidence * (1 - 0.5 * legs.doubt), 3)
        m.reliable = m.confidence >= RELIABLE_MIN
        m.reasons.append(why)


def _strike_category(angle: float) -> str:
    return "rearfoot" if angle > 8 else ("forefoot" if angle < -1.6 else "midfoot")


def _gate(m: MetricSummary, name: str, rhythm_spm: float | None = None) -> MetricSummary:
    """Plausibility band and step count (and, for cadence, agreement with the legs' rhythm): a
    value that fails any is not measured, with why."""
    spec = SPECS[name]
    why = None
    if m.n < spec.min_n:
        what = "strides" if spec.per == "stride" else "steps"
        why = f"only {m.n} {what} could be measured and it needs at least {spec.min_n}"
    elif m.value is not None and spec.plausible is not None:
        lo, hi = spec.plausible
        if not lo <= m.value <= hi:
            why = (
                f"it came out outside what any runner has ({lo:g} to {hi:g} {m.unit}), "
                "a sign of a wrong frame rate, lost steps or a view that doesn't fit"
            )
    disagrees = (
        name == "cadence"
        and m.value is not None
        and rhythm_spm
        and abs(m.value / rhythm_spm - 1) > RHYTHM_AGREEMENT
    )
    if why is None and disagrees:
        why = (
            f"the steps I found give {m.value:.1f} steps/min but the legs' rhythm gives "
            f"{rhythm_spm:.1f}, so steps were missed or counted twice"
        )
    if why is not None:
        _not_measured(m, why)
    return m


def _not_measured(m: MetricSummary, why: str) -> MetricSummary:
    """``m`` without a value, saying ``why``."""
    m.not_measured = why
    m.value = m.left = m.right = m.asymmetry_pct = m.side_difference = None
    m.first_third = m.last_third = m.change = None
    m.category = None
    m.reliable = False
    m.confidence = 0.0
    m.reasons = [f"not measured, because {why}"]
    return m


def _feet_seen(visibility: np.ndarray) -> float:
    """Median visibility of the better-seen foot (ankle, heel and toe)."""
    from models.pose import LANDMARK_INDEX as IDX

    return max(
        float(
            np.median(visibility[:, [IDX[f"{side}_{p}"] for p in ("ankle", "heel", "foot_index")]])
        )
        for side in ("left", "right")
    )


def _feet_hidden(metrics: dict[str, MetricSummary], rhythm: Rhythm, seen: float) -> None:
    """Feet out of the picture (or hidden): no step can be timed, so nothing timed by steps is
    measured; the cadence comes from the legs' rhythm when it is clear."""
    why = (
        f"the feet are out of the picture or hidden (seen {seen:.0%} of the time at best), so no "
        "step can be timed"
    )
    for name, m in metrics.items():
        if name == "cadence" and m.reasons and m.reasons[0].startswith("from the legs' rhythm"):
            continue
        _not_measured(m, why)
        if name == "cadence":
            metrics[name] = _cross_check_cadence(m, rhythm)


def _cross_check_cadence(m: MetricSummary, rhythm: Rhythm) -> MetricSummary:
    """Counted steps against the legs' rhythm: agreeing, the steps' cadence stands (and says
    so); not measured or disagreeing, the rhythm's cadence is given when the rhythm is clear and
    a runner's, with what the steps said."""
    usable = rhythm.clear and plausible(rhythm.spm) and rhythm.strides >= SPECS["cadence"].min_n
    if m.value is not None:
        if usable:
            m.reasons.append(
                f"the legs' rhythm agrees ({rhythm.spm:.1f} steps/min from {rhythm.words()})"
            )
        return m
    if not usable:
        return m
    return _cadence_from_rhythm(m, rhythm, m.not_measured or "no steps could be counted")


def _foot_strike_evidence(m: MetricSummary, view: ViewInfo) -> None:
    """Foot strike is only as reliable as its own steps agree, and as the running direction is
    sure (the angle's sign depends on it)."""
    if m.value is None:
        return
    m.category = _strike_category(m.value)
    steps = [_strike_category(v) for v in m.per_step]
    agree = steps.count(m.category) / len(steps) if steps else 0.0
    score = m.confidence
    if agree < STRIKE_AGREEMENT:  # the steps disagree: never reliable, however clean each is
        score = min(score * agree, 0.9 * RELIABLE_MIN)
        m.reasons.append(
            f"only {agree:.0%} of the steps show the same pattern ({m.category}); the others differ"
        )
    if view.faces_confidence < 0.8:
        score *= view.faces_confidence
        m.reasons.append("the running direction was not clear, and the angle's sign depends on it")
    m.confidence = round(score, 3)
    m.reliable = score >= RELIABLE_MIN


def _summaries(
    series: dict[str, MetricSeries],
    kin: Kinematics,
    view: ViewInfo,
    pose_fps: float,
    duration_s: float,
    height_cm: float | None,
    cadence_spm: float,
    rhythm_spm: float | None = None,
    rhythm: Rhythm | None = None,
) -> dict[str, MetricSummary]:
    out: dict[str, MetricSummary] = {}
    for name, s in series.items():
        spec = SPECS[name]
        names = tuple(f"{side}_{part}" for side in ("left", "right") for part in spec.landmarks)
        if view.view == "side" and view.near_side and spec.name not in ("cadence",):
            names = tuple(f"{view.near_side}_{part}" for part in spec.landmarks)
        conf = metric_confidence(
            label=spec.label,
            values=np.asarray(s.values),
            tolerance=spec.tolerance,
            visibility=kin.visibility_of(names),
            pose_fps=pose_fps,
            timing=spec.timing,
            view_ok=spec.view in ("any", view.view),
            view_confidence=view.confidence,
        )
        unit = spec.unit
        if name == "vertical_oscillation" and not height_cm:
            unit = "% leg length"
        m = summarise(
            name,
            spec.label,
            unit,
            s.values,
            s.times,
            s.sides,
            conf,
            duration_s,
            summary_value=cadence_spm if name == "cadence" else None,
        )
        if name == "vertical_oscillation" and not height_cm:
            m.reference = None  # the literature values are in cm
            m.reasons.append("no runner height given, so it is relative to leg length, not in cm")
        if name == "cadence":
            m.n = len(s.values)  # strides; the summary also uses toe-offs, never without them
        m = _gate(m, name, rhythm_spm)
        if name == "cadence" and rhythm is not None:
            m = _cross_check_cadence(m, rhythm)
        if name == "foot_strike_angle":
            _foot_strike_evidence(m, view)
        out[name] = m
    return out


def _overall(metrics: dict[str, MetricSummary], track: PoseTrack, view: ViewInfo) -> Confidence:
    scores = [metrics[k].confidence for k in _KEY_METRICS if k in metrics]
    score = float(np.mean(scores)) if scores else 0.0
    reasons = [
        f"person found in {track.detected_fraction:.0%} of analysed frames",
        f"{view.view} view ({'given' if view.given else 'detected'}), runner faces {view.faces}",
    ]
    if track.detected_fraction < 0.9:
        score *= track.detected_fraction
    return Confidence(score, reasons)


def _caveats(
    metrics: dict[str, MetricSummary],
    pose_fps: float,
    view: ViewInfo,
    info: VideoInfo,
    track: PoseTrack,
    legs: LegIdentity | None = None,
    held: int = 1,
) -> list[str]:
    out = []
    if view.note:
        out.append(view.note)
    if legs is not None and legs.doubt > 0:
        out.append(
            f"The pose model mixed up the left and right legs in {legs.relabelled} of "
            f"{legs.frames} frames; I put them right by following each leg over time, but "
            "left/right values are less certain."
        )
    if held > 1:
        out.append(
            f"Each picture is repeated {held} times (a screen recording, or a file padded to a "
            f"higher rate): only {track.fps / held:.0f} different pictures a second, so times "
            "are only as fine as that."
        )
    others = [seg for seg in view.segments if seg.kind != view.view]
    if others:
        spans = ", ".join(f"{seg.start_s:.1f}-{seg.end_s:.1f} s ({seg.kind})" for seg in others)
        out.append(
            f"Part of the clip was filmed from another view ({spans}); {view.view}-view measures "
            f"use only the {view.view}-view part."
        )
    if info.fps_source != FPS_FILE:
        out.append(
            f"Timed at {info.fps:g} frames/s ({info.fps_source}); the file plays at "
            f"{info.container_fps:g}."
        )
    if pose_fps < 50:
        out.append(
            f"{pose_fps:.0f} frames/s: contact time is only good to about "
            f"±{1000 / pose_fps:.0f} ms; "
            "film at 60 fps or more (slow motion) for contact and flight times."
        )
    cadence_m = metrics.get("cadence")
    if cadence_m is not None and _cadence_source(metrics) == "rhythm":
        out.append(f"Cadence is {cadence_m.reasons[0]}.")
    for m in metrics.values():
        if m.not_measured:
            out.append(f"{m.label} is not measured, because {m.not_measured}.")
        elif not m.reliable and m.value is not None:
            out.append(
                f"{m.label} is not reliable here (confidence {m.confidence:.2f}): "
                + ("; ".join(m.reasons[:2]) or "too few good steps")
                + "."
            )
    if view.view == "side":
        out.append(
            "Side view: the far leg is partly hidden, so left/right differences are less certain; "
            "film from behind for pelvic drop, step width and knee alignment."
        )
    if len(track.frames) < 0.9 * track.frames_expected:
        out.append(
            f"Only {len(track.frames)} of {track.frames_expected} frames could be decoded; "
            "the file may "
            "be truncated."
        )
    out.append("2D video from one camera: angles are projections and differ from 3D lab values.")
    return out


def _scale_dict(scale: TimeScale) -> dict[str, object]:
    return {
        "factor": scale.factor,
        "confidence": scale.confidence,
        "from_gravity": None if scale.gravity is None else round(scale.gravity, 2),
        "from_rhythm": None if scale.rhythm is None else round(scale.rhythm, 2),
        "bounce_g": None if scale.bounce_g is None else round(scale.bounce_g, 2),
    }


def _cadence_source(metrics: dict[str, MetricSummary]) -> str:
    m = metrics.get("cadence")
    if m is None or m.value is None:
        return "none"
    return "rhythm" if m.reasons and m.reasons[0].startswith("from the legs' rhythm") else "steps"


def _events_list(steps: list[Step]) -> list[dict[str, object]]:
    return [
        {
            "foot": s.side,
            "contact_s": round(s.contact, 4),
            "toe_off_s": round(s.toe_off, 4),
            "contact_ms": round(s.contact_ms, 1),
        }
        for s in steps
    ]


def analyze_video(
    path: str | Path,
    *,
    view: str | None = None,
    height_cm: float | None = None,
    fps: float | None = None,
    out_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    pose_fps: float | None = None,
    browser_video: bool = False,
    pose_job: PoseJob | None = None,
    later: bool = False,
) -> GaitReport:
    """Analyse a running clip (side or rear view) and return a GaitReport.

    ``view`` is "side" or "rear" (detected when None; a named view the picture clearly
    contradicts is overruled, and the report says so); ``height_cm`` turns vertical oscillation
    into cm; ``fps`` is the rate the clip was filmed at, for slow motion (else the phone's
    capture-rate tag, else the file's rate). With ``out_dir`` the JSON report, an annotated
    video, key frames and plots are written there. ``progress(fraction, message)`` is called as
    the work goes on. ``pose_fps`` is how many frames per second of real time get a pose
    estimate (default: every frame up to 60); ``workers`` the number of processes (default: one
    per core for longer clips); ``browser_video`` writes the annotated clip as WebM (VP8).
    Raises GaitAnalysisError with the specific reason and how to film: a bad file, no person,
    slow motion nobody confirmed, a frame rate that makes the running impossible, no side or
    rear view, a runner too small, too few steps. ``pose_job``: pose of this clip already
    begun by :func:`start_pose` (with this ``fps``, ``pose_fps`` and ``workers``). ``later``:
    the files are named in ``report.artifacts`` but drawn only when the caller says
    (:func:`tools.gait.drawing.start` on ``out_dir``), after it has kept the report.
    """

    report_progress = progress or _noop
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    t0, c0 = time.perf_counter(), cpu_seconds()
    if height_cm is not None and not 100 <= height_cm <= 230:
        raise GaitAnalysisError(
            f"A height of {height_cm} cm looks wrong; give the runner's height in cm "
            "(for example 178).",
            code="bad_height",
        )
    check_fps(fps)
    check_view_name(view)
    job = pose_job or start_pose(path, fps=fps, pose_fps=pose_fps, workers=workers)
    with job:
        info = job.info
        report_progress(0.02, "video opened")
        preload()  # the analysis's filters, imported while the pose workers run
        track = job.finish(lambda f, m: report_progress(0.02 + 0.8 * f, m))
    timings["pose"] = time.perf_counter() - min(t0, job.began)  # begun early, it ran from then
    cpu["pose"] = cpu_seconds() - c0  # the workers, and what this process loaded meanwhile
    return analyze_track(
        info,
        track,
        view=view,
        height_cm=height_cm,
        out_dir=out_dir,
        progress=report_progress,
        browser_video=browser_video,
        timings=timings,
        cpu=cpu,
        later=later,
    )


def analyze_track(
    info: VideoInfo,
    track: PoseTrack,
    *,
    view: str | None = None,
    height_cm: float | None = None,
    out_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    browser_video: bool = False,
    timings: dict[str, float] | None = None,
    cpu: dict[str, float] | None = None,
    later: bool = False,
) -> GaitReport:
    """Everything after pose: the checks that refuse a clip, the events, the metrics and their
    gates, and the outputs (with ``later``, named but drawn when the caller starts them, see
    :mod:`tools.gait.drawing`). Raises GaitAnalysisError with the specific reason and how to
    film. ``timings`` and ``cpu`` gather each phase's wall and CPU seconds."""
    report_progress = progress or _noop
    timings = {} if timings is None else timings
    cpu = {} if cpu is None else cpu
    t0, c0 = time.perf_counter(), cpu_seconds()
    _check_person(track)
    crowd = people(track.times, track.xy)
    extra = others(crowd)
    raw, jumps = drop_identity_jumps(track.xy)
    if crowd:  # the runner is the person the track follows longest
        main = np.zeros(len(raw), dtype=bool)
        main[crowd[0].start : crowd[0].stop] = True
        raw = np.where(main[:, None, None], raw, np.nan)
    raw, visibility, legs = track_legs(raw, track.visibility)
    raw, _ = fix_side_swaps(raw, ARM_CHAIN)
    leg_px = body_scale(raw)
    _check_size(leg_px)
    xy = clean_trajectories(raw, track.fps, outlier_floor_px=0.25 * leg_px)
    kin = Kinematics(track.times, xy, visibility)
    rhythm = leg_rhythm(kin.times, xy)
    feet = _detect_events(kin)
    steps = build_steps(feet)
    vinfo = detect_view(xy, visibility, view, times=kin.times, leg_px=leg_px)
    kind = gait_kind(xy, visibility, track.fps, steps, side_view=vinfo.view == "side")
    _check_gait(kind, crowd, extra)
    scale = time_scale(kin.times, xy, rhythm, leg_px, height_cm)
    if (
        scale.slowed
        and scale.confidence >= SLOW_MOTION_SURE
        and info.fps_source == FPS_FILE
        and scale.factor > 1
        and not plausible(rhythm.spm)
    ):
        # slow motion nobody tagged, and the body's physics is sure of its factor: timed again
        new_info, new_track = _retimed(info, track, scale.factor)
        report = analyze_track(
            new_info,
            new_track,
            view=view,
            height_cm=height_cm,
            out_dir=out_dir,
            progress=progress,
            browser_video=browser_video,
            timings=timings,
            cpu=cpu,
            later=later,
        )
        report.video["slow_motion_estimate"] = _scale_dict(scale)
        report.caveats.insert(
            0,
            f"This looks like about {scale.factor:g}x slow motion: {scale.evidence()}. So I "
            f"timed it at {new_info.fps:g} frames/s instead of the file's "
            f"{info.container_fps:g}. If it was filmed at another rate, tell me "
            "(for example \"it's 240 fps slow-mo\") and I'll time it again.",
        )
        if out_dir is not None:  # the JSON written inside holds neither of the above
            report.write_json(Path(out_dir) / "gait_report.json")
        return report
    check_timing(info, rhythm, scale.words() if scale.slowed else "")
    rhythm_ok = rhythm.clear and plausible(rhythm.spm) and kind.kind != "walking"
    _check_running(feet, steps, info, rhythm_ok)
    _check_view(vinfo, steps, rhythm_ok)
    cad = cadence(feet)
    if vinfo.view == "side":
        series = side_view_series(kin, steps, cad, vinfo, leg_px, height_cm)
    else:
        series = rear_view_series(kin, steps, cad, vinfo)
    held = _held_frames(track.xy)
    metrics = _summaries(
        series,
        kin,
        vinfo,
        track.fps / held,
        info.duration_s,
        height_cm,
        cad.spm,
        rhythm.spm if rhythm.clear else None,
        rhythm,
    )
    _identity_doubt(metrics, legs)
    feet_seen = _feet_seen(visibility)
    if feet_seen < FEET_SEEN_MIN:
        _feet_hidden(metrics, rhythm, feet_seen)
    overall = _overall(metrics, track, vinfo)
    timings["analysis"] = time.perf_counter() - t0
    cpu["analysis"] = cpu_seconds() - c0
    report = GaitReport(
        video={
            "file": info.path.name,
            "width": info.width,
            "height": info.height,
            "fps": info.fps,
            "container_fps": info.container_fps,
            "capture_fps": info.capture_fps,
            "fps_source": info.fps_source,
            "slow_motion_factor": round(info.slow_motion_factor, 3),
            "frames": info.frame_count,
            "duration_s": round(info.duration_s, 3),
            "rotation_deg": info.rotation_deg,
            "codec": info.codec,
        },
        view={
            "view": vinfo.view,
            "detected": vinfo.detected,
            "faces": vinfo.faces,
            "faces_confidence": round(vinfo.faces_confidence, 3),
            "given": vinfo.given,
            "confidence": round(vinfo.confidence, 3),
            "near_side": vinfo.near_side,
            "width_ratio": vinfo.width_ratio,
            "note": vinfo.note,
            "segments": [seg.to_dict() for seg in vinfo.segments],
        },
        pose={
            "backend": track.backend,
            "analysed_fps": track.fps,
            "frames_analysed": len(track.frames),
            "person_found_fraction": round(track.detected_fraction, 4),
            "identity_jumps_dropped": jumps,
            "leg_swaps_fixed": legs.relabelled,
            "leg_label_changes": legs.changes,
            "leg_identity_doubt": round(legs.doubt, 3),
            "near_leg_better_seen_share": round(legs.near_share, 3),
            "people_found": 1 + len(extra),
            "gait": kind.kind,
            "pendulum_phase": round(kind.pendulum, 3) if np.isfinite(kind.pendulum) else None,
            "held_frames": held,
            "feet_seen": round(feet_seen, 3),
            "time_scale": _scale_dict(scale),
            "leg_length_px": round(leg_px, 1),
            "height_cm": height_cm,
            "motion_cadence_spm": round(rhythm.spm, 1) if rhythm.clear else None,
            "motion_cadence_confidence": round(rhythm.confidence, 3),
            "motion_cadence_source": rhythm.source or None,
            "cadence_source": _cadence_source(metrics),
        },
        metrics=metrics,
        events=_events_list([s for s in steps if vinfo.fits(s.contact)]),
        confidence=round(overall.score, 3),
        reasons=overall.reasons,
        caveats=_caveats(metrics, track.fps / held, vinfo, info, track, legs, held),
        timings_s=timings,
        cpu_s=cpu,
        advice=advice(metrics),
    )
    if overall.score < RELIABLE_MIN:
        report.caveats.insert(0, f"Overall confidence is low ({overall.score:.2f}). {_FILM_ADVICE}")
    if out_dir is not None:
        from tools.gait.outputs import draw_outputs, plan_outputs

        folder = Path(out_dir)
        plan = plan_outputs(
            report, info, kin, steps, folder, browser_video=browser_video, images=track.images
        )
        if later:  # named now, drawn once the caller has kept the report
            report.write_json(folder / "gait_report.json")
            register(Drawing(folder, plan.files, lambda: draw_outputs(plan)))
        else:
            report_progress(0.85, "drawing the annotated video and plots")
            t1, c1 = time.perf_counter(), cpu_seconds()
            draw_outputs(plan)
            timings["outputs"] = time.perf_counter() - t1
            cpu["outputs"] = cpu_seconds() - c1
            report.write_json(folder / "gait_report.json")
    report_progress(1.0, "done")
    return report
