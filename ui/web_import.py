"""The "Activities" tab: import FIT/GPX/TCX files, zips or a Strava export, and list activities.

Uploads are checked before anything is kept: a file over its size limit (``COACHG_IMPORT_MAX_*``)
or one that would take the athlete's stored files past their quota (``COACHG_MEDIA_QUOTA_MB``)
is refused with words that say what to do, and deleted from the upload cache at once; a file the
import itself refuses is not kept either.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from storage.access import AccessDenied
from storage.activities import list_activities as stored_activities
from storage.db import Database
from storage.settings import Settings
from tools.context import ToolContext
from tools.importing.sources import FILE_TYPES, MAX_FILE_BYTES
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
MB = 1024 * 1024
#: Files read whole as XML (``COACHG_IMPORT_MAX_XML_MB`` each).
XML_SUFFIXES = (".gpx", ".tcx")


def media_bytes(folder: Path) -> int:
    """The bytes of the files under ``folder`` (an athlete's media: uploads, imports,
    artifacts); 0 when it does not exist."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(OSError):  # deleted meanwhile
                total += (Path(root) / name).lstat().st_size
    return total


def _size_words(size: float) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    return f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB"


def file_limit(name: str, settings: Settings) -> int:
    """The most bytes one uploaded file called ``name`` may have."""
    lower = name.lower()
    if lower.endswith(XML_SUFFIXES):
        return settings.import_max_xml_mb * MB
    if lower.endswith(".fit"):
        return MAX_FILE_BYTES
    return settings.import_max_mb * MB


def upload_problem(files: list[str], ctx: ToolContext, settings: Settings) -> str:
    """Why these uploads may not be kept, in words that say what to do; "" when they may.
    Each file within its size limit, and the athlete's stored media plus these within
    ``settings.media_quota_mb``."""
    sizes = [Path(f).stat().st_size for f in files]
    names = [Path(f).name for f in files]
    for name, size in zip(names, sizes, strict=True):
        limit = file_limit(name, settings)
        if size > limit:
            return (
                f"{name} is {_size_words(size)}, over the {_size_words(limit)} limit for one "
                "file of its kind; nothing was kept. Split it or export a smaller range."
            )
    if sum(sizes) > settings.import_max_mb * MB:
        return (
            f"These files add up to {_size_words(sum(sizes))}, over the "
            f"{_size_words(settings.import_max_mb * MB)} one import may bring; nothing was kept. "
            "Import them in parts."
        )
    quota = settings.media_quota_mb * MB
    used = media_bytes(ctx.media_dir)
    if used + sum(sizes) > quota:
        return (
            f"Storage quota: this account keeps {_size_words(used)} of files and these "
            f"{_size_words(sum(sizes))} would pass the {_size_words(quota)} each account may "
            "keep; nothing was kept. Delete old videos or imports, or ask whoever runs Coach G "
            "to raise COACHG_MEDIA_QUOTA_MB."
        )
    return ""


def discard(paths: list[str]) -> None:
    """Delete refused files (and the folder each was alone in) from disk."""
    for path in map(Path, paths):
        try:
            path.unlink(missing_ok=True)
            path.parent.rmdir()  # only when empty: the upload's own folder
        except OSError:
            pass


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
        problem = upload_problem(files, ctx, self.settings)
        if problem:
            log.info("import upload refused for user %s: %s", ctx.actor.id, problem)
            discard(files)
            yield f"{into}\n\n{escape(problem)}", gr.skip(), gr.File(value=None)
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
        refused = {f.get("name") for f in result.data.get("failed") or []}
        discard([path for path in kept if Path(path).name in refused])
        report = f"{into}\n\n{report_markdown(result)}"
        yield report, self.table(athlete_choice, request), gr.File(value=None)
