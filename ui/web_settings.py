"""The "Settings" tab: connect Strava (your own account only), sync, disconnect; change your
password (the current one asked for: a session left open must not be enough to take over an
account).

Tokens never reach the page: the tab only says *whether* an account is connected.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

import gradio as gr

from storage.db import Database
from storage.settings import Settings
from storage.strava_tokens import get_sync_state, get_token
from storage.users import change_password
from tools.context import ToolContext
from tools.jobs.runner import runner_for
from tools.markdown import escape
from ui.web_chat import progress_line
from ui.web_format import machine_time
from ui.web_login import LoginThrottle
from ui.web_session import acting_user

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 300.0

STRAVA_SETUP = """**Strava is not set up on this machine yet.** To connect:

1. Log in to Strava and open <https://www.strava.com/settings/api>; create an API application
   (any name; *Authorization Callback Domain*: `localhost`).
2. Set the two numbers Strava shows before starting Coach G:
   `COACHG_STRAVA_CLIENT_ID=<Client ID>` and `COACHG_STRAVA_CLIENT_SECRET=<Client Secret>`
   (optionally `COACHG_STRAVA_REDIRECT_PORT`, default 8721).
3. Restart `coachg serve` and press **Connect Strava** again.

No Strava API application? Import your Strava bulk export zip (Strava > Settings > My Account >
Download or Delete Your Account) in the **Activities** tab instead."""


def strava_configured(settings: Settings) -> bool:
    """Whether a Strava API application is configured (client id and secret set)."""
    return bool(settings.strava_client_id and settings.strava_client_secret)


class SettingsHandler:
    """Handlers of the settings tab. Everything here acts on the logged-in user's own account."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        #: Wrong current passwords are throttled as wrong logins are (a session left open
        #: must not let someone guess the password behind it).
        self._password_tries = LoginThrottle()

    def _context(self, request: gr.Request) -> ToolContext:
        return ToolContext(db=self.db, actor=acting_user(self.db, request), settings=self.settings)

    def account(self, request: gr.Request) -> str:
        """Who is logged in, as Markdown."""
        actor = acting_user(self.db, request)
        return f"Logged in as **{escape(actor.name)}** ({escape(actor.role)})."

    def change_password(
        self, old: str, new: str, again: str, request: gr.Request
    ) -> tuple[str, str, str, str]:
        """Change the logged-in user's password: ``old`` must be right, ``new`` typed twice
        alike and within the account policy. The fields are emptied either way."""
        actor = acting_user(self.db, request)
        if new != again:
            return "The two new passwords differ; type the same one twice.", "", "", ""
        refusal = self._password_tries.attempt(actor.name, f"user:{actor.id}")
        if refusal is not None:
            words = f"Too many wrong current passwords: wait {refusal.wait_s} s, then try again."
            return words, "", "", ""
        try:
            with self.db.session() as session:
                change_password(session, actor, old or "", new or "")
        except ValueError as error:
            return escape(str(error)), "", "", ""
        self._password_tries.succeeded(actor.name, f"user:{actor.id}")
        log.info("%s changed their password", actor.name)
        return (
            "Your password is **changed**; use the new one next time you log in.",
            "",
            "",
            "",
        )

    def strava_status(self, request: gr.Request) -> str:
        """Whether Strava is set up and connected, and when it last synced. Never a token."""
        ctx = self._context(request)
        if not strava_configured(self.settings):
            return STRAVA_SETUP
        with ctx.session() as session:
            token = get_token(session, ctx.actor, ctx.athlete_id)
            state = get_sync_state(session, ctx.actor, ctx.athlete_id, "strava")
        if token is None:
            return "Strava is set up but your account is **not connected**: press Connect Strava."
        last = state.get("last_sync")
        line = "Your Strava account is **connected**."
        if not last:
            return f"{line} Press Sync now to fetch runs."
        return f"{line} Last sync: {escape(machine_time(str(last)))}."

    def connect(self, request: gr.Request) -> Iterator[str]:
        """Start Strava's consent flow: show its link, wait for the answer, store the tokens."""
        ctx = self._context(request)
        if not strava_configured(self.settings):
            yield STRAVA_SETUP
            return
        from tools.strava.oauth import ConnectError, connect

        urls: queue.Queue[str] = queue.Queue()
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                connect(
                    ctx,
                    announce=urls.put,
                    open_browser=lambda url: None,  # the page shows the link
                    timeout_s=CONNECT_TIMEOUT_S,
                )
                outcome["ok"] = True
            except ConnectError as error:
                outcome["message"] = str(error)
            except OSError:
                outcome["message"] = (
                    "Another Strava connection is already waiting (its local port is busy). "
                    "Finish it in the Strava tab, or wait 5 minutes and try again."
                )
            except Exception:  # the message could carry a response body: log, do not show
                log.exception("Strava connect failed")
                outcome["message"] = "Strava did not accept the connection; try again later."
            finally:
                done.set()

        threading.Thread(target=run, name="coachg-strava-connect", daemon=True).start()
        while not done.is_set():
            try:
                url = urls.get(timeout=0.5)
            except queue.Empty:
                continue
            yield (
                f"[Open Strava to allow Coach G access]({url}) - it opens in a new tab; this "
                "page updates when Strava answers (waiting up to 5 minutes)."
            )
        if outcome.get("ok"):
            yield "Your Strava account is **connected**. Press Sync now to fetch your runs."
        else:
            yield str(outcome.get("message", "Strava was not connected."))

    def sync(self, request: gr.Request) -> Iterator[str]:
        """Fetch new activities from the connected Strava account, as a job (its place in the
        user's queue and its progress shown as it goes)."""
        from tools.strava.tool import TOOL

        ctx = self._context(request)
        if not strava_configured(self.settings):
            yield STRAVA_SETUP
            return
        job = runner_for(self.db, self.settings).submit("tool", ctx, name=TOOL, args={})
        try:
            for status in job.follow():
                yield progress_line(status.fraction, status.line())
            result = job.wait()
        except Exception:
            log.exception("Strava sync failed")
            yield "The Strava sync stopped on an error; nothing was lost. Try again later."
            return
        yield result.message

    def disconnect(self, request: gr.Request) -> str:
        """Revoke Coach G's access at Strava and forget this user's tokens.

        The very function ``coachg strava disconnect`` calls
        (:func:`tools.strava.oauth.disconnect`); its message says whether Strava confirmed the
        revocation. The tokens are deleted here even when Strava cannot be reached."""
        from tools.strava.oauth import disconnect

        ctx = self._context(request)
        try:
            result = disconnect(ctx)
        except Exception:  # the message could carry a response body: log, do not show
            log.exception("Strava disconnect failed")
            return (
                "Disconnecting Strava stopped on an error; press Disconnect again. To revoke "
                "Coach G's access yourself, remove it at https://www.strava.com/settings/apps."
            )
        return result.message
