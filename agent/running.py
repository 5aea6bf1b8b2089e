"""Running one tool call for one athlete: light tools inline, heavy ones (a video, a big import)
on the job queue, each on the asking user's day and access; a coach's results name the athlete."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from agent.replies import SOMETHING_WENT_WRONG
from storage.access import AccessDenied
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from tools.context import Progress, ToolContext
from tools.registry import ToolCallError, get_tool
from tools.result import ToolResult

if TYPE_CHECKING:
    from tools.jobs.runner import JobRunner

log = logging.getLogger(__name__)


class ToolRunner:
    """Runs tools for the users of one database."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        today: date | None = None,
        jobs: JobRunner | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.today = today
        self._jobs = jobs  # None: this process's runner for the database, on first use

    @property
    def jobs(self) -> JobRunner:
        """The queue that runs heavy tools (one job at a time per user)."""
        if self._jobs is None:
            from tools.jobs.runner import runner_for  # the queue (huey, redis): on first use

            self._jobs = runner_for(self.db, self.settings)
        return self._jobs

    def context(self, actor: User, athlete_id: int, progress: Progress) -> ToolContext:
        """What a tool is given for ``athlete_id``, on this day (refused if not visible)."""
        return ToolContext(
            db=self.db,
            actor=actor,
            settings=self.settings,
            athlete_id=athlete_id,
            progress=progress,
            today=self.today,
        )

    def call(
        self, actor: User, athlete_id: int, tool: str, args: dict[str, Any], progress: Progress
    ) -> ToolResult:
        """``tool`` run with ``args`` for ``athlete_id``; a failure is a result that says so."""
        try:
            spec, ctx = get_tool(tool), self.context(actor, athlete_id, progress)
            if spec.heavy:
                result = self.jobs.run_tool(spec.name, ctx, args)
            else:
                result = spec.call(ctx, args)
        except ToolCallError as error:
            result = ToolResult.failure(tool, f"I couldn't run that: {error}")
        except AccessDenied as error:
            result = ToolResult.failure(tool, str(error))
        except Exception:
            log.exception("tool %s failed", tool)
            result = ToolResult.failure(tool, SOMETHING_WENT_WRONG)
        return self.label(actor, athlete_id, result)

    def who(self, actor: User, athlete_id: int | None, unknown: str = "your athlete") -> str:
        """ "you", or the name of the athlete a coach asks about (``unknown`` if none is found)."""
        if athlete_id is None or athlete_id == actor.id:
            return "you"
        with self.db.session() as session:
            who = session.get(User, athlete_id)
            return (who.display_name or who.name) if who else unknown

    def label(self, actor: User, athlete_id: int, result: ToolResult) -> ToolResult:
        """Name the athlete on a result a coach reads, so the reply says whose data it is."""
        if athlete_id != actor.id:
            result.data["athlete"] = self.who(actor, athlete_id, unknown="")
        return result
