"""Who each file the web server serves belongs to, in the database (it outlives a restart).

An **upload** belongs to the login that uploaded it, alone: only they may download it or name it
as a call's input. An **artifact** (an annotated video, a plot published for the chat) belongs
to its athlete, and so to whoever may see that athlete (themselves and their coaches,
:func:`storage.access.can_see`). A file nobody is noted for is nobody's (deny by default).

Paths are kept resolved (absolute, no ``..``, links followed) so one file has one key.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.access import can_see
from storage.models import OwnedFile, User

UPLOAD = "upload"
ARTIFACT = "artifact"


def file_key(path: str | Path) -> str:
    """The one name of the file ``path`` names (resolved; "" when it cannot be resolved)."""
    try:
        return str(Path(path).resolve())
    except (OSError, ValueError, RuntimeError):
        return ""


#: The longest path kept (the column's size); a longer one is noted for nobody (refused).
MAX_PATH = 1024


def _note(session: Session, path: str | Path, kind: str, user_id: int) -> None:
    key = file_key(path)
    if not key or len(key) > MAX_PATH:
        return
    noted = session.scalar(
        select(OwnedFile).where(OwnedFile.path == key, OwnedFile.user_id == user_id)
    )
    if noted is not None:
        return
    try:
        with session.begin_nested():  # the same file noted at the same moment: one row stays
            session.add(OwnedFile(path=key, kind=kind, user_id=user_id))
    except IntegrityError:
        pass


def note_upload(session: Session, path: str | Path, uploader: User) -> None:
    """Note ``path`` as uploaded by ``uploader`` (theirs alone)."""
    _note(session, path, UPLOAD, uploader.id)


def note_artifact(session: Session, path: str | Path, athlete_id: int) -> None:
    """Note ``path`` as an artifact of athlete ``athlete_id`` (theirs and their coaches')."""
    _note(session, path, ARTIFACT, athlete_id)


def uploaded_by(session: Session, path: str | Path, user: User) -> bool:
    """Whether ``user`` uploaded the file ``path`` names."""
    key = file_key(path)
    if not key:
        return False
    mine = select(OwnedFile.id).where(
        OwnedFile.path == key, OwnedFile.user_id == user.id, OwnedFile.kind == UPLOAD
    )
    return session.scalar(mine) is not None


def may_fetch(session: Session, path: str | Path, user: User) -> bool | None:
    """Whether ``user`` may download the file ``path`` names: their own upload, or an artifact
    of an athlete they may see. None when the file is noted for nobody (the caller decides,
    and should refuse)."""
    key = file_key(path)
    rows = list(session.scalars(select(OwnedFile).where(OwnedFile.path == key))) if key else []
    if not rows:
        return None
    for row in rows:
        if row.kind == UPLOAD and row.user_id == user.id:
            return True
        if row.kind == ARTIFACT and can_see(session, user, row.user_id):
            return True
    return False


def forget_missing(session: Session) -> int:
    """Forget the files no longer on disk (Gradio deletes its cache on a clean stop and as
    files age); how many rows went."""
    gone = [row for row in session.scalars(select(OwnedFile)) if not Path(row.path).exists()]
    for row in gone:
        session.delete(row)
    return len(gone)
