"""``coachg analyze VIDEO``: gait analysis of a running clip, with a progress bar."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from tools.gait.errors import GaitAnalysisError


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


def run(args: argparse.Namespace) -> int:
    bar = tqdm(
        total=100,
        unit="%",
        desc="analysing",
        leave=False,
        file=sys.stderr,
        disable=True if args.json else None,  # None: only on a terminal
    )

    def progress(fraction: float, message: str) -> None:
        bar.set_description(message[:30])
        bar.update(max(0, round(fraction * 100) - bar.n))

    # Pose starts first, in worker processes, while this one loads the rest of the program and
    # opens the database (imported here, not at the top, for the same reason).
    from tools.gait.analyze import start_pose

    try:
        with start_pose(Path(args.video), fps=args.fps) as job:
            from tools.gait.tool import analyze_and_store
            from ui.commands.common import open_context

            ctx = open_context(args, args.athlete)
            ctx.progress = progress
            stored = analyze_and_store(
                ctx,
                Path(args.video),
                view=args.view,
                height_cm=args.height_cm,
                fps=args.fps,
                out_dir=Path(args.out) if args.out else None,
                pose_job=job,
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
        print(json.dumps(data, indent=2))
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
    print(f"Stored as report {stored.report_id}.")
    for name, path in report.artifacts.items():
        print(f"  {name}: {path}")
    return 0
