"""The load test's parts (evals/load_test.py): the club's seeding on the real series, and one tiny
run (a real server, SQLite and its own job threads, locust in its own process, no video),
whose numbers come back in the summary table."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evals.load_seed import run_series, seed_club, strava_pages
from evals.load_test import Options, run
from storage.api_tokens import authenticate
from storage.db import Database
from storage.models import Activity
from storage.users import athletes_of, get_user


def test_the_club_is_seeded_with_the_real_series_shifted_to_end_recently(
    tmp_path: Path, shared_data: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'club.db'}")
    today = date(2026, 12, 7)
    club = seed_club(db, athletes=4, coaches=2, today=today, shared=shared_data)
    pages, series = strava_pages(shared_data), run_series(shared_data)
    assert (len(pages), len(series)) == (1132, 908)
    assert club.activities == 2 * 1132 + 2 * 908
    with db.session() as session:
        for n, person in enumerate(club.athletes):
            user = get_user(session, person.name)
            assert user is not None
            held = session.scalars(select(Activity).where(Activity.user_id == user.id)).all()
            real = pages if n % 2 == 0 else series
            assert len(held) == len(real)
            # The same history, moved by whole days to end 1-6 days before today.
            assert max(a.start_time for a in held).date() == today - timedelta(days=1 + n)
            first_real = min(real, key=lambda a: a.start_time)
            first_held = min(held, key=lambda a: a.start_time)
            assert first_held.distance_m == first_real.distance_m
            assert first_held.start_time.time() == first_real.start_time.time()
            found = authenticate(session, person.token)
            assert found is not None and found[0].id == user.id
        cora = get_user(session, club.coaches[0].name)
        assert cora is not None
        linked = [u.name for u in athletes_of(session, cora)]
        assert linked == list(club.coaches[0].athletes) == ["runner001", "runner002"]
        total = session.scalar(select(func.count()).select_from(Activity))
        assert total == club.activities
    db.dispose()


def test_a_tiny_run_chats_without_errors_and_prints_its_numbers(tmp_path: Path) -> None:
    if importlib.util.find_spec("locust") is None:  # never imported here: it patches sockets
        pytest.skip("locust comes with the dev extra: pip install -e .[dev]")
    options = Options(
        athletes=2,
        coaches=1,
        users=2,
        videos=0,
        duration=12,
        think=(0.5, 1.0),
        workers=(1,),
        backend="sqlite",
        web=1,
        folder=tmp_path,
    )
    report = run(options)
    (phase,) = report.phases
    assert phase.chat.turns >= 2, (tmp_path / "phase1-workers-1" / "locust.log").read_text()
    assert phase.chat.errors == 0, phase.chat.error_kinds
    assert phase.jobs_lost == 0
    table = report.table()
    assert "| workers |" in table and f"| 1 | 1 | {phase.chat.turns} |" in table
