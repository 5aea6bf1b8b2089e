"""The "Activities" tab: import FIT/GPX/TCX files, zips or a Strava export, and list activities."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from storage.access import AccessDenied
from storage.db import Database
from storage.settings import Settings
from tools.context import ToolContext
from tools.importing.sources import FILE_TYPES
from tools.jobs.runner import runner_for
from tools.markdown import escape, safe_markdown
from ui.web_chat import progress_line
from ui.web_files import is_upload, keep_upload
from ui.web_session import acting_user, resolve_athlete

log = logging.getLogger(__name__)

IMPORT_FILE_TYPES = sorted(FILE_TYPES)
TABLE_COLUMNS = [
    ("start_time", "start (UTC)"),
    ("sport", "sport"),
    ("name", "name"),
    ("distance_km", "km"),
    ("moving_time_min", "minutes"),
    ("pace_per_km", "pace /km"),
    ("avg_hr", "avg HR"),
    ("avg_cadence_spm", "cadence"),
    ("source", "source"),
]
TABLE_HEADERS = [label for _, label in TABLE_COLUMNS]
TABLE_LIMIT = 200


def report_markdown(result: Any) -> str:
    """An import result as Markdown: the summary, then each failed or skipped file and why."""
    lines = [result.message or ("Imported." if result.ok else "Nothing was imported.")]
    failed = result.data.get("failed") or []
    if failed:
        lines.append("\n**Could not import:**")
        lines += [f"- {escape(f['name'])}: {escape(f['reason'])}" for f in failed]
    skipped = result.data.get("skipped") or []
    if skipped:
        lines.append(f"\n**Skipped ({len(skipped)}):**")
        lines += [f"- {escape(s['name'])}: {escape(s['reason'])}" for s in skipped[:20]]
        if len(skipped) > 20:
            lines.append(f"- … and {len(skipped) - 20} more")
    return safe_markdown("\n".join(lines))


class ImportHandler:
    """Handlers of the activities tab, for one database and settings."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def _context(self, request: gr.Request, athlete_choice: str | None) -> ToolContext:
        actor = acting_user(self.db, request)
        athlete_id = resolve_athlete(self.db, actor, athlete_choice)
        return ToolContext(
            db=self.db, actor=actor, settings=self.settings, athlete_id=athlete_id or actor.id
        )

    def table(self, athlete_choice: str | None, request: gr.Request) -> list[list[Any]]:
        """The newest activities of the chosen athlete, as table rows."""
        from tools.activities import list_activities

        try:
            ctx = self._context(request, athlete_choice)
        except AccessDenied:
            return []
        result = list_activities(ctx, limit=TABLE_LIMIT)
        rows = result.data.get("rows", [])
        for row in rows:
            row["start_time"] = str(row["start_time"])[:16].replace("T", " ")
        return [[row.get(key) for key, _ in TABLE_COLUMNS] for row in rows]

    def run_import(
        self, files: list[str] | None, athlete_choice: str | None, request: gr.Request
    ) -> Iterator[tuple[str, Any, Any]]:
        """Keep the uploaded files in the athlete's media folder, import them as a job (its
        place in the user's queue and its progress shown as it goes), and report."""
        from tools.importing.tool import TOOL

        if not files:
            yield "Choose one or more .fit, .gpx, .tcx or .zip files first.", gr.skip(), gr.skip()
            return
        try:
            ctx = self._context(request, athlete_choice)
        except AccessDenied as error:
            yield str(error), gr.skip(), gr.skip()
            return
        if not all(is_upload(f) for f in files):
            yield "Only files uploaded here can be imported; choose them again.", gr.skip(), None
            return
        try:
            kept = [str(keep_upload(f, ctx.media_dir, kind="imports")) for f in files]
        except OSError:
            log.exception("could not keep an import upload")
            yield (
                "Could not save the files (is the disk full?). Free space and try again.",
                gr.skip(),
                gr.skip(),
            )
            return
        job = runner_for(self.db, self.settings).submit(
            "tool", ctx, name=TOOL, args={"paths": kept}
        )
        try:
            for status in job.follow():
                yield progress_line(status.fraction, status.line()), gr.skip(), gr.skip()
            result = job.wait()
        except Exception:
            log.exception("import job failed")
            yield (
                "The import stopped on an error; your files are kept. Try again.",
                gr.skip(),
                gr.skip(),
            )
            return
        yield report_markdown(result), self.table(athlete_choice, request), gr.File(value=None)
