"""``coachg analyze VIDEO``: gait analysis of a running clip, with a progress bar."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tools.gait.drawing import appearing
from tools.gait.errors import GaitAnalysisError
from ui.commands.common import command_jobs, job_progress_bar, open_context


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("analyze", help="analyse a running video (side or rear view)")
    parser.add_argument("video", help="the clip: 10-30 s of steady running")
    parser.add_argument(
        "--view", choices=["side", "rear"], help="camera view (detected if omitted)"
    )
    parser.add_argument(
        "--height-cm", type=float, help="runner's height, for vertical oscillation in cm"
    )
    parser.add_argument("--fps", type=float, help="real frame rate of a slow-motion clip")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--out",
        help="folder for the annotated video, key frames, plots and JSON "
        "(default: a new folder under COACHG_HOME/media/gait)",
    )
    parser.add_argument("--athlete", help="whose video it is (a coach for their athlete)")
    parser.set_defaults(func=run)


def _begin_pose(video: Path, fps: float | None) -> None:
    """Start pose on the clip before the database and the queue are opened (a second of one
    core, the other idle), when this process will work the job itself (the in-memory queue)."""
    from storage.settings import Settings
    from tools.jobs.queue_url import is_shared

    if not is_shared(Settings.from_env().queue_url):
        from tools.gait.begun import begin

        begin(video, fps)


def run(args: argparse.Namespace) -> int:
    _begin_pose(Path(args.video).resolve(), args.fps)
    ctx = open_context(args, args.athlete)
    bar, progress = job_progress_bar("analysing", quiet=args.json)
    try:
        stored = (
            command_jobs(ctx)
            .submit(
                "analyze_video",
                ctx,
                video=Path(args.video).resolve(),
                view=args.view,
                height_cm=args.height_cm,
                fps=args.fps,
                out_dir=Path(args.out).resolve() if args.out else None,
            )
            .wait(progress)
        )
    except GaitAnalysisError as error:
        bar.close()
        print(error.message)
        return 2
    bar.close()
    report, comparison = stored.report, stored.comparison
    if args.json:
        data = report.to_dict() | {"report_id": stored.report_id}
        if comparison is not None:
            data["comparison"] = comparison.to_dict()
        print(json.dumps(data, indent=2), flush=True)
        for _ in appearing(report.artifacts.values()):  # the files, drawn after the report
            pass
        return 0
    v = report.view
    print(
        f"{report.video['file']}: {v['view']} view, runner faces {v['faces']}, "
        f"{len(report.events)} steps, overall confidence {report.confidence:.2f}"
    )
    for m in report.metrics.values():
        ref = m.reference or {}
        band = ""
        if ref.get("low") is not None or ref.get("high") is not None:
            lo, hi = ref.get("low"), ref.get("high")
            span = (
                f"<= {hi:g}" if lo is None else (f">= {lo:g}" if hi is None else f"{lo:g}-{hi:g}")
            )
            band = f"   [typical {span} {ref['unit']}]"
        print(f"  {m.text()}{band}")
    for caveat in report.caveats:
        print(f"  ! {caveat}")
    if comparison is not None:
        print(f"Compared with your analysis of {comparison.previous_date}:")
        for change in comparison.changes:
            print(f"  {change.text()}")
    print(
        f"Stored as report {stored.report_id}. Its files, each as soon as it is drawn:", flush=True
    )
    names = {path: name for name, path in report.artifacts.items()}
    for path in appearing(names):
        print(f"  {names.pop(str(path))}: {path}", flush=True)
    if names:  # the drawing failed or stopped: the report stands without them
        print(f"  Not drawn: {', '.join(names.values())} (the log says why).")
    return 0
