"""Speed of video gait analysis end to end, against decoding the same file, in the same run.

Run: ``python -m evals.bench_video [--repeats N]``.

For each clip, two fresh processes are timed from start to exit (interpreter start-up and imports
included):

- **analyse**: ``coachg --user bench analyze CLIP --out DIR`` in a fresh ``COACHG_HOME`` - the
  whole command a runner types: the database, pose, metrics, the JSON report, and after the
  report the annotated video, key frames and plots. The home holds what a machine keeps after
  its first command (the pose model converted to ONNX, the database created and migrated;
  ``--fresh-database`` makes each run create its own). Besides the run's end, the moment it
  printed its report is timed (the reply a runner reads; the files come after it), with the
  CPU seconds its processes had used by then;
- **decode**: a process that only decodes every frame of the same file with PyAV (FFmpeg,
  2 threads), the floor any analysis pays.

The ratio analyse / decode is the figure to quote: absolute seconds vary between machines much
more than ratios. The CPU seconds of each run (user + system, all its processes) are printed too:
on a busy machine they move far less than wall time, so they show whether work was cut.
Goal: 3x or less for both clips (long-run aim 1.5x).

It also prints the floor the pose model alone sets: the CPU milliseconds one warm pose estimator
takes per frame of the clip (median over a run of frames, decoding not counted; ONNX Runtime and
MediaPipe), times the
frames ``coachg analyze`` runs pose on, shared over every core, against the same decode time.
No analysis that runs this model on every analysed frame can be faster than that.

Each analyse run also reports its phases (from the report's ``timings_s`` and the wall clock):
**start-up** (process start to the pose job begun: interpreter, imports, database, queue),
**pose** (the pose stage's wall time), **analysis**, **outputs** (annotated video, key frames,
plots: from the drawing's ``outputs.json`` where they are drawn after the report) and the rest
(the report stored, printed, the process ending), in wall seconds and, where the report gives
them (``cpu_s``), CPU seconds. The figure the issue asks for is end to end against **the pose
model's own time** (the floor below): goal 1.3x; on a shared machine the CPU seconds until the
report against the model's own CPU seconds for the clip say the same with less noise.

``--served-only --before DIR`` times only warm analyses in a started process, this commit's
and DIR's alternately, each in a fresh process (the model's CPU measured in each).

With ``--before DIR`` (a checkout of an earlier commit, e.g. ``git worktree add ../before COMMIT``)
that commit's ``coachg analyze`` is timed too, alternating with this one, so a change is judged
by two ratios measured under the same load.

Clips: the real 12 s 720x1280 30 fps side-view clip, and a 15 s 1080x1920 60 fps H.264 clip made
from it (the motion interpolated to 60 frames/s along dense optical flow, upscaled, looped), made
in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2

from evals.gait_accuracy import VIDEO, shared_data_dir
from models.pose import MEDIAPIPE, PoseEstimator
from tools.gait.drawing import read_manifest
from tools.gait.video_io import cpu_count

GOAL_RATIO = 3.0
#: End to end against the pose model's own time (issue 21).
POSE_GOAL_RATIO = 1.3
REPO = Path(__file__).resolve().parents[1]
_DECODE = (
    "import av, sys\n"
    "with av.open(sys.argv[1]) as c:\n"
    "    s = c.streams.video[0]\n"
    "    s.thread_type = 'AUTO'\n"
    "    s.thread_count = 2\n"
    "    n = sum(1 for _ in c.decode(s))\n"
    "print(n)\n"
)


@dataclass(frozen=True)
class Bench:
    """Median seconds of the whole analyse command and of a decode-only process."""

    name: str
    frames: int
    analyse_s: float
    decode_s: float
    before_s: float | None = None
    pose_floor: tuple[float, float, int] = (0.0, 0.0, 0)
    phases: dict[str, float] | None = None
    before_phases: dict[str, float] | None = None
    mediapipe_floor: tuple[float, float, int] | None = None
    path: Path | None = None

    @property
    def pose_ratio(self) -> float:
        """End to end over the pose model's own time (the floor, all cores)."""
        return self.analyse_s / self.pose_floor[1] if self.pose_floor[1] else float("nan")

    @property
    def ratio(self) -> float:
        """Analysis time over decode time."""
        return self.analyse_s / self.decode_s if self.decode_s else float("nan")

    @property
    def before_ratio(self) -> float | None:
        """The earlier commit's analysis time over decode time (with ``--before``)."""
        return self.before_s / self.decode_s if self.before_s and self.decode_s else None


