"""Which view the camera had, stretch by stretch, and which way the runner faces.

In a side view the shoulders and hips overlap (their width is small next to the torso length);
seen from behind or the front they are wide apart, and in between (oblique, three-quarter) they are
neither. Every frame is classed, and runs shorter than a second are merged into their neighbours,
so a clip that turns from side to front is split into segments and each metric uses only the
segments its view allows. A view from the front is told from one from behind by the face and by
which side the runner's right hip is on; it is not measured (see ``VIEWS``). A view the runner
names is checked against the picture: when they disagree the picture wins, unless the detector
is unsure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.errors import GaitAnalysisError
from tools.gait.filtering import median_filter

#: The views metrics are defined for. A front view is not one of them: its left and right are
#: mirrored and MediaPipe's labels of them less sure, and the frontal-plane measures (pelvic drop,
#: knee alignment, step width) are defined here from behind, so a clip from the front is refused
#: with how to film it.
VIEWS = ("side", "rear")
#: Shoulder-and-hip width over torso length: below SIDE_MAX a side view, from FRONTAL_MIN on a
#: view from behind or the front, in between an oblique (three-quarter) view.
SIDE_MAX = 0.35
FRONTAL_MIN = 0.6
#: A stretch shorter than this is merged into its neighbour.
MIN_SEGMENT_S = 1.0
#: Below this confidence the detector defers to a view the runner named.
SURE = 0.6
#: How each view is said in a sentence ("filmed from ...").
VIEW_WORDS = {"side": "the side", "rear": "behind", "front": "the front", "oblique": "an angle"}


@dataclass(frozen=True)
class ViewSegment:
    """One stretch of the clip seen from one view: ``kind`` is "side", "rear", "front" or
    "oblique"; ``faces`` "left"/"right" in a side view (with ``faces_confidence``), else ""."""

    start_s: float
    end_s: float
    kind: str
    width_ratio: float
    faces: str = ""
    faces_confidence: float = 0.0

    @property
    def seconds(self) -> float:
        """Length of the stretch."""
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "start_s": round(self.start_s, 2),
            "end_s": round(self.end_s, 2),
            "view": self.kind,
            "faces": self.faces,
            "faces_confidence": round(self.faces_confidence, 2),
            "width_ratio": round(self.width_ratio, 3),
        }


@dataclass(frozen=True)
class ViewInfo:
    """``view`` is "side" or "rear"; ``faces`` is "left"/"right" in a side view, "away" from
    behind; ``near_side`` the
    runner's side closer to the camera in a side view; ``right_sign`` is +1 when the runner's right
    appears towards +x (image right). ``detected`` is what the picture showed and ``note`` says
    when it differs from the view the runner named; ``segments`` the stretches of the clip."""

    view: str
    faces: str
    confidence: float
    given: bool
    near_side: str
    right_sign: int
    width_ratio: float
    detected: str = ""
    faces_confidence: float = 1.0
    note: str | None = None
    segments: tuple[ViewSegment, ...] = field(default_factory=tuple)

    @property
    def forward_sign(self) -> int:
        """+1 when the runner moves towards +x in the image (side view)."""
        return 1 if self.faces == "right" else -1

    def segment_at(self, t: float) -> ViewSegment | None:
        """The stretch holding time ``t``."""
        for seg in self.segments:
            if seg.start_s <= t <= seg.end_s:
                return seg
        return None

    def fits(self, t: float) -> bool:
        """True when time ``t`` was filmed from the analysed view (always, without segments)."""
        if not self.segments:
            return True
        seg = self.segment_at(t)
        return seg is not None and seg.kind == self.view

    def forward_sign_at(self, t: float) -> int:
        """Running direction at time ``t`` (the segment's own, else the clip's)."""
        seg = self.segment_at(t)
        if seg is not None and seg.faces:
            return 1 if seg.faces == "right" else -1
        return self.forward_sign

    def used_seconds(self) -> float:
        """Seconds of the clip filmed from the analysed view."""
        return sum(s.seconds for s in self.segments if s.kind == self.view)


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if len(finite) else float("nan")


def _normalise(given: str | None) -> str | None:
    if given is None:
        return None
    name = given.strip().lower()
    name = {"back": "rear", "behind": "rear"}.get(name, name)
    if name == "front":
        raise GaitAnalysisError(
            "I measure clips filmed from the side or from behind, not from the front. For "
            "cadence, contact time and knee and hip angles film side-on (the camera at right "
            "angles to the running direction); for pelvic drop and knee alignment film from "
            "straight behind, at hip height.",
            code="front_view",
        )
    if name not in VIEWS:
        raise GaitAnalysisError(
            f"I don't know the view {given!r}. Say view='side' (camera at hip height, "
            "beside the runner) or view='rear' (camera behind the runner), or leave it out "
            "and I'll detect it.",
            code="bad_view",
        )
    return name


def check_view_name(given: str | None) -> None:
    """Raise GaitAnalysisError ``bad_view`` for a view name Coach G doesn't know."""
    _normalise(given)


