"""Privacy: an athlete sees only their own activities; a coach only their linked athletes'."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.access import AccessDenied
from storage.activities import NewActivity, add_activity, get_activity, list_activities
from storage.chat import add_message, recent_messages
from storage.db import Database
from storage.users import authenticate
from tests.conftest import People


def _run(day: int) -> NewActivity:
    return NewActivity(
        source="test",
        source_id=f"run-{day}",
        sport="run",
        start_time=datetime(2025, 3, day, 7, 0, tzinfo=UTC),
        distance_m=5000.0 + day,
    )


def test_each_athlete_sees_only_their_own(db: Database, people: People) -> None:
    with db.session() as session:
        ann_run, _ = add_activity(session, people.ann, people.ann.id, _run(1))
        bob_run, _ = add_activity(session, people.bob, people.bob.id, _run(2))
    with db.session() as session:
        assert [a.id for a in list_activities(session, people.ann)] == [ann_run.id]
        assert [a.id for a in list_activities(session, people.bob)] == [bob_run.id]
        assert get_activity(session, people.ann, bob_run.id) is None
        with pytest.raises(AccessDenied):
            list_activities(session, people.ann, people.bob.id)
        with pytest.raises(AccessDenied):
            add_activity(session, people.ann, people.bob.id, _run(3))


def test_coach_sees_linked_athletes_only(db: Database, people: People) -> None:
    with db.session() as session:
        ann_run, _ = add_activity(session, people.ann, people.ann.id, _run(1))
        bob_run, _ = add_activity(session, people.bob, people.bob.id, _run(2))
    with db.session() as session:
        assert [a.id for a in list_activities(session, people.cora, people.ann.id)] == [ann_run.id]
        assert {a.id for a in list_activities(session, people.cora)} == {ann_run.id}
        assert get_activity(session, people.cora, bob_run.id) is None
        with pytest.raises(AccessDenied):
            list_activities(session, people.cora, people.bob.id)


def test_chat_history_is_private(db: Database, people: People) -> None:
    with db.session() as session:
        add_message(session, people.ann, "user", "my knee hurts")
        add_message(session, people.cora, "user", "how is Ann doing?", athlete_id=people.ann.id)
        with pytest.raises(AccessDenied):
            add_message(session, people.cora, "user", "and Bob?", athlete_id=people.bob.id)
    with db.session() as session:
        assert [m.content for m in recent_messages(session, people.bob)] == []
        assert [m.content for m in recent_messages(session, people.ann)] == ["my knee hurts"]


def test_passwords_are_hashed_and_checked(db: Database, people: People) -> None:
    with db.session() as session:
        assert authenticate(session, "ann", "ann-pass-1") is not None
        assert authenticate(session, "ann", "wrong") is None
        assert authenticate(session, "nobody", "ann-pass-1") is None
        assert "ann-pass-1" not in people.ann.password_hash
