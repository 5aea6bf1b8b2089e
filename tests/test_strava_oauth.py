"""Connecting Strava end to end (authorize page, local redirect, code exchange through stravalib),
disconnecting, Strava's deauthorization webhook, the CLI, and that no secret ever shows."""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import gradio as gr
import pytest
from sqlalchemy import update

from storage.db import Database
from storage.models import StravaToken
from storage.strava_tokens import get_token, save_token
from tests.conftest import People
from tests.fake_strava import FakeStrava, fake_strava  # noqa: F401 - the fixture
from tests.test_strava_sync import (  # noqa: F401 - ann_on_strava is a fixture
    ann_on_strava,
    connect_directly,
    held_ids,
    recorded,
    strava_ctx,
)
from tools.context import ToolContext
from tools.strava.oauth import ConnectError, ConnectResult, connect, disconnect
from tools.strava.status import strava_status
from tools.strava.sync import SyncOptions, sync
from tools.strava.tool import sync_strava
from tools.strava.webhook import handle_deauthorization
from ui.cli import main as cli_main
from ui.web_settings import SettingsHandler

REPO = Path(__file__).resolve().parents[1]
# ``coachg`` with the subcommands that exist so far (others are still being written).
CLI = (
    "import importlib.util, sys; import ui.cli as cli; "
    "cli.COMMANDS = tuple(n for n in cli.COMMANDS "
    "if importlib.util.find_spec(f'ui.commands.{n}')); sys.exit(cli.main(sys.argv[1:]))"
)


def browse(url: str) -> tuple[int, str]:
    """What a browser does with a link: GET it, follow redirects, read the final page.
    (urllib, which logs nothing, so the test's own requests add nothing to the logs.)"""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def recorded_token_athlete(shared_data: Path) -> dict[str, Any]:
    path = shared_data / "strava_api/strava-ruby-client/oauth__token_authorization_code.json"
    return json.loads(path.read_text())["body"]["athlete"]


def stored_token(ctx: ToolContext) -> Any:
    with ctx.session() as session:
        return get_token(session, ctx.actor, ctx.athlete_id)


def connect_in_background(ctx: ToolContext) -> tuple[threading.Thread, queue.Queue, dict]:
    """Start :func:`connect` in a thread; its link arrives on the queue, its outcome in the dict."""
    links: queue.Queue[str] = queue.Queue()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = connect(
                ctx, announce=links.put, open_browser=lambda url: None, timeout_s=30
            )
        except ConnectError as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, links, outcome


def test_connect_end_to_end(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
    shared_data: Path,
) -> None:
    ctx = strava_ctx(ann_ctx, fake_strava)
    thread, links, outcome = connect_in_background(ctx)
    link = links.get(timeout=10)

    # The link is Strava's authorize page on the configured server, asking for what Coach G needs.
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == fake_strava.base_url
    assert parts.path == "/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_id"] == str(fake_strava.client_id)
    assert query["scope"] == "read,activity:read_all"
    assert query["response_type"] == "code"
    assert urlsplit(query["redirect_uri"]).hostname == "127.0.0.1"
    assert len(query["state"]) >= 16

    # The athlete approves; Strava redirects the browser to the local callback.
    status, page = browse(link)
    thread.join(timeout=30)
    assert status == 200 and "connected" in page
    result = outcome["result"]
    assert isinstance(result, ConnectResult)
    athlete = recorded_token_athlete(shared_data)
    assert result.strava_athlete_id == athlete["id"]
    assert result.athlete_name == f"{athlete['firstname']} {athlete['lastname']}"

    exchanges = fake_strava.token_requests("authorization_code")
    assert len(exchanges) == 1
    assert exchanges[0].form["client_id"] == str(fake_strava.client_id)
    row = stored_token(ctx)
    assert row is not None
    assert {row.access_token, row.refresh_token} <= fake_strava.issued
    assert row.strava_athlete_id == athlete["id"]
    assert set(row.scope.split(",")) == {"read", "activity:read_all"}

    # The stored tokens work: a sync goes through.
    assert sync(ctx, SyncOptions(streams=False)).complete


