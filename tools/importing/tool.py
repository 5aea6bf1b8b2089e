"""The ``import_activities`` tool: activity files into the athlete's history."""

from __future__ import annotations

from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.importing.sources import FILE_TYPES
from tools.markdown import escape
from tools.result import Fact, ToolResult
from tools.spec import ToolSpec

TOOL = "import_activities"


def import_activities(ctx: ToolContext, paths: list[str]) -> ToolResult:
    """Import activity files (FIT, GPX, TCX, gzipped, folders, zips, a Strava bulk export)
    and the CSV workout logs of the Strong and Hevy apps (strength sessions).

    Each path may be a file, a folder (searched recursively), a zip, or a Strava export
    ("Download your data") folder or zip. Activities already stored are recognised and not
    added again; broken files are listed with the reason and do not stop the others.

    Args:
        paths: the files, folders or zips to import (only files attached to this message).
    """
    if not paths:
        return ToolResult.failure(TOOL, "Name the files or folders to import.")
    report = import_paths(
        ctx, paths, progress=lambda done, total, name: ctx.progress(done / max(total, 1), name)
    )
    found = report.imported + report.duplicates + len(report.strength)
    ok = found > 0 or not report.failed
    message = report.summary()
    if len(report.failed) > report.refused:
        message += (
            " Files that failed are listed with the reason; fix or re-export them and import again."
        )
    if found == 0 and not report.failed:
        message += " No activity files were found there; Coach G reads .fit, .gpx and .tcx."
    caveats = list(report.warnings)
    strength_facts = []
    if report.refused:
        it = "it" if report.refused == 1 else "them"
        message += (
            f" What no one could have done is listed with the reason; nothing of {it} was "
            f"stored, so totals and load leave {it} out."
        )
    for log in report.strength:  # its warnings are among the report's
        if log.unmapped:
            caveats.append(
                f"{log.name}: {len(log.unmapped)} exercise names are not in the library and "
                "were kept as written: " + ", ".join(escape(n) for n in log.unmapped)
            )
    plausibility_facts = [
        Fact(name, value, unit)
        for name, value, unit in (
            ("refused_impossible", report.refused, "activities"),
            ("impossible_samples_dropped", report.dropped_samples, "samples"),
        )
        if value
    ]
    if report.strength:
        strength_facts = [
            Fact("strength_sessions", sum(x.sessions_added for x in report.strength), "sessions"),
            Fact("strength_sets", sum(x.sets_added for x in report.strength), "sets"),
            Fact(
                "strength_sessions_already_there",
                sum(x.sessions_held for x in report.strength),
                "sessions",
            ),
        ]
    return ToolResult(
        tool=TOOL,
        ok=ok,
        message=message,
        facts=[
            Fact("imported", report.imported, "activities"),
            Fact("already_there", report.duplicates, "activities"),
            Fact("skipped", len(report.skipped), "files"),
            Fact("failed", len(report.failed), "files"),
            *strength_facts,
            *plausibility_facts,
        ],
        data={
            "activity_ids": report.activity_ids,
            "failed": [{"name": n, "reason": r} for n, r in report.failed],
            "skipped": [{"name": n, "reason": r} for n, r in report.skipped],
            "warnings": report.warnings,
            "seconds": report.seconds,
            "strength": [
                {
                    "file": x.name,
                    "app": x.app,
                    "sessions": x.sessions_added,
                    "already_there": x.sessions_held,
                    "sets": x.sets_added,
                    "mapped": x.mapped,
                    "unmapped": x.unmapped,
                }
                for x in report.strength
            ],
        },
        confidence=1.0 if ok else 0.0,
        reasons=[
            "counts come straight from the import; duplicates match on source record or "
            "same sport started within 90 s"
        ],
        caveats=caveats,
    )


SPEC = ToolSpec(
    name=TOOL,
    function=import_activities,
    summary="import your activity files (FIT, GPX, TCX, zips, a Strava export) and workout logs "
    "(Strong, Hevy)",
    examples=(
        "import these files",
        "here are my garmin fit files",
        "upload my gpx",
        "add this strava export",
        "can you load my watch data",
        "import my old runs from polar",
        "bring over my tcx files",
        "here's my Strong export",
        "import my Hevy workouts",
    ),
    writes=True,
    confirm=lambda args: f"import {len(args.get('paths') or [])} file(s)",
    file_types=FILE_TYPES,
    file_arg="paths",
    needs="Attach your FIT, GPX or TCX files, your Strava export zip, or the CSV export of Strong "
    "or Hevy, and I'll import them.",
    remember=True,
    heavy=True,
)
