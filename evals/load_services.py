"""The processes of :mod:`evals.load_test`: a throwaway PostgreSQL cluster and Redis (started
the way ``.ci/run`` starts them, from the packages installed on this machine; nothing is
downloaded), a Chroma server, ``coachg serve`` web servers and ``coachg worker`` processes.
Each is a context manager that stops what it started."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class ServiceError(RuntimeError):
    """A service could not be started; the message says what to install or set."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(
    check: Callable[[], bool],
    what: str,
    process: subprocess.Popen | None,
    log: Path,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceError(f"{what} exited early:\n{_tail(log)}")
        if check():
            return
        time.sleep(0.3)
    raise ServiceError(f"{what} did not answer in {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path, chars: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


@dataclass
class Process:
    """A started process, its log, and (for a server) its URL."""

    process: subprocess.Popen
    log: Path
    url: str = ""

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def postgres(url: str = "") -> Iterator[str]:
    """A PostgreSQL URL: ``url`` if given, else a throwaway cluster on a free loopback port (as
    ``.ci/run`` starts one: ``initdb``/``pg_ctl`` of the installed server, as the ``postgres``
    user, fsync off), removed afterwards."""
    if url:
        yield url
        return
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        raise ServiceError(
            "No PostgreSQL here: install it (apt-get install postgresql) or pass --postgres URL."
        )
    pgbin = found[-1].parent
    data = Path(tempfile.mkdtemp(prefix="coachg-load-pg."))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(data, "postgres")
    port = free_port()
    subprocess.run(
        [*as_postgres, str(pgbin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    ctl = [*as_postgres, str(pgbin / "pg_ctl"), "-D", str(data), "-s", "-w"]
    subprocess.run([*ctl, "-l", str(data / "log"), "-o", options, "start"], check=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], check=False)
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def redis(url: str = "") -> Iterator[str]:
    """A Redis URL: ``url`` if given, else a throwaway ``redis-server`` (no disk) on a free
    loopback port, stopped afterwards."""
    if url:
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        raise ServiceError(
            "No Redis here: install it (apt-get install redis-server) or pass --redis URL."
        )
    folder = Path(tempfile.mkdtemp(prefix="coachg-load-redis."))
    port = free_port()
    log = folder / "log"
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    started = Process(process, log, url)
    try:
        _wait(lambda: _answers_tcp(port), "redis-server", process, log, 20)
        yield url
    finally:
        started.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _answers_tcp(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _answers_http(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextmanager
def chroma(folder: Path) -> Iterator[str]:
    """A Chroma server (the ``chroma`` command of the installed chromadb) keeping its data in
    ``folder``, for web servers that share one history index; its URL."""
    command = Path(sys.executable).with_name("chroma")
    if not command.exists():
        raise ServiceError("No `chroma` command beside this Python: install chromadb.")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "chroma.log"
    process = subprocess.Popen(
        [str(command), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    started = Process(process, log, f"http://127.0.0.1:{port}")
    try:
        _wait(lambda: _answers_http(f"{started.url}/api/v2/heartbeat"), "chroma", process, log, 60)
        yield started.url
    finally:
        started.stop()


def _coachg(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``coachg ARGS`` from this checkout (``python -m ui.cli``), with ``env`` added."""
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@contextmanager
def web_server(env: dict[str, str], log: Path, timeout: float = 600.0) -> Iterator[Process]:
    """``coachg serve`` on a free loopback port, once it answers (a new install trains its
    question classifier first)."""
    port = free_port()
    process = _coachg(["serve", "--port", str(port)], env, log)
    started = Process(process, log, f"http://127.0.0.1:{port}")
    try:
        _wait(lambda: _answers_http(f"{started.url}/signup"), "coachg serve", process, log, timeout)
        yield started
    finally:
        started.stop()


@contextmanager
def workers(count: int, env: dict[str, str], folder: Path) -> Iterator[list[Process]]:
    """``count`` ``coachg worker --workers 1`` processes on the shared queue."""
    logs = [folder / f"worker{n}.log" for n in range(count)]
    started = [Process(_coachg(["worker", "--workers", "1"], env, log), log) for log in logs]
    try:
        time.sleep(1.0)
        for worker in started:
            if worker.process.poll() is not None:
                raise ServiceError(f"coachg worker exited early:\n{_tail(worker.log)}")
        yield started
    finally:
        for worker in started:
            worker.stop(timeout=60)
