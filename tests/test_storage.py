"""Storage: migrations, time zones, compact streams, de-duplication, secrets kept out of text."""

from __future__ import annotations

import io
import logging
import sys
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from storage.activities import NewActivity, add_activity, get_streams, list_activities
from storage.db import Database, migrate
from storage.logging_setup import (
    RedactingFilter,
    RedactingFormatter,
    configure_logging,
    redact,
)
from storage.models import StravaToken
from storage.settings import Settings
from storage.strava_tokens import get_token, save_token
from tests.conftest import People


def test_migrations_create_every_table_and_rerun_safely(db: Database) -> None:
    migrate(db.engine)  # a second run on start must change nothing
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "users",
        "coach_links",
        "activities",
        "streams",
        "laps",
        "strava_tokens",
        "sync_state",
        "gait_reports",
        "chat_messages",
        "alembic_version",
    } <= tables


def test_start_time_keeps_its_instant(db: Database, people: People) -> None:
    new_york = timezone(timedelta(hours=-5))
    start = datetime(2018, 11, 4, 9, 40, tzinfo=new_york)
    new = NewActivity(source="t", source_id="1", sport="run", start_time=start)
    with db.session() as session:
        add_activity(session, people.ann, people.ann.id, new)
    with db.session() as session:
        (stored,) = list_activities(session, people.ann)
    assert stored.start_time == start
    assert stored.start_time.tzinfo is not None


def test_naive_times_are_refused(db: Database, people: People) -> None:
    new = NewActivity(source="t", source_id="1", sport="run", start_time=datetime(2020, 1, 1))
    with pytest.raises(Exception, match="naive datetime"), db.session() as session:
        add_activity(session, people.ann, people.ann.id, new)


def test_streams_round_trip_compactly(db: Database, people: People) -> None:
    rng = np.random.default_rng(7)
    lat = 40.7 + np.cumsum(rng.normal(0, 1e-5, 3600))
    hr = rng.integers(120, 180, 3600).astype(float)
    hr[100:110] = np.nan
    new = NewActivity(
        source="t",
        source_id="s",
        sport="run",
        start_time=datetime(2024, 5, 1, tzinfo=UTC),
        streams={"lat": lat, "heart_rate": hr},
    )
    with db.session() as session:
        activity, _ = add_activity(session, people.ann, people.ann.id, new)
    with db.session() as session:
        streams = get_streams(session, people.ann, activity.id)
        assert get_streams(session, people.bob, activity.id) == {}
    np.testing.assert_array_equal(streams["lat"], lat)  # float64 keeps centimetres
    np.testing.assert_allclose(streams["heart_rate"], hr.astype(np.float32), equal_nan=True)


def test_same_run_from_two_sources_is_stored_once(db: Database, people: People) -> None:
    start = datetime(2022, 5, 29, 13, 53, 35, tzinfo=UTC)
    watch = NewActivity(source="file", source_id="abc", sport="run", start_time=start)
    export = NewActivity(
        source="strava",
        source_id="12070555079",
        sport="run",
        start_time=start + timedelta(seconds=1),
        avg_hr=151.0,
    )
    with db.session() as session:
        first, created_first = add_activity(session, people.ann, people.ann.id, watch)
        second, created_second = add_activity(session, people.ann, people.ann.id, export)
    assert (created_first, created_second) == (True, False)
    assert second.id == first.id
    assert second.avg_hr == 151.0  # the repeat filled in what the first copy lacked


def test_tokens_and_secrets_stay_out_of_text(
    db: Database, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    with db.session() as session:
        save_token(
            session,
            people.ann,
            access_token="acc-SECRET-1",
            refresh_token="ref-SECRET-2",
            expires_at=1_900_000_000,
            strava_athlete_id=26462176,
        )
        token = get_token(session, people.ann, people.ann.id)
        assert "SECRET" not in repr(token)
    settings = Settings(
        home=db.engine.url.database or "", database_url="x", strava_client_secret="client-SECRET-3"
    )
    assert "SECRET" not in repr(settings)

    logger = logging.getLogger("coachg.test")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.DEBUG, logger="coachg.test"):
        logger.debug("token reply: %s", {"access_token": "acc-SECRET-1", "expires_at": 5})
        logger.debug("POST refresh_token=ref-SECRET-2&client_secret=client-SECRET-3")
        logger.debug("Authorization: Bearer acc-SECRET-1")
    assert "SECRET" not in caplog.text
    assert "expires_at" in caplog.text
    assert redact("password=hunter2 and more") == "password=*** and more"


def test_a_failed_write_shows_no_secret_in_its_error_or_logged_traceback(
    db: Database, people: People
) -> None:
    """A database error while saving tokens (here: a user that doesn't exist) must not carry the
    token values into the exception text or a logged traceback."""
    with pytest.raises(IntegrityError) as failed, db.session() as session:
        session.add(
            StravaToken(
                user_id=999_999,
                access_token="acc-SECRET-7",
                refresh_token="ref-SECRET-8",
                expires_at=0,
            )
        )
        session.flush()
    assert "SECRET" not in str(failed.value)
    formatter = RedactingFormatter("%(message)s")
    record = logging.LogRecord(
        "coachg.test", logging.ERROR, __file__, 1, "saving failed", None, (None, None, None)
    )
    record.exc_info = (failed.type, failed.value, failed.tb)
    record.msg = "POST refresh_token=ref-SECRET-8 failed"
    assert "SECRET" not in formatter.format(record)


def test_the_log_follows_stderr_and_never_writes_to_a_closed_capture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record logged after the stderr that logging was set up with was closed (pytest closes a
    test's ``capsys`` capture when the test ends) goes to stderr as it is now, not to a
    "Logging error ... I/O operation on closed file"."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    first, second = io.StringIO(), io.StringIO()
    errors: list[str] = []
    monkeypatch.setattr(logging.Handler, "handleError", lambda self, record: errors.append("x"))
    try:
        monkeypatch.setattr(sys, "stderr", first)
        configure_logging("INFO")
        logging.getLogger("coachg.test").info("while captured, password=hunter2")
        said = first.getvalue()
        first.close()
        monkeypatch.setattr(sys, "stderr", second)
        logging.getLogger("coachg.test").warning("after the capture closed")
    finally:
        root.handlers[:], root.level = handlers, level
    assert errors == []
    assert "while captured, password=***" in said and "hunter2" not in said
    assert "after the capture closed" in second.getvalue()