#: CPU seconds (user + system) of every process each timed run started, its own included.
CPU: dict[str, list[float]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: CPU seconds of each timed run's process (and its ended children, the pose workers) when it
#: printed its report.
REPLY_CPU: dict[str, list[float]] = {}


def _process_cpu(pid: int) -> float:
    """CPU seconds so far of process ``pid`` and of its children it has waited for (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _timed(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path = REPO, what: str = ""
) -> tuple[float, str]:
    seconds, out, _ = _timed_reply(cmd, env, cwd, what)
    return seconds, out


def _timed_reply(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path = REPO, what: str = ""
) -> tuple[float, str, float | None]:
    """Wall seconds of ``cmd`` to its exit, its standard output, and the seconds until it
    printed a JSON document's first line (``{``: the report, before the files are drawn)."""
    t0, c0 = time.perf_counter(), _children_cpu()
    reply = None
    lines = []
    with tempfile.TemporaryFile("w+") as errors:
        with subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if reply is None and line.startswith("{"):
                    reply = time.perf_counter() - t0
                    REPLY_CPU.setdefault(what, []).append(_process_cpu(process.pid))
                lines.append(line)
            code = process.wait(timeout=900)
        seconds = time.perf_counter() - t0
        out = "".join(lines)
        if code != 0:
            errors.seek(0)
            raise RuntimeError(f"{cmd[:4]} failed ({code}): {out[-500:]} {errors.read()[-500:]}")
    CPU.setdefault(what, []).append(_children_cpu() - c0)
    return seconds, out, reply


def decode_seconds(path: Path) -> tuple[float, int]:
    """Wall seconds of a fresh process that decodes every frame, and the frame count."""
    seconds, out = _timed([sys.executable, "-c", _DECODE, str(path)], what=f"decode {path}")
    return seconds, int(out.strip().splitlines()[-1])


def analyse_seconds(path: Path, work: Path, repo: Path = REPO) -> tuple[float, dict[str, float]]:
    """Wall seconds of ``coachg analyze`` (of the code in ``repo``) with every output, in a fresh
    home folder, and its phases: the report's own ``timings_s`` (pose, analysis, outputs, and
    where the code reports it, ``startup``), with ``rest`` the wall time none of them covers;
    where the report has ``cpu_s``, each phase's CPU seconds too (``pose cpu``..., with ``rest
    cpu`` the run's CPU that none covers: start-up, storing, exit)."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
    if (work / "cache").is_dir():  # the pose model converted once, as on any machine after
        shutil.copytree(work / "cache", home / "cache")  # its first analysis
    if (work / DATABASE).is_file():  # the database made once, as after a machine's first command
        shutil.copy(work / DATABASE, home / DATABASE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACHG_")}
    env["COACHG_HOME"] = str(home)
    cmd = [sys.executable, "-m", "ui.cli", "--user", "bench", "analyze", str(path), "--json"]
    what = f"analyse {path} {repo}"
    seconds, out, reply = _timed_reply([*cmd, "--out", str(home / "out")], env, repo, what)
    report = json.loads(out[out.index("{") :])
    phases = {k: float(v) for k, v in report["timings_s"].items()}
    cpu = {f"{k} cpu": float(v) for k, v in report.get("cpu_s", {}).items()}
    drawn = read_manifest(home / "out") if "outputs" not in phases else None
    if drawn is not None:  # the files drawn after the report (tools.gait.drawing)
        phases["outputs"] = float(drawn["seconds"])
        cpu["outputs cpu"] = float(drawn["cpu_seconds"])
    phases["rest"] = seconds - sum(phases.values())
    if cpu:  # CPU seconds of each phase where the code reports them, and of the rest
        cpu["rest cpu"] = CPU[what][-1] - sum(cpu.values())
    if reply is not None:  # the report printed: what a runner waits for before reading
        phases["reply at"] = reply
    return seconds, phases | cpu


#: The database file in a fresh home (the settings' default).
DATABASE = "coachg.db"


def make_database(work: Path) -> float:
    """Seconds to create and migrate a database in ``work`` (what a machine's first command
    pays once), copied into every fresh home."""
    from storage.db import Database

    t0 = time.perf_counter()
    Database(f"sqlite:///{work / DATABASE}").dispose()
    return time.perf_counter() - t0


def _median_phases(runs: list[dict[str, float]]) -> dict[str, float] | None:
    if not runs:
        return None
    keys = dict.fromkeys(k for run in runs for k in run)
    return {k: statistics.median(run.get(k, 0.0) for run in runs) for k in keys}


def convert_pose_model(work: Path) -> float | None:
    """Seconds to convert the pose landmark model to ONNX (what the first analysis on a machine
    pays once), into ``work/cache``, copied into every fresh home; None without the converter."""
    try:
        from models.pose_onnx import onnx_model
    except ImportError:
        return None
    t0 = time.perf_counter()
    try:
        onnx_model(work / "cache")
    except ImportError:
        return None
    return time.perf_counter() - t0


def pose_floor_seconds(
    path: Path, sample: int = 90, backend: str | None = None
) -> tuple[float, float, int]:
    """``(ms per frame, floor seconds, frames analysed)``: one warm pose estimator's median time
    per frame over ``sample`` frames of the clip (shrunk and cropped as the analysis does), and
    that time for every frame the analysis runs pose on, spread over all cores. ``backend``:
    :data:`models.pose.MEDIAPIPE` or :data:`models.pose.ONNX` (default: this machine's)."""
    import numpy as np

    from models.pose import PoseEstimator
    from tools.gait.tracking import POSE_MAX_SIDE, pose_step
    from tools.gait.video_io import iter_frames, probe_video

    info = probe_video(path)
    step = pose_step(info.fps)
    frames = [
        cv2.cvtColor(f, cv2.COLOR_BGR2RGB)
        for _, f in iter_frames(info, stop=sample * step, step=step, max_side=POSE_MAX_SIDE)
    ]
    times = []
    with PoseEstimator(tracking=True, backend=backend) as estimator:
        estimator.estimate(frames[0])  # the first call builds the graph's state
        for frame in frames:
            t0 = time.process_time()  # CPU time: what the model costs, whatever else runs
            estimator.estimate(frame)
            times.append(time.process_time() - t0)
    per_frame = float(np.median(times))
    analysed = -(-info.frame_count // step)
    return 1000 * per_frame, per_frame * analysed / cpu_count(), analysed


def _proc_cpu_own(pid: int) -> float:
    """CPU seconds so far of process ``pid`` itself (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_analysis(path: Path, work: Path, warm: bool) -> tuple[float, float]:
    """``(wall s, CPU s)`` until the report of one analysis in this already started process, as
    ``coachg serve`` runs a video job (imports done, nothing to start but pose): with ``warm``
    its pose workers were started ahead (:mod:`tools.gait.warm_pool`; their loading, done
    before, is not counted), else fresh ones are started. The files are drawn after, not
    counted."""
    from tools.gait import drawing, warm_pool
    from tools.gait.analyze import analyze_video

    warm_pool.keep_warm(None if warm else 0)
    if warm:
        time.sleep(5)  # loaded and waiting, as between two analyses
    loading = sum(_proc_cpu_own(proc.pid) for proc in warm_pool.waiting())
    out = Path(tempfile.mkdtemp(prefix="served-", dir=work))
    t0, own0, ended0 = time.perf_counter(), time.process_time(), _children_cpu()
    analyze_video(path, out_dir=out, browser_video=True, later=True)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - own0 + _children_cpu() - ended0 - (loading if warm else 0.0)
    found = drawing.start(out)
    if found is not None:
        found.wait()
    warm_pool.keep_warm(0)
    return seconds, cpu


def make_1080p60(src: Path, dst: Path, seconds: float = 15.0) -> Path:
    """``src`` with its motion interpolated to twice its frame rate along dense optical flow,
    upscaled to 1080 px wide (portrait 1080x1920), looped to ``seconds``, written as H.264."""
    from tests.gait_clips import interpolate, real_frames

    cap = cv2.VideoCapture(str(src))
    width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    half = (width // 2, height // 2)  # the flow is worked out at half size, then upscaled
    frames = interpolate(real_frames(1000.0, size=half, crop=None), 2)
    size = (1080, round(height * 1080 / width)) if height >= width else (1920, 1080)
    container = av.open(str(dst), "w")
    stream = container.add_stream("libx264", rate=Fraction(2 * fps).limit_denominator(1001))
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.options = {"preset": "veryfast", "crf": "20"}
    total = round(seconds * 2 * fps)
    for i in range(total):
        big = cv2.resize(frames[i % len(frames)], size, interpolation=cv2.INTER_LINEAR)
        for packet in stream.encode(av.VideoFrame.from_ndarray(big, format="bgr24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return dst


def bench(path: Path, name: str, work: Path, repeats: int, before: Path | None = None) -> Bench:
    """Median of ``repeats`` runs of each, alternating, so load changes hit all alike."""
    analyse, decode, old, frames = [], [], [], 0
    phases: list[dict[str, float]] = []
    old_phases: list[dict[str, float]] = []
    for _ in range(repeats):
        seconds, frames = decode_seconds(path)
        decode.append(seconds)
        if before is not None:
            old_s, old_p = analyse_seconds(path, work, before)
            old.append(old_s)
            old_phases.append(old_p)
        new_s, new_p = analyse_seconds(path, work)
        analyse.append(new_s)
        phases.append(new_p)
    return Bench(
        name,
        frames,
        statistics.median(analyse),
        statistics.median(decode),
        statistics.median(old) if old else None,
        pose_floor_seconds(path),
        _median_phases(phases),
        _median_phases(old_phases),
        pose_floor_seconds(path, backend=MEDIAPIPE),
        path,
    )


def served_rows(src: Path, repeats: int, before: Path | None = None) -> None:
    """Print :func:`served_analysis` of the real clip, fresh and warm workers alternately; with
    ``before`` (a checkout of an earlier commit), that commit's warm analyses too, each run of
    either a fresh process (:func:`_served_child_run`) alternating with this commit's, so both see
    the same load; each against the model's CPU as measured in that process."""
    if before is not None:
        runs_of: dict[str, list[tuple[float, float, float]]] = {"before": [], "now": []}
        for _ in range(repeats):
            for label, repo in (("before", before), ("now", REPO)):
                runs_of[label].append(_served_child_run(src, repo))
        print(
            f"warm analyses in a started process (as coachg serve), until the report, each in "
            f"its own process, alternating, median of {repeats}"
        )
        for label, values in runs_of.items():
            cpu = statistics.median(v[1] for v in values)
            ratio = statistics.median(v[1] / v[2] for v in values)
            print(
                f"  {label}: {statistics.median(v[0] for v in values):.2f} s wall, {cpu:.2f} CPU "
                f"s, {ratio:.2f}x the model's CPU "
                f"({', '.join(f'{c:.2f}/{m:.2f}' for _, c, m in values)})"
            )
        return
    ms, _, frames = pose_floor_seconds(src)
    model_cpu = ms / 1000 * frames
    runs: dict[str, list[tuple[float, float]]] = {"fresh": [], "warm": []}
    with tempfile.TemporaryDirectory(prefix="coachg-served-") as tmp:
        served_analysis(src, Path(tmp), warm=False)  # this process's imports, once
        for _ in range(repeats):
            for kind in runs:
                runs[kind].append(served_analysis(src, Path(tmp), warm=kind == "warm"))
    print(f"analyses in a started process (as coachg serve), until the report, median of {repeats}")
    for kind, values in runs.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(
            f"  {kind} pose workers: {wall:.2f} s wall, {cpu:.2f} CPU s = {cpu / model_cpu:.2f}x "
            f"the model's {model_cpu:.2f} CPU s ({', '.join(f'{c:.2f}' for _, c in values)})"
        )


def _served_child_run(src: Path, repo: Path) -> tuple[float, float, float]:
    """``(wall s, CPU s, the model's CPU s)``: in a fresh process of the code in ``repo`` (its
    own :func:`served_analysis` and :func:`pose_floor_seconds`), the model's CPU for the clip,
    one analysis that loads the imports, then one with warm pose workers."""
    code = (
        "import json, sys, tempfile\n"
        "from pathlib import Path\n"
        "import evals.bench_video as b\n"
        "src = Path(sys.argv[1])\n"
        "ms, _, frames = b.pose_floor_seconds(src)\n"
        "with tempfile.TemporaryDirectory(prefix='coachg-served-') as tmp:\n"
        "    b.served_analysis(src, Path(tmp), warm=False)\n"
        "    wall, cpu = b.served_analysis(src, Path(tmp), warm=True)\n"
        "print(json.dumps([wall, cpu, ms / 1000 * frames]))\n"
    )
    env = {**os.environ, "COACHG_SHARED_DATA": str(shared_data_dir())}
    done = subprocess.run(
        [sys.executable, "-c", code, str(src)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    wall, cpu, model = json.loads(done.stdout.strip().splitlines()[-1])
    return float(wall), float(cpu), float(model)


def main(argv: list[str] | None = None) -> int:
    """Print the comparison for both clips."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each (median)")
    parser.add_argument(
        "--before", type=Path, help="a checkout of an earlier commit, timed alternately too"
    )
    parser.add_argument(
        "--clips",
        choices=["all", "real"],
        default="all",
        help="'real': only the real 12 s clip (the 1080p60 one takes minutes to make)",
    )
    parser.add_argument(
        "--served",
        action="store_true",
        help="also time analyses in this started process (as coachg serve runs them), with "
        "fresh and with warm pose workers, alternately, until the report",
    )
    parser.add_argument(
        "--served-only",
        action="store_true",
        help="only the analyses in a started process (no coachg analyze runs); with --before, "
        "warm ones of both commits, each in a fresh process, alternately",
    )
    parser.add_argument(
        "--fresh-database",
        action="store_true",
        help="each run creates and migrates its own database (a machine's very first command) "
        "instead of finding one made before",
    )
    args = parser.parse_args(argv)
    src = shared_data_dir() / VIDEO
    if not src.exists():
        print(f"clip not found at {src}; set COACHG_SHARED_DATA", file=sys.stderr)
        return 1
    print(f"CPUs available: {cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    if args.served_only:
        served_rows(src, args.repeats, args.before)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        return 0
    with tempfile.TemporaryDirectory(prefix="coachg-bench-") as tmp:
        work = Path(tmp)
        converted = convert_pose_model(work)
        if converted is not None:
            print(f"pose model converted to ONNX in {converted:.1f} s (once per machine)")
        if not args.fresh_database:
            made = make_database(work)
            print(f"database created and migrated in {made:.1f} s (once per machine)")
        rows = [bench(src, "real 720x1280 30 fps, 12 s", work, args.repeats, args.before)]
        if args.clips == "all":
            big = make_1080p60(src, work / "run_1080p60.mp4")
            rows.append(bench(big, "made 1080x1920 60 fps, 15 s", work, args.repeats, args.before))
    print(
        "coachg analyze (all outputs) vs decoding the same file, each a fresh process "
        f"(median of {args.repeats})"
    )
    print(f"{'clip':30s} {'frames':>6s} {'analyse s':>9s} {'decode s':>8s} {'ratio':>6s}")
    for r in rows:
        print(f"{r.name:30s} {r.frames:6d} {r.analyse_s:9.2f} {r.decode_s:8.2f} {r.ratio:6.2f}")
    for r in rows:
        if r.before_s is not None:
            print(f"before ({args.before}): {r.name}: {r.before_s:.2f} s, {r.before_ratio:.2f}x")
    print("floor set by the pose model alone (warm, decoding not counted, all cores)")
    for r in rows:
        floors = [(PoseEstimator.backend, r.pose_floor)]
        if r.mediapipe_floor is not None and PoseEstimator.backend != MEDIAPIPE:
            floors.append((MEDIAPIPE, r.mediapipe_floor))
        for backend, (ms, floor, analysed) in floors:
            print(
                f"{r.name:30s} {backend}: {analysed:5d} frames x {ms:.1f} ms / {cpu_count()} "
                f"cores = {floor:.2f} s = {floor / r.decode_s:.2f}x decode"
            )
    print(f"end to end against the pose model's own time (goal {POSE_GOAL_RATIO:g}x)")
    for r in rows:
        model_cpu = r.pose_floor[0] / 1000 * r.pose_floor[2]  # its CPU for every frame analysed
        for key, values in REPLY_CPU.items():
            if key.startswith(f"analyse {r.path} "):
                cpu = statistics.median(values)
                print(
                    f"{r.name:30s} CPU until the report, {key.split()[-1]}: {cpu:.2f} s / the "
                    f"model's {model_cpu:.2f} CPU s = {cpu / model_cpu:.2f}x"
                )
    for r in rows:
        for label, ph in (("now", r.phases), ("before", r.before_phases)):
            if ph and "reply at" in ph and r.pose_floor[1]:
                print(
                    f"{r.name:30s} {label}: the report printed at {ph['reply at']:.2f} s = "
                    f"{ph['reply at'] / r.pose_floor[1]:.2f}x (the files after it)"
                )
        line = f"{r.name:30s} {r.analyse_s:.2f} s / {r.pose_floor[1]:.2f} s = {r.pose_ratio:.2f}x"
        if r.mediapipe_floor is not None and r.mediapipe_floor[1]:
            line += f"; against MediaPipe's own time {r.analyse_s / r.mediapipe_floor[1]:.2f}x"
            if r.before_s is not None:
                line += f" (before: {r.before_s / r.mediapipe_floor[1]:.2f}x)"
        print(line)
    print("phases, median seconds (startup where reported; rest = what no phase covers)")
    for r in rows:
        for label, ph in (("now", r.phases), ("before", r.before_phases)):
            if ph:
                shown = ", ".join(f"{k} {v:.2f}" for k, v in ph.items())
                print(f"  {r.name} {label}: {shown}")
    print("CPU seconds (user + system, every process of the run; load moves these far less)")
    for key, values in CPU.items():
        print(f"  {key}: {statistics.median(values):.2f} (median of {len(values)})")
    for key, values in REPLY_CPU.items():
        print(
            f"  {key}, until its report: {statistics.median(values):.2f} (median of {len(values)})"
        )
    if args.served:
        served_rows(src, args.repeats)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    for r in rows:
        verdict = "met" if r.ratio <= GOAL_RATIO else "NOT met"
        print(f"goal: within {GOAL_RATIO:g}x of decoding, {r.name}: {verdict} ({r.ratio:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
