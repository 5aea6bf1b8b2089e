"""``coachg analyze VIDEO``: gait analysis of a running clip, with a progress bar."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from tools.gait.analyze import analyze_video
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
    parser.add_argument("--out", help="folder for the annotated video, key frames, plots and JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    bar = tqdm(total=100, unit="%", desc="analysing", leave=False, disable=args.json)

    def progress(fraction: float, message: str) -> None:
        bar.set_description(message[:30])
        bar.update(max(0, round(fraction * 100) - bar.n))

    try:
        report = analyze_video(
            Path(args.video),
            view=args.view,
            height_cm=args.height_cm,
            fps=args.fps,
            out_dir=args.out,
            progress=progress,
        )
    except GaitAnalysisError as error:
        bar.close()
        print(error.message)
        return 2
    bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
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
    for name, path in report.artifacts.items():
        print(f"  {name}: {path}")
    return 0
