"""Speed of video gait analysis against the floor of merely decoding the frames.

Run: ``python -m evals.bench_video``. Measures the real 12 s 720x1280 30 fps clip and a 15 s
1080x1920 60 fps clip made from it (upscaled, re-timed with blended in-between frames, looped) in
a temporary folder. Target: the 15 s 1080p60 clip in under 5 s on a 2-core CPU.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2

from evals.gait_accuracy import VIDEO, shared_data_dir
from tools.gait.analyze import analyze_video
from tools.gait.video_io import cpu_count


@dataclass(frozen=True)
class Bench:
    """Seconds to analyse a clip and to decode it, and what the analysis found."""

    name: str
    frames: int
    analyse_s: float
    decode_s: float
    grab_only_s: float
    cadence_spm: float | None
    stages: dict[str, float]

    @property
    def ratio(self) -> float:
        """Analysis time over decode time."""
        return self.analyse_s / self.decode_s if self.decode_s else float("nan")


def decode_seconds(path: Path) -> tuple[float, float, int]:
    """(seconds to decode every frame to BGR, seconds to only grab every frame, frame count)."""
    cap = cv2.VideoCapture(str(path))
    t0 = time.perf_counter()
    n = 0
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    full = time.perf_counter() - t0
    cap.release()
    cap = cv2.VideoCapture(str(path))
    t0 = time.perf_counter()
    while cap.grab():
        pass
    grab = time.perf_counter() - t0
    cap.release()
    return full, grab, n


def make_1080p60(src: Path, dst: Path, seconds: float = 15.0) -> Path:
    """Upscale ``src`` to 1080 px wide (portrait 1080x1920) and re-time it to 60 fps.

    Each source frame is followed by a blend with the next one (real motion at twice the frame
    rate); the clip loops to reach ``seconds``.
    """
    cap = cv2.VideoCapture(str(src))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    h, w = frames[0].shape[:2]
    size = (1080, round(h * 1080 / w)) if h >= w else (round(w * 1080 / h), 1080)
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), 60.0, size)
    total = round(seconds * 60)
    big = [cv2.resize(f, size, interpolation=cv2.INTER_LINEAR) for f in frames]
    i = 0
    written = 0
    while written < total:
        a, b = big[i % len(big)], big[(i + 1) % len(big)]
        writer.write(a)
        writer.write(cv2.addWeighted(a, 0.5, b, 0.5, 0))
        written += 2
        i += 1
    writer.release()
    return dst


def bench(
    path: Path,
    name: str,
    repeats: int = 1,
    pose_fps: float | None = None,
    out_dir: Path | None = None,
) -> Bench:
    """Time ``analyze_video`` (with ``out_dir``: also writing the annotated browser video, key
    frames and plots, as the chat does) and decoding on one clip; best of ``repeats``."""
    best = float("inf")
    report = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        report = analyze_video(path, pose_fps=pose_fps, out_dir=out_dir, browser_video=True)
        best = min(best, time.perf_counter() - t0)
    full, grab, n = decode_seconds(path)
    cad = report.metrics["cadence"].value if report is not None else None
    return Bench(name, n, best, full, grab, cad, dict(report.timings_s) if report else {})


def main() -> int:
    """Print the benchmark table."""
    src = shared_data_dir() / VIDEO
    if not src.exists():
        print(f"clip not found at {src}; set COACHG_SHARED_DATA", file=sys.stderr)
        return 1
    print(f"CPUs available: {cpu_count()}")
    import mediapipe  # noqa: F401  - a one-off import (~0.7 s) that a running server has paid

    rows = [bench(src, "real 720x1280 30 fps, 12 s")]
    with tempfile.TemporaryDirectory(prefix="coachg-bench-") as tmp:
        rows.append(bench(src, "same, with all outputs", out_dir=Path(tmp) / "out"))
        big = make_1080p60(src, Path(tmp) / "run_1080p60.mp4")
        rows.append(bench(big, "made 1080x1920 60 fps, 15 s"))
        rows.append(bench(big, "same, pose at 20 fps", pose_fps=20.0))
    print(
        f"{'clip':30s} {'frames':>6s} {'analyse s':>9s} {'decode s':>8s} {'grab s':>7s} "
        f"{'ratio':>6s} {'cadence':>8s}"
    )
    for r in rows:
        cad = r.cadence_spm or float("nan")
        print(
            f"{r.name:30s} {r.frames:6d} {r.analyse_s:9.2f} {r.decode_s:8.2f} "
            f"{r.grab_only_s:7.2f} {r.ratio:6.2f} {cad:8.1f}"
        )
        print(f"{'':30s} stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.stages.items()))
    for r in rows[2:]:
        verdict = "met" if r.analyse_s < 5.0 else "NOT met"
        print(f"15 s 1080p60 target (< 5 s), {r.name}: {verdict} ({r.analyse_s:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
