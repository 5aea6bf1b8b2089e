"""Connecting Strava: the OAuth authorization-code flow with a local redirect, and disconnecting.

Each user registers their own Strava API application (https://www.strava.com/settings/api,
"Authorization Callback Domain" 127.0.0.1) and gives Coach G its id and secret through
``COACHG_STRAVA_CLIENT_ID`` / ``COACHG_STRAVA_CLIENT_SECRET``. :func:`connect` then:

1. starts a one-shot HTTP server on ``127.0.0.1:COACHG_STRAVA_REDIRECT_PORT``;
2. builds the authorization URL with stravalib (scope ``read,activity:read_all`` and a random
   ``state``), shows it and tries to open it in a browser;
3. waits for Strava to redirect the browser back with ``code`` (the ``state`` must match);
4. exchanges the code for tokens with stravalib and stores them for the athlete.

The code and the tokens are never printed or logged; the local server logs nothing.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from stravalib import exc

from storage.strava_tokens import delete_token, get_token, save_token
from tools.context import ToolContext
from tools.strava.client import client_credentials, make_client
from tools.strava.tokens import StravaAuthError, TokenKeeper

log = logging.getLogger(__name__)

SCOPES: list[Any] = ["read", "activity:read_all"]
CALLBACK_PATH = "/strava/callback"
CONNECT_TIMEOUT_S = 300.0

_DONE_PAGE = "Coach G is connected to Strava. You can close this tab and go back to Coach G."
_DENIED_PAGE = (
    "Coach G was not given access to Strava. Close this tab; if that was a mistake, run "
    "`coachg strava connect` again and press Authorize."
)
_STRANGER_PAGE = (
    "This answer does not belong to the connection Coach G is waiting for (an old tab?). "
    "Run `coachg strava connect` again and use the link it shows."
)


class ConnectError(Exception):
    """Connecting failed; the message says what to do next."""


@dataclass(frozen=True)
class ConnectResult:
    """Who got connected (no tokens here)."""

    strava_athlete_id: int | None
    athlete_name: str
    scope: str
    expires_at: int


@dataclass(frozen=True)
class DisconnectResult:
    had_tokens: bool
    revoked_at_strava: bool
    message: str


class _CallbackHandler(BaseHTTPRequestHandler):
    callback: CallbackServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries the authorization code."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self._page(404, "Nothing here. Coach G waits for Strava's answer on " + CALLBACK_PATH)
            return
        answer = dict(parse_qsl(parts.query))
        if not secrets.compare_digest(answer.get("state", ""), self.callback.state):
            self._page(400, _STRANGER_PAGE)
            return
        self._page(200, _DENIED_PAGE if "error" in answer or "code" not in answer else _DONE_PAGE)
        self.callback.deliver(answer)

    def _page(self, status: int, text: str) -> None:
        body = (
            "<!doctype html><meta charset=utf-8><title>Coach G and Strava</title>"
            f"<p style='font:1.2em sans-serif;margin:3em'>{text}</p>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class CallbackServer:
    """The local redirect target: serves on 127.0.0.1 until Strava's answer arrives."""

    def __init__(self, port: int, state: str) -> None:
        self.state = state
        self._answer: dict[str, str] | None = None
        self._arrived = threading.Event()
        handler = type("Handler", (_CallbackHandler,), {"callback": self})
        try:
            self._server = HTTPServer(("127.0.0.1", port), handler)
        except OSError as error:
            raise ConnectError(
                f"Port {port} on 127.0.0.1 is busy ({error.strerror}); set "
                "COACHG_STRAVA_REDIRECT_PORT to a free port and run `coachg strava connect` again."
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def deliver(self, answer: dict[str, str]) -> None:
        if not self._arrived.is_set():
            self._answer = answer
            self._arrived.set()

    def wait(self, timeout_s: float) -> dict[str, str] | None:
        self._arrived.wait(timeout_s)
        return self._answer

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _open_quietly(open_browser: Callable[[str], object], url: str) -> None:
    try:
        open_browser(url)
    except Exception as error:  # no browser is fine: the URL was shown
        log.info("could not open a browser (%s); the link was shown instead", type(error).__name__)


def connect(
    ctx: ToolContext,
    *,
    announce: Callable[[str], object] = print,
    open_browser: Callable[[str], object] = webbrowser.open,
    timeout_s: float = CONNECT_TIMEOUT_S,
) -> ConnectResult:
    """Connect the acting athlete's Strava account (see the module docstring).

    ``announce`` is given the authorization URL to show; ``open_browser`` is tried with it.
    Raises :class:`ConnectError` with what to do next.
    """
    if ctx.athlete_id != ctx.actor.id:
        raise ConnectError(
            "Each athlete connects their own Strava account: ask them to run "
            "`coachg strava connect` themselves."
        )
    try:
        client_id, client_secret = client_credentials(ctx.settings)
    except ValueError as error:
        raise ConnectError(str(error)) from None
    client = make_client(ctx.settings)
    state = secrets.token_urlsafe(16)
    with CallbackServer(ctx.settings.strava_redirect_port, state) as callback:
        url = client.authorization_url(
            client_id=client_id,
            redirect_uri=callback.redirect_uri,
            scope=SCOPES,
            state=state,
            approval_prompt="auto",
        )
        announce(url)
        _open_quietly(open_browser, url)
        answer = callback.wait(timeout_s)
    if answer is None:
        raise ConnectError(
            f"No answer from Strava within {timeout_s / 60:.0f} minutes. Run "
            "`coachg strava connect` again and open the link it shows."
        )
    if "error" in answer or not answer.get("code"):
        raise ConnectError(
            "Strava access was not granted. Run `coachg strava connect` again and press "
            "Authorize on Strava's page."
        )
    granted = {s for s in answer.get("scope", "").split(",") if s}
    if not granted & {"activity:read", "activity:read_all"}:
        raise ConnectError(
            "Coach G needs to read your activities, and that permission was unticked. Run "
            "`coachg strava connect` again and leave 'View data about your activities' ticked."
        )
    try:
        info, athlete = client.exchange_code_for_token(
            client_id=client_id,
            client_secret=client_secret,
            code=answer["code"],
            return_athlete=True,
        )
    except exc.AccessUnauthorized:
        raise ConnectError(
            "Strava refused the application's credentials: check COACHG_STRAVA_CLIENT_ID and "
            "COACHG_STRAVA_CLIENT_SECRET against https://www.strava.com/settings/api."
        ) from None
    except exc.Fault as error:
        status = error.response.status_code if error.response is not None else "?"
        raise ConnectError(
            f"Strava did not accept the authorization (HTTP {status}); it may have expired. "
            "Run `coachg strava connect` again."
        ) from None
    except requests.RequestException as error:
        raise ConnectError(
            f"Could not reach Strava at {ctx.settings.strava_base_url} ({type(error).__name__}). "
            "Check the connection and run `coachg strava connect` again."
        ) from None
    athlete_id = int(athlete.id) if athlete is not None and athlete.id is not None else None
    name = " ".join(p for p in (athlete.firstname, athlete.lastname) if p) if athlete else ""
    scope = ",".join(sorted(granted))
    with ctx.session() as session:
        save_token(
            session,
            ctx.actor,
            access_token=info["access_token"],
            refresh_token=info["refresh_token"],
            expires_at=int(info["expires_at"]),
            strava_athlete_id=athlete_id,
            scope=scope,
        )
    log.info("Strava connected for user %s (Strava athlete %s)", ctx.actor.id, athlete_id)
    return ConnectResult(athlete_id, name, scope, int(info["expires_at"]))


def disconnect(ctx: ToolContext) -> DisconnectResult:
    """Forget the acting athlete's Strava tokens, after asking Strava to revoke them too.

    The tokens are deleted here even when Strava cannot be reached."""
    with ctx.session() as session:
        had = get_token(session, ctx.actor, ctx.actor.id) is not None
    if not had:
        return DisconnectResult(False, False, "Strava was not connected; nothing to forget.")
    revoked = False
    try:
        client_id, client_secret = client_credentials(ctx.settings)
        client = make_client(ctx.settings)
        keeper = TokenKeeper(ctx, client, client_id, client_secret)
        keeper.load()
        keeper.ensure_fresh()
        client.protocol.post(client.protocol.oauth_url("/oauth/deauthorize"))
        revoked = True
    except (ValueError, StravaAuthError, exc.Fault, requests.RequestException) as error:
        log.info("Strava did not confirm the revocation (%s)", type(error).__name__)
    with ctx.session() as session:
        delete_token(session, ctx.actor)
    if revoked:
        message = "Strava is disconnected: Coach G's access was revoked and its tokens deleted."
    else:
        message = (
            "Coach G's Strava tokens are deleted. Strava could not confirm the revocation; "
            "remove Coach G at https://www.strava.com/settings/apps to be sure."
        )
    return DisconnectResult(True, revoked, message)


def token_expiry_text(expires_at: int) -> str:
    """When an access token expires, as a person reads it (never the token itself)."""
    left = expires_at - time.time()
    if left <= 0:
        return "expired (it is refreshed on the next sync)"
    return f"valid for {left / 3600:.1f} more hours"
