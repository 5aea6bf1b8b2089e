"""``coachg worker --metrics-port``: a worker process (another machine, as far as the queue
knows) serves its own ``coachg_`` metrics, its jobs' counts and durations included, in
Prometheus' text format on loopback; without the option it serves nothing.

A real ``coachg worker`` process on a SQLite queue, a real import job through it, a real HTTP
client and prometheus_client's own parser."""

from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tools.context import ToolContext
from tools.jobs.runner import JobRunner

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def own_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            address = str(sock.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample at the worker's /metrics, parsed by prometheus_client: (name, labels) ->
    value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = answer.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_worker_serves_its_job_metrics(tmp_path: Path, shared_data: Path) -> None:
    home = tmp_path / "home"
    db = Database(f"sqlite:///{tmp_path / 'coachg.db'}")
    queue = f"sqlite:///{tmp_path / 'queue.db'}"
    name = f"test-{uuid.uuid4().hex}"
    settings = Settings(home=home, database_url=db.url, queue_url=queue, queue_name=name)
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
    ctx = ToolContext(db=db, actor=ann, settings=settings)
    here = JobRunner(db, settings, workers=0)  # submits only
    port = free_port()
    env = {
        **os.environ,
        "COACHG_HOME": str(home),
        "COACHG_DATABASE_URL": db.url,
        "COACHG_QUEUE_URL": queue,
        "COACHG_QUEUE_NAME": name,
    }
    env.pop("COACHG_WORKER_METRICS_PORT", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "worker", "--workers", "1", "--metrics-port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    ok = ("coachg_jobs_total", (("kind", "import_paths"), ("outcome", "ok")))
    durations = ("coachg_job_duration_seconds_count", (("kind", "import_paths"),))
    try:
        walk = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-walk.fit"
        job = here.submit("import_paths", ctx, paths=[str(walk)])
        deadline = time.monotonic() + 120
        samples: dict = {}
        while not (job.done() and samples.get(ok) == 1):
            assert worker.poll() is None, worker.communicate()[0].decode()
            assert time.monotonic() < deadline, f"no job counted at /metrics: {samples}"
            try:
                samples = scrape(port)
            except OSError:  # the worker is still starting
                samples = {}
            time.sleep(0.2)
        assert job.wait().imported == 1
        # It listens on loopback only: this machine's other address is refused.
        other = own_address()
        if other is not None:
            with pytest.raises(OSError):
                socket.create_connection((other, port), timeout=5).close()
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
        here.huey.flush()
        db.dispose()
    assert f"http://127.0.0.1:{port}/metrics" in output
    assert samples[durations] == 1
    assert samples[("coachg_jobs_running", ())] == 0
    assert math.isnan(samples[("coachg_job_queue_depth", ())])  # the web servers' to report
    assert samples[("coachg_import_activities_total", (("outcome", "imported"),))] == 1
    # Only Coach G's own registry: no process or Python metrics of the library's default one.
    assert all(name.startswith("coachg_") for name, _ in samples)
    # The server went with the process.
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5)


@pytest.mark.parametrize(
    "argv, env, served",
    [
        (["worker"], None, None),
        (["worker", "--metrics-port", "9311"], None, ("127.0.0.1", 9311)),
        (["worker"], "9312", ("127.0.0.1", 9312)),
        (
            ["worker", "--metrics-port", "9313", "--metrics-host", "10.0.0.5"],
            "1",
            ("10.0.0.5", 9313),
        ),
    ],
)
def test_the_metrics_server_starts_only_when_asked(
    argv: list[str],
    env: str | None,
    served: tuple[str, int] | None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Off by default; on with ``--metrics-port`` or ``COACHG_WORKER_METRICS_PORT``, on
    127.0.0.1 unless ``--metrics-host`` says otherwise."""
    from ui.cli import build_parser
    from ui.commands import worker

    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    monkeypatch.setenv("COACHG_DATABASE_URL", f"sqlite:///{tmp_path / 'coachg.db'}")
    monkeypatch.setenv("COACHG_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    if env is None:
        monkeypatch.delenv("COACHG_WORKER_METRICS_PORT", raising=False)
    else:
        monkeypatch.setenv("COACHG_WORKER_METRICS_PORT", env)
    started: list[tuple[str, int]] = []
    monkeypatch.setattr(worker, "serve_metrics", lambda host, port: started.append((host, port)))
    monkeypatch.setattr(JobRunner, "work", lambda self, workers: None)
    args = build_parser(argv).parse_args(argv)
    assert args.func(args) == 0
    assert started == ([served] if served else [])


def test_a_bad_metrics_port_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ui.commands.worker import run

    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    monkeypatch.setenv("COACHG_QUEUE_URL", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setenv("COACHG_WORKER_METRICS_PORT", "70000")
    assert run(argparse.Namespace(workers=1)) == 2
    assert "COACHG_WORKER_METRICS_PORT" in capsys.readouterr().out
