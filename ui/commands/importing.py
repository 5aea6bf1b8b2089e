"""``coachg import PATH... [--athlete NAME]``: activity files, folders, zips, Strava exports."""

from __future__ import annotations

import argparse

from ui.commands.common import command_jobs, job_progress_bar, open_context


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import activity files (FIT, GPX, TCX, .gz, folders, zips, Strava export)",
        description="Import activities. Files already imported are recognised and not added "
        "again; broken files are listed with the reason and the rest still import.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, folder, zip or export")
    parser.add_argument(
        "--athlete", help="import for this athlete (a coach importing for their athlete)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = open_context(args, args.athlete)
    bar, progress = job_progress_bar("importing")
    try:
        report = command_jobs(ctx).submit("import_paths", ctx, paths=args.paths).wait(progress)
    finally:
        bar.close()
    print(report.summary())
    for name, reason in report.failed:
        print(f"  failed:  {name}: {reason}")
    for name, reason in report.skipped:
        print(f"  skipped: {name}: {reason}")
    for warning in report.warnings:
        print(f"  note:    {warning}")
    if report.imported + report.duplicates == 0 and not report.failed and not report.strength:
        print("No activity files found there; Coach G reads .fit, .gpx and .tcx (also .gz).")
    return 1 if report.failed else 0
