"""The "Activities" tab: import FIT/GPX/TCX files, zips or a Strava export, and list activities."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from storage.access import AccessDenied
from storage.activities import list_activities as stored_activities
from storage.db import Database
from storage.settings import Settings
from tools.context import ToolContext
from tools.importing.sources import FILE_TYPES
from tools.jobs.runner import runner_for
from tools.markdown import escape, safe_markdown
from ui.web_chat import progress_line
from ui.web_files import is_upload, keep_upload
from ui.web_format import clock, km, local_time, styled_table, whole
from ui.web_session import tab_context

log = logging.getLogger(__name__)

IMPORT_FILE_TYPES = sorted(FILE_TYPES)
TABLE_COLUMNS = [
    ("start_time", "start (local time)"),
    ("sport", "sport"),
    ("name", "name"),
    ("distance_km", "km"),
    ("time", "time"),
    ("pace_per_km", "pace /km"),
    ("avg_hr", "avg HR (bpm)"),
    ("avg_cadence_spm", "cadence (spm)"),
    ("source", "source"),
]
TABLE_HEADERS = [label for _, label in TABLE_COLUMNS]
#: How the table's numbers read: km to 0.1, heart rate and cadence whole.
TABLE_FORMATS = {"km": km, "avg HR (bpm)": whole, "cadence (spm)": whole}
TABLE_LIMIT = 200


def target_text(ctx: ToolContext, who: str) -> str:
    """Whose account an import goes into, as Markdown (the name shown literally)."""
    if ctx.athlete_id != ctx.actor.id:
        return f"Importing into **{escape(who)}**'s account."
    if ctx.actor.role == "coach":
        return (
            f"Importing into your own account (**{escape(who)}**). To import an athlete's "
            "files, pick them in *Question about* at the top first."
        )
    return f"Importing into your account (**{escape(who)}**)."


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
        return tab_context(self.db, self.settings, request, athlete_choice)[0]

    def target(self, athlete_choice: str | None, request: gr.Request) -> str:
        """Whose account the Import button puts files into (the athlete picked, or one's own)."""
        try:
            ctx, who = tab_context(self.db, self.settings, request, athlete_choice)
        except AccessDenied as error:
            return escape(str(error))
        return target_text(ctx, who)

    def table(self, athlete_choice: str | None, request: gr.Request) -> Any:
        """The newest activities of the chosen athlete, as the table shows them: each start at
        the activity's own local time, numbers at the precision a runner reads them."""
        from tools.activities import list_activities

        try:
            ctx = self._context(request, athlete_choice)
        except AccessDenied:
            return styled_table(TABLE_HEADERS, [])
        result = list_activities(ctx, limit=TABLE_LIMIT)
        rows = result.data.get("rows", [])
        # The rows' numbers are rounded for the chat; the table rounds once, from the stored
        # values (5.0504 km shows 5.1, not 5.05 then 5.0), and starts at local time.
        with ctx.session() as session:
            stored = {
                a.id: {
                    "start_time": clock(local_time(a.start_time, a.timezone)),
                    "distance_km": a.distance_m / 1000.0 if a.distance_m else None,
                    "avg_hr": a.avg_hr or None,
                    "avg_cadence_spm": a.avg_cadence_spm or None,
                }
                for a in stored_activities(session, ctx.actor, ctx.athlete_id, limit=TABLE_LIMIT)
            }
        for row in rows:
            row |= stored.get(row["id"], {})
        cells = [[row.get(key) for key, _ in TABLE_COLUMNS] for row in rows]
        return styled_table(TABLE_HEADERS, cells, TABLE_FORMATS)

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
            ctx, who = tab_context(self.db, self.settings, request, athlete_choice)
        except AccessDenied as error:
            yield str(error), gr.skip(), gr.skip()
            return
        into = target_text(ctx, who)
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
                line = progress_line(status.fraction, status.line())
                yield f"{into}\n\n{line}", gr.skip(), gr.skip()
            result = job.wait()
        except Exception:
            log.exception("import job failed")
            yield (
                "The import stopped on an error; your files are kept. Try again.",
                gr.skip(),
                gr.skip(),
            )
            return
        report = f"{into}\n\n{report_markdown(result)}"
        yield report, self.table(athlete_choice, request), gr.File(value=None)
