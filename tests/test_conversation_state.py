"""Conversation state: stored per user and per subject, replaced in place, expiring, private."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import delete, func, inspect, select

from storage.access import AccessDenied
from storage.conversation import (
    ASK_TTL,
    CONFIRM_TTL,
    DEFAULT_TTLS,
    FLOW_TTL,
    KINDS,
    LAST_TTL,
    State,
    clear_state,
    get_state,
    put_state,
    states_of,
)
from storage.db import MIGRATIONS, Database
from storage.models import Base, CoachLink, ConversationState, User
from tests.conftest import People

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def _rows(db: Database, user: User) -> list[tuple[int | None, str, str]]:
    """What is really stored for ``user``: (subject, kind, tool) per row."""
    with db.session() as session:
        rows = session.execute(
            select(ConversationState.subject_id, ConversationState.kind, ConversationState.tool)
            .where(ConversationState.user_id == user.id)
            .order_by(ConversationState.id)
        )
        return [(row.subject_id, row.kind, row.tool) for row in rows]


# --- schema -----------------------------------------------------------------------------------


def test_migrations_match_the_models(db: Database) -> None:
    # What autogenerate would add after the migrations ran: nothing (the new table included).
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diffs == []

    inspector = inspect(db.engine)
    columns = {c["name"]: c for c in inspector.get_columns("conversation_states")}
    assert list(columns) == [
        "id",
        "user_id",
        "subject_id",
        "kind",
        "tool",
        "args",
        "data",
        "created_at",
        "updated_at",
        "expires_at",
    ]
    assert {name for name, c in columns.items() if c["nullable"]} == {"subject_id", "expires_at"}
    uniques = [u["column_names"] for u in inspector.get_unique_constraints("conversation_states")]
    assert uniques == [["user_id", "subject_id", "kind"]]
    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("conversation_states")}
    assert indexes.get("ix_conversation_states_user_id") == ["user_id"]
    foreign_keys = {
        (fk["constrained_columns"][0], fk["referred_table"], fk["options"].get("ondelete"))
        for fk in inspector.get_foreign_keys("conversation_states")
    }
    assert foreign_keys == {("user_id", "users", "CASCADE"), ("subject_id", "users", "CASCADE")}


def test_migration_downgrades_and_upgrades_again(db: Database) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "conversation_states" not in inspect(db.engine).get_table_names()
    assert "chat_messages" in inspect(db.engine).get_table_names()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert "conversation_states" in inspect(db.engine).get_table_names()


def test_a_users_states_go_with_them(db: Database, people: People) -> None:
    with db.session() as session:
        put_state(session, people.cora, people.ann.id, "last", "weekly_volume")
        put_state(session, people.cora, None, "last", "weekly_volume")
        put_state(session, people.ann, people.ann.id, "flow", "weekly_checkin")
    with db.session() as session:
        session.delete(session.get(User, people.ann.id))
    # Cora's state about Ann went with Ann (cascade on subject_id); her own remains.
    assert _rows(db, people.cora) == [(None, "last", "weekly_volume")]
    assert _rows(db, people.ann) == []


# --- put, get, replace ------------------------------------------------------------------------


def test_put_then_get(db: Database, people: People) -> None:
    with db.session() as session:
        put = put_state(
            session,
            people.ann,
            people.ann.id,
            "confirm",
            "log_activity",
            args={"sport": "run", "distance_km": 10},
            data={"question": "Log a 10 km run today?"},
            now=T0,
        )
    assert put == State(
        kind="confirm",
        tool="log_activity",
        args={"sport": "run", "distance_km": 10},
        data={"question": "Log a 10 km run today?"},
        subject_id=people.ann.id,
        updated_at=T0,
    )
    with db.session() as session:
        got = get_state(
            session, people.ann, people.ann.id, "confirm", now=T0 + timedelta(minutes=1)
        )
        assert get_state(session, people.ann, people.ann.id, "ask", now=T0) is None
        assert get_state(session, people.ann, None, "confirm", now=T0) is None
    assert got == put
    assert got is not None and got.updated_at.tzinfo is not None


def test_defaults_are_empty_objects(db: Database, people: People) -> None:
    with db.session() as session:
        put_state(session, people.bob, None, "last", "recent_activities")
    with db.session() as session:
        got = get_state(session, people.bob, None, "last")
    assert got is not None
    assert (got.tool, got.args, got.data, got.subject_id) == ("recent_activities", {}, {}, None)


def test_put_replaces_the_state_of_that_kind(db: Database, people: People) -> None:
    with db.session() as session:
        put_state(session, people.ann, people.ann.id, "last", "weekly_volume", {"weeks": 4}, now=T0)
    with db.session() as session:
        put_state(
            session,
            people.ann,
            people.ann.id,
            "last",
            "pace_trend",
            {"months": 1},
            now=T0 + timedelta(minutes=5),
        )
    with db.session() as session:
        got = get_state(session, people.ann, people.ann.id, "last", now=T0 + timedelta(minutes=6))
    assert got is not None
    assert (got.tool, got.args, got.updated_at) == (
        "pace_trend",
        {"months": 1},
        T0 + timedelta(minutes=5),
    )
    assert _rows(db, people.ann) == [(people.ann.id, "last", "pace_trend")]


def test_one_state_per_kind_even_without_a_subject(db: Database, people: People) -> None:
    # The unique constraint does not hold for a NULL subject; put_state must.
    for step, tool in enumerate(["weekly_volume", "pace_trend", "hr_zones"]):
        with db.session() as session:
            put_state(session, people.cora, None, "last", tool, now=T0 + timedelta(minutes=step))
    assert _rows(db, people.cora) == [(None, "last", "hr_zones")]
    with db.session() as session:
        got = get_state(session, people.cora, None, "last", now=T0 + timedelta(minutes=3))
    assert got is not None and got.tool == "hr_zones"


def test_stray_duplicates_are_read_newest_first_and_collapsed_on_put(
    db: Database, people: People
) -> None:
    # Two rows for one (user, NULL subject, kind), as a race between two puts could leave.
    with db.session() as session:
        for minutes, tool in [(0, "older"), (5, "newer")]:
            at = T0 + timedelta(minutes=minutes)
            session.add(
                ConversationState(
                    user_id=people.ann.id,
                    subject_id=None,
                    kind="ask",
                    tool=tool,
                    args={},
                    data={},
                    created_at=at,
                    updated_at=at,
                    expires_at=at + ASK_TTL,
                )
            )
    later = T0 + timedelta(minutes=6)
    with db.session() as session:
        got = get_state(session, people.ann, None, "ask", now=later)
        assert got is not None and got.tool == "newer"
    with db.session() as session:
        put_state(session, people.ann, None, "ask", "latest", now=T0 + timedelta(minutes=7))
    assert _rows(db, people.ann) == [(None, "ask", "latest")]


def test_states_of_lists_one_state_per_kind_and_subject(db: Database, people: People) -> None:
    with db.session() as session:
        for minutes, tool in [(0, "older"), (5, "newer")]:
            at = T0 + timedelta(minutes=minutes)
            session.add(
                ConversationState(
                    user_id=people.bob.id,
                    subject_id=None,
                    kind="last",
                    tool=tool,
                    args={},
                    data={},
                    created_at=at,
                    updated_at=at,
                    expires_at=at + LAST_TTL,
                )
            )
    with db.session() as session:
        listed = states_of(session, people.bob, now=T0 + timedelta(minutes=6))
    assert [s.tool for s in listed] == ["newer"]
    assert _rows(db, people.bob) == [(None, "last", "newer")]


# --- expiry -----------------------------------------------------------------------------------


def test_default_time_to_live_per_kind() -> None:
    ttls = [CONFIRM_TTL, ASK_TTL, FLOW_TTL, LAST_TTL]
    assert ttls == [
        timedelta(minutes=30),
        timedelta(minutes=30),
        timedelta(days=1),
        timedelta(days=1),
    ]
    assert dict(DEFAULT_TTLS) == {
        "confirm": CONFIRM_TTL,
        "ask": ASK_TTL,
        "flow": FLOW_TTL,
        "last": LAST_TTL,
        "people": LAST_TTL,  # whom "he" and "she" meant lasts as long as the last call
    }
    assert set(KINDS) == set(DEFAULT_TTLS)


@pytest.mark.parametrize(
    ("kind", "ttl"),
    [
        ("confirm", timedelta(minutes=30)),
        ("ask", timedelta(minutes=30)),
        ("flow", timedelta(days=1)),
        ("last", timedelta(days=1)),
    ],
)
def test_a_state_expires_after_its_kinds_time(
    db: Database, people: People, kind: str, ttl: timedelta
) -> None:
    with db.session() as session:
        put_state(session, people.ann, people.ann.id, kind, "some_tool", now=T0)
    with db.session() as session:
        just_before = T0 + ttl - timedelta(seconds=1)
        assert get_state(session, people.ann, people.ann.id, kind, now=just_before) is not None
        assert len(states_of(session, people.ann, now=just_before)) == 1
    with db.session() as session:
        assert get_state(session, people.ann, people.ann.id, kind, now=T0 + ttl) is None
    assert _rows(db, people.ann) == []  # the expired row was deleted, not just hidden


def test_a_given_ttl_overrides_the_default(db: Database, people: People) -> None:
    with db.session() as session:
        put_state(
            session, people.bob, None, "flow", "weekly_checkin", ttl=timedelta(hours=2), now=T0
        )
    with db.session() as session:
        assert get_state(session, people.bob, None, "flow", now=T0 + timedelta(minutes=119))
        assert get_state(session, people.bob, None, "flow", now=T0 + timedelta(hours=2)) is None


def test_replacing_restarts_the_clock(db: Database, people: People) -> None:
    with db.session() as session:
        put_state(session, people.bob, None, "ask", "pace_trend", now=T0)
        put_state(session, people.bob, None, "ask", "pace_trend", now=T0 + timedelta(minutes=20))
    with db.session() as session:
        got = get_state(session, people.bob, None, "ask", now=T0 + timedelta(minutes=45))
    assert got is not None and got.updated_at == T0 + timedelta(minutes=20)


def test_created_at_is_kept_on_replace_and_restarts_after_expiry(
    db: Database, people: People
) -> None:
    def created_at() -> datetime:
        with db.session() as session:
            return session.scalars(
                select(ConversationState.created_at).where(
                    ConversationState.user_id == people.bob.id
                )
            ).one()

    with db.session() as session:
        put_state(session, people.bob, None, "flow", "weekly_checkin", {"step": 1}, now=T0)
    with db.session() as session:
        put_state(
            session,
            people.bob,
            None,
            "flow",
            "weekly_checkin",
            {"step": 2},
            now=T0 + timedelta(hours=1),
        )
    assert created_at() == T0  # the same flow, one step on
    restart = T0 + timedelta(hours=1) + FLOW_TTL
    with db.session() as session:
        put_state(session, people.bob, None, "flow", "weekly_checkin", {"step": 1}, now=restart)
    assert created_at() == restart  # the old one had expired: this one is new


def test_states_of_skips_and_deletes_expired_ones(db: Database, people: People) -> None:
    with db.session() as session:
        put_state(session, people.cora, None, "confirm", "log_activity", now=T0)
        put_state(session, people.cora, people.ann.id, "flow", "weekly_checkin", now=T0)
        put_state(
            session, people.cora, people.cora.id, "last", "pace_trend", now=T0 + timedelta(hours=1)
        )
    with db.session() as session:
        live = states_of(session, people.cora, now=T0 + timedelta(hours=2))
    assert [(s.kind, s.subject_id) for s in live] == [
        ("last", people.cora.id),  # newest first
        ("flow", people.ann.id),
    ]
    assert sorted(_rows(db, people.cora), key=str) == sorted(
        [(people.ann.id, "flow", "weekly_checkin"), (people.cora.id, "last", "pace_trend")],
        key=str,
    )


def test_times_in_any_zone_are_the_same_instant(db: Database, people: People) -> None:
    tokyo = timezone(timedelta(hours=9))
    with db.session() as session:
        put = put_state(session, people.ann, None, "ask", "pace_trend", now=T0.astimezone(tokyo))
    assert put.updated_at == T0 and put.updated_at.utcoffset() == timedelta(0)
    with db.session() as session:
        later = (T0 + timedelta(minutes=31)).astimezone(tokyo)
        assert get_state(session, people.ann, None, "ask", now=later) is None


# --- subjects and clearing --------------------------------------------------------------------


def test_a_coach_keeps_separate_states_for_self_for_ann_and_for_everyone(
    db: Database, people: People
) -> None:
    cora, ann = people.cora, people.ann
    with db.session() as session:
        put_state(session, cora, cora.id, "last", "weekly_volume", {"weeks": 4}, now=T0)
        put_state(session, cora, ann.id, "last", "pace_trend", {"months": 3}, now=T0)
        put_state(session, cora, None, "last", "team_summary", {"days": 7}, now=T0)
    with db.session() as session:
        mine = get_state(session, cora, cora.id, "last", now=T0)
        anns = get_state(session, cora, ann.id, "last", now=T0)
        everyone = get_state(session, cora, None, "last", now=T0)
        # Ann's own conversation is hers: Cora's state about her is not Ann's state.
        assert get_state(session, ann, ann.id, "last", now=T0) is None
    assert mine is not None and (mine.tool, mine.args) == ("weekly_volume", {"weeks": 4})
    assert anns is not None and (anns.tool, anns.args) == ("pace_trend", {"months": 3})
    assert everyone is not None and (everyone.tool, everyone.args) == ("team_summary", {"days": 7})


def test_clear_one_kind_or_all_kinds_of_one_subject(db: Database, people: People) -> None:
    cora, ann = people.cora, people.ann
    with db.session() as session:
        for kind in KINDS:
            put_state(session, cora, ann.id, kind, f"{kind}_tool", now=T0)
            put_state(session, cora, None, kind, f"{kind}_tool", now=T0)
    with db.session() as session:
        assert clear_state(session, cora, ann.id, "confirm") == 1
        assert clear_state(session, cora, ann.id, "confirm") == 0
    with db.session() as session:
        assert get_state(session, cora, ann.id, "confirm", now=T0) is None
        assert get_state(session, cora, ann.id, "ask", now=T0) is not None
        assert get_state(session, cora, None, "confirm", now=T0) is not None
    with db.session() as session:
        assert clear_state(session, cora, ann.id) == len(KINDS) - 1
    remaining = _rows(db, cora)
    assert sorted(kind for _, kind, _ in remaining) == sorted(KINDS)
    assert {subject for subject, _, _ in remaining} == {None}
    with db.session() as session:
        assert clear_state(session, cora, None) == len(KINDS)
    assert _rows(db, cora) == []


def test_clear_leaves_other_users_states_alone(db: Database, people: People) -> None:
    with db.session() as session:
        put_state(session, people.ann, None, "last", "weekly_volume")
        put_state(session, people.bob, None, "last", "weekly_volume")
    with db.session() as session:
        assert clear_state(session, people.bob, None) == 1
    assert _rows(db, people.ann) == [(None, "last", "weekly_volume")]
    assert _rows(db, people.bob) == []


# --- privacy ----------------------------------------------------------------------------------


def test_bob_cannot_read_or_change_anns_states(db: Database, people: People) -> None:
    ann, bob = people.ann, people.bob
    with db.session() as session:
        put_state(session, ann, ann.id, "confirm", "log_activity", {"distance_km": 5}, now=T0)
        put_state(session, ann, None, "last", "weekly_volume", now=T0)
    with db.session() as session:
        with pytest.raises(AccessDenied):
            get_state(session, bob, ann.id, "confirm", now=T0)
        with pytest.raises(AccessDenied):
            put_state(session, bob, ann.id, "confirm", "delete_activity", now=T0)
        with pytest.raises(AccessDenied):
            clear_state(session, bob, ann.id)
        # Without a subject Bob only ever reaches his own states.
        assert get_state(session, bob, None, "last", now=T0) is None
        assert states_of(session, bob, now=T0) == []
        assert clear_state(session, bob, None) == 0
    with db.session() as session:
        kept = get_state(session, ann, ann.id, "confirm", now=T0)
        assert kept is not None and kept.args == {"distance_km": 5}
        assert {s.kind for s in states_of(session, ann, now=T0)} == {"confirm", "last"}


def test_a_coach_cannot_keep_state_about_an_athlete_not_linked(
    db: Database, people: People
) -> None:
    cora, bob = people.cora, people.bob
    with db.session() as session:
        with pytest.raises(AccessDenied):
            put_state(session, cora, bob.id, "last", "weekly_volume")
        with pytest.raises(AccessDenied):
            get_state(session, cora, bob.id, "last")
        with pytest.raises(AccessDenied):
            clear_state(session, cora, bob.id, "last")
        with pytest.raises(AccessDenied):
            put_state(session, cora, 999_999, "last", "weekly_volume")  # no such user
    assert _rows(db, cora) == []


def test_an_athlete_cannot_keep_state_about_their_coach(db: Database, people: People) -> None:
    with db.session() as session, pytest.raises(AccessDenied):
        put_state(session, people.ann, people.cora.id, "ask", "weekly_volume")
    assert _rows(db, people.ann) == []


def test_states_about_an_athlete_no_longer_linked_are_dropped(db: Database, people: People) -> None:
    cora, ann = people.cora, people.ann
    with db.session() as session:
        put_state(session, cora, ann.id, "flow", "weekly_checkin", now=T0)
        put_state(session, cora, None, "last", "team_summary", now=T0)
    with db.session() as session:
        session.execute(
            delete(CoachLink).where(CoachLink.coach_id == cora.id, CoachLink.athlete_id == ann.id)
        )
    with db.session() as session:
        with pytest.raises(AccessDenied):
            get_state(session, cora, ann.id, "flow", now=T0)
        assert [s.tool for s in states_of(session, cora, now=T0)] == ["team_summary"]
    assert _rows(db, cora) == [(None, "last", "team_summary")]


# --- what can be stored -----------------------------------------------------------------------


def test_nested_args_and_data_round_trip(db: Database, people: People) -> None:
    args = {
        "period": {"start": "2025-05-01", "end": "2025-05-31", "label": "last month"},
        "sports": ["run", "ride"],
        "metrics": [{"name": "pace", "unit": "min/km"}, {"name": "hr", "zones": [1, 2, 3]}],
        "limit": 10,
        "threshold": 0.125,
        "include_races": False,
        "athlete": None,
    }
    data = {
        "step": 2,
        "answers": {"sleep": 7.5, "soreness": "legs — a bit", "note": "Ünïcødé ✓ 🏃"},
        "missing": "date",
        "asked": "Which day?",
        "history": [[1, 2], [3, [4, {"deep": True}]]],
        "pair": (1, 2),  # a tuple comes back as JSON gives it: a list
        3: "three",  # a number key comes back as a string
    }
    with db.session() as session:
        put = put_state(session, people.ann, None, "flow", "weekly_checkin", args, data, now=T0)
    args["sports"].append("swim")  # changing the caller's dicts afterwards changes nothing stored
    data["answers"]["sleep"] = 0
    with db.session() as session:
        got = get_state(session, people.ann, None, "flow", now=T0)
    assert got is not None
    assert got.args == {**args, "sports": ["run", "ride"]}
    expected_data = {k: v for k, v in data.items() if k not in ("pair", 3)}
    expected_data["answers"] = {**data["answers"], "sleep": 7.5}
    assert got.data == {**expected_data, "pair": [1, 2], "3": "three"}
    assert put == got

    with db.session() as session:  # nor does changing a returned State, even in one session
        loaded = session.scalars(select(ConversationState)).one()  # the row stays in the session
        first = get_state(session, people.ann, None, "flow", now=T0)
        assert first is not None
        first.args["sports"].append("swim")
        first.data["answers"]["sleep"] = 1
        again = get_state(session, people.ann, None, "flow", now=T0)
        assert (loaded.args["sports"], loaded.data["answers"]["sleep"]) == (["run", "ride"], 7.5)
    assert again is not None
    assert (again.args["sports"], again.data["answers"]["sleep"]) == (["run", "ride"], 7.5)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"kind": "pending"}, ValueError),
        ({"tool": ""}, ValueError),
        ({"tool": "x" * 65}, ValueError),
        ({"args": ["not", "a", "dict"]}, TypeError),
        ({"data": {"pace": float("nan")}}, ValueError),
        ({"data": {"when": datetime(2025, 1, 1, tzinfo=UTC)}}, ValueError),
        ({"ttl": timedelta(0)}, ValueError),
        ({"now": datetime(2025, 1, 1)}, ValueError),  # naive
    ],
)
def test_bad_states_are_refused_before_anything_is_stored(
    db: Database, people: People, change: dict, error: type[Exception]
) -> None:
    call = {"kind": "ask", "tool": "pace_trend", "args": {}, "data": {}, **change}
    with db.session() as session, pytest.raises(error):
        put_state(session, people.ann, people.ann.id, **call)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ConversationState)) == 0


def test_unknown_kinds_are_refused_everywhere(db: Database, people: People) -> None:
    with db.session() as session:
        with pytest.raises(ValueError, match="kind"):
            get_state(session, people.ann, None, "pending")
        with pytest.raises(ValueError, match="kind"):
            clear_state(session, people.ann, None, "pending")
