"""The REST API's jobs are kept in the shared queue, not one web server's memory
(ui/web_api_jobs.py): a job started through one server's :class:`ApiJobs` is read, by its
owner only, through another's on the same queue (a SQLite queue file, and a real Redis when
``COACHG_TEST_REDIS_URL`` is set), with a real tool run by a real worker thread."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tests.conftest import REDIS_URL
from tools.context import ToolContext
from tools.jobs.runner import JobRunner
from ui.web_api_jobs import ApiJobs

NO_REDIS = pytest.mark.skipif(not REDIS_URL, reason="no Redis: set COACHG_TEST_REDIS_URL")
QUEUES = ["sqlite", pytest.param("redis", marks=NO_REDIS)]


@pytest.mark.parametrize("queue", QUEUES)
def test_a_job_started_on_one_server_is_read_on_another(
    queue: str, tmp_path: Path, shared_data: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'coachg.db'}")
    url = REDIS_URL if queue == "redis" else f"sqlite:///{tmp_path / 'queue.db'}"
    settings = Settings(
        home=tmp_path / "home",
        database_url=db.url,
        queue_url=url,
        queue_name=f"test-{uuid.uuid4().hex}",
    )
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
        bob = create_user(session, "bob", password="bob-pass-1")
    ctx = ToolContext(db=db, actor=ann, settings=settings)
    walk = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-walk.fit"
    first = JobRunner(db, settings, workers=0)  # the server that takes the request
    second = JobRunner(db, settings, workers=1).start()  # another server, which also works
    try:
        on_first, on_second = ApiJobs(lambda: first), ApiJobs(lambda: second)
        job = first.submit("import_paths", ctx, paths=[str(walk)])
        started = on_first.add(job, ann.id, "import_activities")
        assert started["state"] in ("queued", "running")
        job_id = job.request.id

        deadline = time.monotonic() + 120
        while (seen := on_second.of(job_id, ann.id)) is not None and seen["state"] in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
        assert seen is not None and seen["state"] == "done", seen
        assert seen["result"].imported == 1  # the import's report, read on the other server

        # The answer is kept: both servers give it again, and the queue's copy is gone.
        again = on_first.of(job_id, ann.id)
        assert again is not None and again["state"] == "done"
        assert first.huey.get(job.result.id, peek=True) is None
        # Bob never sees Ann's job, on either server; unknown or malformed ids neither.
        assert on_first.of(job_id, bob.id) is None and on_second.of(job_id, bob.id) is None
        assert on_second.of(uuid.uuid4().hex, ann.id) is None
        assert on_second.of("../" + job_id, ann.id) is None
    finally:
        second.stop()
        first.huey.flush()
        db.dispose()


def test_only_the_newest_records_are_kept(tmp_path: Path, shared_data: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'coachg.db'}")
    settings = Settings(
        home=tmp_path / "home", database_url=db.url, queue_url=f"sqlite:///{tmp_path / 'q.db'}"
    )
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
    ctx = ToolContext(db=db, actor=ann, settings=settings)
    runner = JobRunner(db, settings, workers=0)
    jobs = ApiJobs(lambda: runner, keep=2)
    walk = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-walk.fit"
    made = [runner.submit("import_paths", ctx, paths=[str(walk)]) for _ in range(3)]
    for job in made:
        jobs.add(job, ann.id, "import_activities")
    assert jobs.of(made[0].request.id, ann.id) is None
    assert all(jobs.of(job.request.id, ann.id) is not None for job in made[1:])
    runner.huey.flush()
    db.dispose()
