"""Heavy work as jobs (tools/jobs) and the budgets of one import, on real files, a real SQLite
database and, when ``COACHG_TEST_REDIS_URL`` is set, a real Redis server with a separate
``coachg worker`` process.

The web test (a real server, a real video analysis) is in tests/test_jobs_web.py."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.activities import count_activities
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tests.conftest import REDIS_URL
from tools.context import ToolContext
from tools.importing.budget import MB, ImportLimits
from tools.importing.importer import import_paths
from tools.jobs.broker import QueueSettingError, make_huey
from tools.jobs.runner import JobRunner

REPO = Path(__file__).resolve().parents[1]


def fit_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "activity_files" / "fit").glob("*.fit"))


def stored(ctx: ToolContext) -> int:
    with ctx.session() as session:
        return count_activities(session, ctx.actor, ctx.athlete_id)


# -- budgets of one import ------------------------------------------------------------------


def test_import_budgets_fail_the_bad_file_not_the_import(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    """A zip with more activity files than an import may take fails as a whole; a zip of
    GPX-named zeros (a bomb) fails member by member before a byte of it is unpacked; the
    good file beside them imports."""
    walk = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-walk.fit"
    crowded = tmp_path / "crowded.zip"
    with zipfile.ZipFile(crowded, "w") as zf:
        for n in range(4):
            zf.writestr(f"run{n}.fit", walk.read_bytes())
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n in range(2):
            zf.writestr(f"zeros{n}.gpx", bytes(2 * MB))
    limits = ImportLimits(max_files=3, max_xml_bytes=1 * MB)

    report = import_paths(ann_ctx, [crowded, bomb, walk], limits=limits)

    assert report.imported == 1 and stored(ann_ctx) == 1  # the walk
    failed = dict(report.failed)
    assert set(failed) == {"crowded.zip", *(f"bomb.zip:zeros{n}.gpx" for n in range(2))}
    assert "holds 4 activity files, over the limit of 3" in failed["crowded.zip"]
    assert all(
        "over the 1 MB limit for one GPX file" in failed[f"bomb.zip:zeros{n}.gpx"] for n in range(2)
    )


def test_import_bytes_and_time_budgets_fail_the_files_past_them(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    """Files are read in name order; the one that would take the import past its bytes fails
    with the reason, the ones before it import. With no time left, nothing is read."""
    run, walk = (
        shared_data / "activity_files" / "fit" / f"fitparse__garmin-fenix-5-{k}.fit"
        for k in ("run", "walk")
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for source in (run, walk):
        (inbox / source.name).write_bytes(source.read_bytes())
    room = run.stat().st_size + walk.stat().st_size - 1  # one byte short of both

    report = import_paths(ann_ctx, [inbox], limits=ImportLimits(max_bytes=room))

    assert report.imported == 1
    ((name, reason),) = report.failed
    assert name == f"inbox/{walk.name}" and "past its" in reason and "on its own" in reason

    late = import_paths(ann_ctx, [walk], limits=ImportLimits(max_seconds=0))
    assert late.imported == 0
    assert "used its 0 minutes" in dict(late.failed)[walk.name]


def test_budgets_come_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        database_url="sqlite://",
        import_max_mb=5,
        import_max_files=7,
        import_max_minutes=0.5,
        import_max_xml_mb=2,
    )
    assert ImportLimits.from_settings(settings) == ImportLimits(
        max_bytes=5 * MB, max_files=7, max_seconds=30.0, max_xml_bytes=2 * MB
    )


# -- the queue -------------------------------------------------------------------------------


def test_an_unknown_queue_url_says_what_to_set_and_hides_the_rest() -> None:
    with pytest.raises(QueueSettingError) as error:
        make_huey("amqp://user:hunter2@host/")
    assert "redis://" in str(error.value) and "hunter2" not in str(error.value)


@pytest.fixture
def queue_url() -> str:
    """The real Redis when there is one (CI), else the in-memory queue (the web test runs on
    that one too)."""
    return REDIS_URL


@pytest.fixture
def two_athletes(tmp_path: Path, queue_url: str) -> Iterator[tuple[ToolContext, ToolContext]]:
    db = Database(f"sqlite:///{tmp_path / 'coachg.db'}")
    settings = Settings(
        home=tmp_path / "home",
        database_url=db.url,
        queue_url=queue_url,
        queue_name=f"test-{uuid.uuid4().hex}",  # apart from other tests on the same Redis
    )
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
        bob = create_user(session, "bob", password="bob-pass-1")
    yield (
        ToolContext(db=db, actor=ann, settings=settings),
        ToolContext(db=db, actor=bob, settings=settings),
    )
    db.dispose()


def test_one_job_at_a_time_per_user_with_the_place_in_line_shown(
    two_athletes: tuple[ToolContext, ToolContext], shared_data: Path
) -> None:
    """Ann queues two imports and Bob one, on two workers: Ann's second waits (told it is
    number 2 of hers) until her first is finished, while Bob's runs beside her first."""
    ann, bob = two_athletes
    files = fit_files(shared_data)[:4]
    bike = files[-1]
    runner = JobRunner(ann.db, ann.settings, workers=2)
    runner.start()
    try:
        first = runner.submit("import_paths", ann, paths=[str(f) for f in files])
        second = runner.submit("import_paths", ann, paths=[str(bike)])
        bobs = runner.submit("import_paths", bob, paths=[str(f) for f in files])
        samples: list[tuple[str, str, str]] = []
        said: set[str] = set()
        watching = threading.Event()

        def watch() -> None:
            while not watching.is_set():
                states = first.status(), second.status(), bobs.status()
                samples.append((states[0].state, states[1].state, states[2].state))
                said.add(states[1].line())
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            one, two, three = first.wait(), second.wait(), bobs.wait()
        finally:
            watching.set()
            watcher.join()
    finally:
        runner.stop()
        runner.huey.flush()

    assert "in the queue: number 2 of yours, after 1 earlier job (one runs at a time)" in said
    assert not [s for s in samples if s[0] == "running" and s[1] == "running"]
    assert [s for s in samples if s[0] == "running" and s[2] == "running"]
    assert one.imported > 0 and three.imported == one.imported
    assert two.imported == 0 and two.duplicates == 1  # after the first: already there
    assert stored(ann) == one.imported and stored(bob) == three.imported


