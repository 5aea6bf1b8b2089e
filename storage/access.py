"""Who may see whom. Every repository function asks here before it reads or writes.

An athlete sees only themselves; a coach sees themselves and the athletes linked to them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CoachLink, User

#: What anyone is told about someone they may not see; it names no one and does not even say
#: whether that person exists.
DENIED = (
    "You can only see your own data, and as a coach your linked athletes'. Pick one of yours, "
    "or ask about yourself."
)


class AccessDenied(PermissionError):
    """The acting user may not see this athlete's data."""


def visible_athlete_ids(session: Session, actor: User) -> set[int]:
    """The ids of the users whose data ``actor`` may read: themselves and, for a coach, their
    linked athletes."""
    ids = {actor.id}
    if actor.role == "coach":
        ids |= set(
            session.scalars(select(CoachLink.athlete_id).where(CoachLink.coach_id == actor.id))
        )
    return ids


def can_see(session: Session, actor: User, athlete_id: int) -> bool:
    """Whether ``actor`` may read ``athlete_id``'s data."""
    return athlete_id in visible_athlete_ids(session, actor)


def require_access(session: Session, actor: User, athlete_id: int) -> None:
    """Raise :class:`AccessDenied` unless ``actor`` may see ``athlete_id``'s data.

    The message names no one: it does not even confirm that the athlete exists.
    """
    if not can_see(session, actor, athlete_id):
        raise AccessDenied(DENIED)