def test_an_answer_with_the_wrong_state_is_refused(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = strava_ctx(ann_ctx, fake_strava)
    thread, links, outcome = connect_in_background(ctx)
    link = links.get(timeout=10)
    redirect = parse_qs(urlsplit(link).query)["redirect_uri"][0]
    forged = f"{redirect}?{urlencode({'state': 'not-the-state', 'code': 'stolen'})}"
    status, page = browse(forged)
    assert status == 400 and "does not belong" in page
    assert thread.is_alive()  # still waiting for the real answer
    status, _ = browse(link)
    thread.join(timeout=30)
    assert status == 200 and "result" in outcome
    assert [r.form["code"] for r in fake_strava.token_requests()] != ["stolen"]


@pytest.mark.parametrize(
    ("setup", "says"),
    [
        (lambda fake: setattr(fake, "consent", "deny"), "not granted"),
        (lambda fake: setattr(fake, "granted_scope", "read"), "read your activities"),
    ],
    ids=["denied", "activities-unticked"],
)
def test_connect_refused_on_strava_says_what_to_do(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
    setup: Any,
    says: str,
) -> None:
    ctx = strava_ctx(ann_ctx, fake_strava)
    setup(fake_strava)
    with pytest.raises(ConnectError, match=says) as caught:
        connect(ctx, announce=lambda url: None, open_browser=browse, timeout_s=30)
    assert "coachg strava connect" in str(caught.value)
    assert stored_token(ctx) is None


def test_wrong_client_secret_names_the_setting(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = strava_ctx(ann_ctx, fake_strava)
    wrong = ToolContext(
        db=ctx.db,
        actor=ctx.actor,
        settings=replace(ctx.settings, strava_client_secret="not-the-secret"),
    )
    with pytest.raises(ConnectError, match="COACHG_STRAVA_CLIENT_SECRET"):
        connect(wrong, announce=lambda url: None, open_browser=browse, timeout_s=30)
    assert stored_token(ctx) is None


def test_disconnect_revokes_at_strava_and_forgets_tokens(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = strava_ctx(ann_ctx, fake_strava)
    tokens = connect_directly(ctx, fake_strava)
    result = disconnect(ctx)
    assert result.had_tokens and result.revoked_at_strava
    posts = [r for r in fake_strava.requests if r.path.endswith("/oauth/deauthorize")]
    assert [r.bearer for r in posts] == [tokens["access_token"]]
    assert stored_token(ctx) is None
    assert not strava_status(ctx).connected
    assert not disconnect(ctx).had_tokens


def test_web_disconnect_revokes_at_strava_like_the_cli(
    ann_on_strava: ToolContext,  # noqa: F811
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    """The Settings tab's Disconnect runs the CLI's :func:`disconnect`: Strava is asked to revoke
    the access token, the tokens are deleted, and the page says so without showing a token."""
    ctx = ann_on_strava
    row = stored_token(ctx)
    assert row is not None
    access_token = row.access_token
    handler = SettingsHandler(ctx.db, ctx.settings)
    message = handler.disconnect(gr.Request(username="ann"))
    posts = [r for r in fake_strava.requests if r.path.endswith("/oauth/deauthorize")]
    assert [(r.method, r.bearer) for r in posts] == [("POST", access_token)]
    assert posts[0].status == 200
    assert stored_token(ctx) is None
    assert "revoked" in message and "could not" not in message
    for secret in fake_strava.issued | {fake_strava.client_secret}:
        assert secret not in message
    again = handler.disconnect(gr.Request(username="ann"))
    assert "not connected" in again
    assert len([r for r in fake_strava.requests if r.path.endswith("/oauth/deauthorize")]) == 1


def test_web_disconnect_deletes_tokens_when_strava_refuses(
    ann_on_strava: ToolContext,  # noqa: F811
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    """Strava does not confirm (the athlete already revoked access there): the tokens are still
    deleted, and the page says the revocation was not confirmed and where to check."""
    ctx = ann_on_strava
    fake_strava.revoke_all()
    message = SettingsHandler(ctx.db, ctx.settings).disconnect(gr.Request(username="ann"))
    assert [r.status for r in fake_strava.requests if r.path.endswith("/oauth/deauthorize")] == [
        401
    ]
    assert stored_token(ctx) is None
    assert "could not confirm" in message and "strava.com/settings/apps" in message
    for secret in fake_strava.issued | {fake_strava.client_secret}:
        assert secret not in message


def test_deauthorization_webhook_deletes_only_that_athletes_tokens(
    db: Database, people: People
) -> None:
    with db.session() as session:
        save_token(session, people.ann, access_token="a1", refresh_token="r1", expires_at=1,
                   strava_athlete_id=26462176)  # fmt: skip
        save_token(session, people.bob, access_token="a2", refresh_token="r2", expires_at=1,
                   strava_athlete_id=1202065)  # fmt: skip
    other_events = [
        {"object_type": "activity", "aspect_type": "create", "object_id": 26462176},
        {
            "object_type": "athlete",
            "aspect_type": "update",
            "object_id": 26462176,
            "updates": {"authorized": "true"},
        },
        {
            "object_type": "athlete",
            "aspect_type": "update",
            "object_id": "x",
            "updates": {"authorized": "false"},
        },
    ]
    for event in other_events:
        assert handle_deauthorization(db, event) == 0
    event = {
        "aspect_type": "update",
        "event_time": 1516126040,
        "object_id": 26462176,
        "object_type": "athlete",
        "owner_id": 26462176,
        "subscription_id": 120475,
        "updates": {"authorized": "false"},
    }
    assert handle_deauthorization(db, event) == 1
    with db.session() as session:
        assert get_token(session, people.ann, people.ann.id) is None
        assert get_token(session, people.bob, people.bob.id) is not None


def test_no_secret_in_logs_reports_or_status(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    ctx = strava_ctx(ann_ctx, fake_strava)
    connect(ctx, announce=print, open_browser=browse, timeout_s=30)
    fake_strava.expire_access_tokens()  # a 401 and a refresh on the way
    fake_strava.fail_after(2)  # and a 429
    first = sync_strava(ctx)
    fake_strava.stop_failing()
    with ctx.session() as session:  # and a refresh because the stored token expired
        assert get_token(session, ctx.actor, ctx.athlete_id) is not None
        session.execute(
            update(StravaToken).where(StravaToken.user_id == ctx.athlete_id).values(expires_at=0)
        )
    second = sync(ctx, SyncOptions(stream_limit=2))
    fake_strava.revoke_all()
    third = sync_strava(ctx)
    outputs = [
        caplog.text,
        json.dumps(first.to_dict()),
        json.dumps(third.to_dict()),
        repr(second),
        second.summary(),
        "\n".join(strava_status(ctx).lines()),
        repr(stored_token(ctx)),
    ]
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err]
    assert first.data["stopped"] == "rate_limit" and second.complete and not third.ok
    assert len(fake_strava.token_requests("refresh_token")) >= 2
    assert "/oauth/token" in caplog.text  # stravalib's own DEBUG/INFO logging was captured
    secrets = fake_strava.issued | {fake_strava.client_secret}
    assert len(secrets) >= 6
    for text in outputs:
        for secret in secrets:
            assert secret not in text


def _coachg_here(
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> subprocess.CompletedProcess[str]:
    """``coachg ARGS`` through the same entry point (``ui.cli.main``) in this process, with
    the ``COACHG_`` settings of ``env`` only; the logging and umask it sets are put back."""
    for name in [n for n in os.environ if n.startswith(("COACHG_", "STRAVA_"))]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("COACHG_"):
            monkeypatch.setenv(name, value)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    umask = os.umask(0o022)
    os.umask(umask)
    capsys.readouterr()
    try:
        code = cli_main(list(args))
    finally:
        os.umask(umask)
        root.handlers[:], root.level = handlers, level
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)


def test_cli_connect_sync_status_disconnect(
    tmp_path: Path,
    fake_strava: FakeStrava,  # noqa: F811
    shared_data: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``coachg strava connect`` as a real process (it waits for the browser's redirect), then
    sync, status and disconnect through the same entry point in this process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACHG_", "STRAVA_"))}
    env.update(
        COACHG_HOME=str(tmp_path / "home"),
        COACHG_STRAVA_BASE_URL=fake_strava.base_url,
        COACHG_STRAVA_CLIENT_ID=str(fake_strava.client_id),
        COACHG_STRAVA_CLIENT_SECRET=fake_strava.client_secret,
        COACHG_STRAVA_REDIRECT_PORT="0",
    )
    args = [sys.executable, "-c", CLI, "--user", "ann", "strava", "connect", "--no-browser"]
    with subprocess.Popen(
        [*args, "--timeout", "60"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        link = ""
        for line in process.stdout:
            if line.strip().startswith(fake_strava.base_url):
                link = line.strip()
                break
        assert link, process.stderr.read() if process.stderr else ""
        status, _ = browse(link)
        out, err = process.communicate(timeout=60)
    assert status == 200 and process.returncode == 0, err
    assert "Connected to Strava" in out
    outputs = [out, err]

    synced = _coachg_here(
        env, monkeypatch, capsys, "-v", "--user", "ann", "strava", "sync", "--streams", "1"
    )
    assert synced.returncode == 0, synced.stderr
    total = len({a["id"] for a in recorded(shared_data)})
    assert f"Synced {total} new activities" in synced.stdout
    assert "streams of 1 run " in synced.stdout
    again = _coachg_here(
        env, monkeypatch, capsys, "--user", "ann", "strava", "sync", "--json", "--no-streams"
    )
    assert json.loads(again.stdout)["new"] == 0
    shown = _coachg_here(env, monkeypatch, capsys, "--user", "ann", "strava", "status")
    assert "connected" in shown.stdout and "Activities from Strava" in shown.stdout
    gone = _coachg_here(env, monkeypatch, capsys, "--user", "ann", "strava", "disconnect")
    assert "disconnected" in gone.stdout
    after = _coachg_here(env, monkeypatch, capsys, "--user", "ann", "strava", "sync")
    assert after.returncode == 1 and "coachg strava connect" in after.stderr
    outputs += [p.stdout + p.stderr for p in (synced, again, shown, gone, after)]
    assert "DEBUG" in synced.stderr  # -v really logged at DEBUG
    for text in outputs:
        for secret in fake_strava.issued | {fake_strava.client_secret}:
            assert secret not in text


def test_status_and_ids_after_sync(
    ann_on_strava: ToolContext,  # noqa: F811
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    ctx = ann_on_strava
    report = sync(ctx, SyncOptions(stream_limit=1))
    status = strava_status(ctx)
    assert status.connected and status.activities == len(held_ids(ctx)) == report.new
    assert status.streams_pending == report.streams_pending
    assert not status.sync_in_progress


def test_web_connect_shows_the_link_and_stores_the_tokens(
    ann_ctx: ToolContext,
    fake_strava: FakeStrava,  # noqa: F811
) -> None:
    """The Settings tab's Connect runs the CLI's :func:`connect`: the page shows Strava's link,
    and once the athlete approves, the tokens are stored and the page says connected."""
    ctx = strava_ctx(ann_ctx, fake_strava)
    handler = SettingsHandler(ctx.db, ctx.settings)
    pages = handler.connect(gr.Request(username="ann"))
    first = next(pages)
    link = re.search(r"\((http[^)]+)\)", first)
    assert link is not None and "/oauth/authorize" in link[1]
    status, _ = browse(link[1])
    assert status == 200
    assert "connected" in list(pages)[-1]
    row = stored_token(ctx)
    assert row is not None and row.access_token not in first