def test_a_failing_job_raises_where_it_is_waited_for_and_frees_the_line(
    two_athletes: tuple[ToolContext, ToolContext], tmp_path: Path
) -> None:
    ann, _ = two_athletes
    runner = JobRunner(ann.db, ann.settings, workers=1)
    runner.start()
    try:
        broken = runner.submit("analyze_video", ann, video=tmp_path / "no-such-clip.mp4")
        after = runner.submit("tool", ann, name="import_activities", args={"paths": []})
        from tools.gait.errors import GaitAnalysisError

        with pytest.raises(GaitAnalysisError):
            broken.wait()
        assert not after.wait().ok  # it ran: the failed job did not block Ann's line
    finally:
        runner.stop()
        runner.huey.flush()


def test_a_worker_process_takes_jobs_from_redis(
    redis_url: str, tmp_path: Path, shared_data: Path
) -> None:
    """``coachg worker`` on its own (another machine, as far as the queue knows) runs a job
    submitted here, against the same database and home."""
    home = tmp_path / "home"
    db = Database(f"sqlite:///{tmp_path / 'coachg.db'}")
    name = f"test-{uuid.uuid4().hex}"
    settings = Settings(home=home, database_url=db.url, queue_url=redis_url, queue_name=name)
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
    ctx = ToolContext(db=db, actor=ann, settings=settings)
    here = JobRunner(db, settings, workers=0)  # submits only
    env = {
        **os.environ,
        "COACHG_HOME": str(home),
        "COACHG_DATABASE_URL": db.url,
        "COACHG_QUEUE_URL": redis_url,
        "COACHG_QUEUE_NAME": name,
    }
    # `coachg worker` without loading every other command's libraries (only to start faster).
    start = (
        "import argparse; from ui.commands.worker import run; run(argparse.Namespace(workers=1))"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", start],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        walk = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-walk.fit"
        job = here.submit("import_paths", ctx, paths=[str(walk)])
        deadline = time.monotonic() + 120
        while not job.done():
            assert worker.poll() is None, worker.communicate()[0].decode()
            assert time.monotonic() < deadline, "no worker took the job"
            time.sleep(0.2)
        report = job.wait()
    finally:
        worker.terminate()
        worker.wait(30)
        here.huey.flush()
        db.dispose()
    assert report.imported == 1 and stored(ctx) == 1


def test_worker_without_a_shared_queue_says_what_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ui.cli import build_parser

    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    monkeypatch.delenv("COACHG_QUEUE_URL", raising=False)
    args = build_parser().parse_args(["worker"])
    assert args.func(args) == 2
    assert "COACHG_QUEUE_URL" in capsys.readouterr().out
