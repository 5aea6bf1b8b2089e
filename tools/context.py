"""What every tool is given: the database, the acting user, and whom the question is about."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from storage.access import require_access
from storage.db import Database
from storage.models import User
from storage.settings import Settings

Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that ignores progress."""


@dataclass
class ToolContext:
    """The acting user (``actor``) and the athlete the call is about (``athlete_id``).

    A tool reads and writes through ``storage`` functions that take ``actor``, so it can never
    reach an athlete the actor may not see. ``athlete_id`` defaults to the actor themselves.
    """

    db: Database
    actor: User
    settings: Settings
    athlete_id: int = 0
    progress: Progress = field(default=no_progress)
    #: The day it is for this call (tests and evaluations fix it); None means today.
    today: date | None = None

    def __post_init__(self) -> None:
        if not self.athlete_id:
            self.athlete_id = self.actor.id
        with self.session() as session:
            require_access(session, self.actor, self.athlete_id)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with self.db.session() as session:
            yield session

    @property
    def day(self) -> date:
        """The day it is for this call."""
        return self.today or date.today()

    @property
    def about_someone_else(self) -> bool:
        """Whether the reader is not the athlete (a coach asking about one of theirs)."""
        return self.actor.id != self.athlete_id

    @property
    def who(self) -> str:
        """The athlete as the reader calls them: "you", or their name for a coach."""
        if not self.about_someone_else:
            return "you"
        with self.session() as session:
            athlete = session.get(User, self.athlete_id)
            return (athlete.display_name or athlete.name) if athlete else "the athlete"

    @property
    def whose(self) -> str:
        """ "your", or "Ann's" for a coach reading about Ann."""
        return "your" if not self.about_someone_else else f"{self.who}'s"

    @property
    def media_dir(self) -> Path:
        """A folder for this athlete's files (uploads, plots, annotated videos)."""
        path = self.settings.media_dir / str(self.athlete_id)
        path.mkdir(parents=True, exist_ok=True)
        return path