def _width_ratio(xy: np.ndarray) -> np.ndarray:
    ls, rs = xy[:, IDX["left_shoulder"]], xy[:, IDX["right_shoulder"]]
    lh, rh = xy[:, IDX["left_hip"]], xy[:, IDX["right_hip"]]
    torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    width = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return width / torso


#: The body's own cues to the running direction: how far each one's mean vote must lean to be
#: taken, and the share of the travel across the picture (in leg lengths) that counts as a cue.
BODY_SURE = 0.3


def _knee_flexion_votes(xy: np.ndarray) -> np.ndarray:
    """+1 (faces right) / -1 per frame and leg where the knee is clearly bent: the shank folds
    back behind the thigh's line, never forwards. Weighted by how bent (0-1)."""
    votes = []
    for side in ("left", "right"):
        hip, knee, ankle = (xy[:, IDX[f"{side}_{p}"]] for p in ("hip", "knee", "ankle"))
        thigh, shank = knee - hip, ankle - knee
        cross = thigh[:, 0] * shank[:, 1] - thigh[:, 1] * shank[:, 0]
        norm = np.linalg.norm(thigh, axis=1) * np.linalg.norm(shank, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            bend = cross / norm  # sine of the knee angle, + when the shank folds to image-left
        # image y points down: a shank folding to the left of the thigh (bend > 0) is a runner
        # facing right
        votes.append(np.where(np.abs(bend) > 0.25, np.clip(bend / 0.5, -1, 1), 0.0))
    return np.concatenate(votes)


def _ahead_votes(xy: np.ndarray, front: str, back: str, scale: float) -> np.ndarray:
    """+1 where ``front`` is to the image-right of ``back`` by a clear margin, -1 to the left."""
    d = xy[:, IDX[front], 0] - xy[:, IDX[back], 0]
    return np.clip(d / scale, -1, 1)


@dataclass(frozen=True)
class FacingEvidence:
    """Each cue's mean vote (+1: faces right, -1: left) and the verdict."""

    faces: str
    confidence: float
    cues: dict[str, float]
    travel: float

    def words(self) -> str:
        """The cues in a phrase."""
        named = {
            "toes": "toes ahead of heels",
            "nose": "nose ahead of the ears",
            "knees": "the way the knees bend",
        }
        agree = [
            named[k]
            for k, v in self.cues.items()
            if abs(v) >= 0.1 and (v > 0) == (self.faces == "right")
        ]
        return ", ".join(agree) or "the movement across the picture"


def facing_evidence(xy: np.ndarray, leg_px: float) -> FacingEvidence:
    """Running direction in a side-view stretch from the body: toes ahead of heels, nose ahead
    of the ears and the knees' bend (they only fold one way), which a camera that pans or
    follows does not change. Travel across the picture only breaks a tie."""
    scale = max(leg_px, 1.0) * 0.15
    cues = {}
    feet = np.concatenate(
        [
            _ahead_votes(xy, "left_foot_index", "left_heel", scale),
            _ahead_votes(xy, "right_foot_index", "right_heel", scale),
        ]
    )
    ears = (xy[:, IDX["left_ear"], 0] + xy[:, IDX["right_ear"], 0]) / 2
    nose = np.clip((xy[:, IDX["nose"], 0] - ears) / (0.3 * scale), -1, 1)
    for name, votes in (("toes", feet), ("nose", nose), ("knees", _knee_flexion_votes(xy))):
        votes = votes[np.isfinite(votes)]
        cues[name] = float(np.mean(votes)) if len(votes) else 0.0
    hips = (xy[:, IDX["left_hip"], 0] + xy[:, IDX["right_hip"], 0]) / 2
    finite = np.flatnonzero(np.isfinite(hips))
    travel = float(hips[finite[-1]] - hips[finite[0]]) / max(leg_px, 1.0) if len(finite) > 2 else 0
    body = float(np.mean(list(cues.values())))
    signs = [np.sign(v) for v in cues.values() if abs(v) >= 0.1]
    agreement = abs(float(np.mean(signs))) if signs else 0.0
    if abs(body) >= 0.05 and signs:
        faces = "right" if body > 0 else "left"
        confidence = float(np.clip(abs(body) / BODY_SURE, 0, 1)) * (0.5 + 0.5 * agreement)
        return FacingEvidence(faces, confidence, cues, travel)
    if abs(travel) > 1.0:  # the body says nothing clear: its travel across the picture decides
        return FacingEvidence("right" if travel > 0 else "left", 0.5, cues, travel)
    return FacingEvidence("", 0.0, cues, travel)


def _facing(xy: np.ndarray, leg_px: float) -> tuple[str, float]:
    """Running direction in a side-view stretch and how sure (see :func:`facing_evidence`)."""
    found = facing_evidence(xy, leg_px)
    return found.faces, found.confidence


def _rear_or_front(visibility: np.ndarray, xy: np.ndarray) -> str:
    right_sign = _median(xy[:, IDX["right_hip"], 0] - xy[:, IDX["left_hip"], 0])
    face = _median(visibility[:, IDX["nose"]])
    return "front" if face > 0.6 and right_sign < 0 else "rear"


def _labels(ratio: np.ndarray, fps: float) -> np.ndarray:
    smooth = ratio.copy()
    finite = np.isfinite(smooth)
    if finite.any():
        smooth[~finite] = np.interp(np.flatnonzero(~finite), np.flatnonzero(finite), smooth[finite])
        smooth = median_filter(smooth, size=max(3, round(fps)), mode="nearest")
    labels = np.where(smooth < SIDE_MAX, "side", np.where(smooth < FRONTAL_MIN, "oblique", "rear"))
    labels[~np.isfinite(smooth)] = "oblique"
    return labels


def view_segments(
    times: np.ndarray, xy: np.ndarray, visibility: np.ndarray, leg_px: float
) -> list[ViewSegment]:
    """The clip split into stretches of one view each (none shorter than MIN_SEGMENT_S unless
    the clip is)."""
    if len(times) == 0:
        return []
    fps = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else 30.0
    ratio = _width_ratio(xy)
    labels = _labels(ratio, fps)
    runs: list[list[int]] = []  # [start, stop) sample ranges
    for i in range(len(labels)):
        if runs and labels[runs[-1][0]] == labels[i]:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    min_len = max(1, round(MIN_SEGMENT_S * fps))
    merged: list[list[int]] = []
    for run in runs:
        if merged and (run[1] - run[0] < min_len or merged[-1][1] - merged[-1][0] < min_len):
            longer = run if run[1] - run[0] > merged[-1][1] - merged[-1][0] else merged[-1]
            kind = labels[longer[0]]
            merged[-1][1] = run[1]
            labels[merged[-1][0] : merged[-1][1]] = kind
        else:
            merged.append(run)
    joined: list[list[int]] = []
    for run in merged:
        if joined and labels[joined[-1][0]] == labels[run[0]]:
            joined[-1][1] = run[1]
        else:
            joined.append(run)
    out = []
    for a, b in joined:
        kind = str(labels[a])
        part = xy[a:b]
        faces, sure = ("", 0.0)
        if kind == "rear":
            kind = _rear_or_front(visibility[a:b], part)
        elif kind == "side":
            faces, sure = _facing(part, leg_px)
        end = float(times[b]) if b < len(times) else float(times[-1])
        out.append(ViewSegment(float(times[a]), end, kind, _median(ratio[a:b]), faces, sure))
    return out


def detect_view(
    xy: np.ndarray,
    visibility: np.ndarray,
    given: str | None = None,
    *,
    times: np.ndarray | None = None,
    leg_px: float = 1.0,
) -> ViewInfo:
    """The view the clip was filmed from (segment by segment), checked against ``given``.

    The analysed view is the one (side, or rear/front) that covers most of the clip. A named view
    that the picture contradicts is overruled, with a note, unless the detector is unsure.
    """
    named = _normalise(given)
    times = np.arange(len(xy)) / 30.0 if times is None else times
    segments = view_segments(times, xy, visibility, leg_px)
    seconds = {v: sum(s.seconds for s in segments if s.kind == v) for v in VIEWS}
    detected = max(VIEWS, key=lambda v: seconds[v]) if segments else "side"
    ratio_all = _width_ratio(xy)
    ratio = _median(ratio_all)
    in_view = [s.width_ratio for s in segments if s.kind == detected]
    typical = float(np.median(in_view)) if in_view else ratio
    conf = float(np.clip(abs(typical - SIDE_MAX) / 0.2, 0.2, 1.0)) if np.isfinite(typical) else 0.2
    if seconds[detected] == 0:
        conf = 0.2
    view, note = detected, None
    if named is not None and named != detected:
        if conf >= SURE:
            note = (
                f"You said it was filmed from {VIEW_WORDS[named]}, but the picture shows a "
                f"{detected} view (confidence {conf:.2f}), so I measured it as a {detected} view."
            )
        else:
            view = named
            note = (
                f"The picture doesn't show the view clearly, so I went with what you said "
                f"(filmed from {VIEW_WORDS[named]})."
            )
            conf = 0.5
    right_sign = 1 if _median(xy[:, IDX["right_hip"], 0] - xy[:, IDX["left_hip"], 0]) >= 0 else -1
    faces, faces_conf, near = "", 0.0, ""
    if view == "side":
        sides = sorted(
            (s for s in segments if s.kind == "side" and s.faces), key=lambda s: -s.seconds
        )
        if sides:
            faces, faces_conf = sides[0].faces, sides[0].faces_confidence
        else:
            faces, faces_conf = _facing(xy, leg_px)
        faces = faces or "left"
        near = (
            "left"
            if _median(
                visibility[:, IDX["left_hip"]]
                - visibility[:, IDX["right_hip"]]
                + visibility[:, IDX["left_ankle"]]
                - visibility[:, IDX["right_ankle"]]
            )
            >= 0
            else "right"
        )
        if faces_conf < 0.5:
            conf *= 0.6
    else:
        faces, faces_conf = "away", 1.0
    return ViewInfo(
        view=view,
        faces=faces,
        confidence=conf,
        given=named is not None,
        near_side=near,
        right_sign=right_sign,
        width_ratio=ratio,
        detected=detected,
        faces_confidence=faces_conf,
        note=note,
        segments=tuple(segments),
    )
