"""``/signup``: a small page to create an athlete or coach account, so a fresh install is usable.

Gradio's own login page has no "create account", so this plain form sits beside it; the login
page links here. Passwords are stored as salted scrypt hashes (:func:`storage.users.create_user`).
A coach account sees no one until an athlete is linked to it (``coachg users link``).

Sign-up is throttled per client address (:class:`SignupThrottle`, ``COACHG_SIGNUP_LIMIT``
accounts per ``COACHG_SIGNUP_WINDOW_MINUTES``): one address cannot create accounts by the
dozen (each account gets its own share of the job workers). A refused sign-up is answered
429 with ``Retry-After`` and the wait in words, as a throttled login is.
"""

from __future__ import annotations

import html
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlparse

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError

from storage.account_policy import MIN_PASSWORD, NAME_PATTERN, account_problem
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user

__all__ = ["MIN_PASSWORD", "NAME_PATTERN", "SignupThrottle", "problem_with", "signup_router"]

#: The look of Coach G's own small pages (sign-up, login), with no fetch from elsewhere.
STYLE = """body { font-family: ui-sans-serif, system-ui, sans-serif; background: #f4f4f5;
  margin: 0; }
main { max-width: 380px; margin: 8vh auto; background: #fff; padding: 28px 32px;
  border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.4rem; margin: 0 0 4px; }
p.hint { color: #52525b; margin: 0 0 18px; font-size: .92rem; }
label { display: block; margin: 12px 0 4px; font-weight: 600; font-size: .92rem; }
input, select { width: 100%; box-sizing: border-box; padding: 8px 10px; font-size: 1rem;
  border: 1px solid #d4d4d8; border-radius: 6px; }
button { margin-top: 20px; width: 100%; padding: 10px; font-size: 1rem; border: 0;
  border-radius: 6px; background: #ea580c; color: #fff; font-weight: 600; cursor: pointer; }
.error { background: #fef2f2; color: #991b1b; padding: 8px 10px; border-radius: 6px; }
.ok { background: #f0fdf4; color: #166534; padding: 8px 10px; border-radius: 6px; }
a { color: #c2410c; }
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Coach G - create an account</title>
<style>
{style}</style></head>
<body><main>
<h1>Create a Coach G account</h1>
<p class="hint">Your data stays on this machine. Already have an account? <a href="/">Log in</a>.
</p>
{body}
</main></body></html>"""

_FORM = """{message}
<form method="post" action="/signup">
<label for="name">User name</label>
<input id="name" name="name" value="{name}" autocomplete="username" required
  placeholder="e.g. ann" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{{1,39}}">
<label for="password">Password (at least {min_password} characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<label for="confirm">Password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>
<label for="role">I am</label>
<select id="role" name="role">
<option value="athlete"{athlete_selected}>an athlete (I analyse my own running)</option>
<option value="coach"{coach_selected}>a coach (athletes link me to their data)</option>
</select>
<button type="submit">Create account</button>
</form>"""


def _form(message: str = "", name: str = "", role: str = "athlete") -> str:
    box = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return _PAGE.format(
        style=STYLE,
        body=_FORM.format(
            message=box,
            name=html.escape(name),
            min_password=MIN_PASSWORD,
            athlete_selected="" if role == "coach" else " selected",
            coach_selected=" selected" if role == "coach" else "",
        ),
    )


def problem_with(name: str, password: str, confirm: str, role: str) -> str:
    """What is wrong with a sign-up, in words that say what to do; "" when nothing is.
    The name and password follow the one policy of :mod:`storage.account_policy`, with its
    reserved names refused."""
    problem = account_problem(name, password, signing_up=True)
    if problem:
        return problem
    if password != confirm:
        return "The two passwords differ; type the same password twice."
    if role not in ("athlete", "coach"):
        return "Choose athlete or coach."
    return ""


class SignupThrottle:
    """Accounts created per client address in a sliding window, in memory."""

    MAX_ADDRESSES = 50_000

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._made: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> SignupThrottle:
        return cls(settings.signup_limit, settings.signup_window_minutes * 60.0)

    def reserve(self, address: str) -> int:
        """0 when ``address`` may create one more account now (the try is counted at once,
        so parallel sign-ups are counted too), else the seconds until it may."""
        now = self._clock()
        with self._lock:
            made = self._made.setdefault(address, deque())
            while made and now - made[0] >= self.window_s:
                made.popleft()
            if len(made) >= self.limit:
                return max(1, math.ceil(made[0] + self.window_s - now))
            made.append(now)
            if len(self._made) > self.MAX_ADDRESSES:
                self._forget(now)
        return 0

    def release(self, address: str) -> None:
        """The reserved sign-up created no account (the name was taken): not counted."""
        with self._lock:
            made = self._made.get(address)
            if made:
                made.pop()

    def _forget(self, now: float) -> None:
        for address in [
            a for a, made in self._made.items() if not made or now - made[-1] >= self.window_s
        ]:
            del self._made[address]


def too_many_signups(wait_s: int) -> str:
    """The words for a refused sign-up."""
    minutes = max(1, math.ceil(wait_s / 60))
    return (
        "Too many accounts were created from your address recently: wait about "
        f"{minutes} minute{'s' if minutes != 1 else ''} ({wait_s} s), then try again."
    )


def _same_origin(request: Request) -> bool:
    """A form posted from another site (cross-site request forgery) carries its own Origin."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    return urlparse(origin).netloc == request.headers.get("host", "")


def signup_router(db: Database, throttle: SignupThrottle | None = None) -> APIRouter:
    """The ``/signup`` routes: the form (GET) and account creation (POST), throttled per
    client address (``throttle``, by default from ``COACHG_SIGNUP_*``)."""
    router = APIRouter()
    throttle = throttle or SignupThrottle.from_settings(Settings.from_env())

    @router.get("/signup", response_class=HTMLResponse)
    async def signup_form() -> HTMLResponse:
        return HTMLResponse(_form())

    @router.post("/signup", response_class=HTMLResponse)
    async def signup(
        request: Request,
        name: str = Form(""),
        password: str = Form(""),
        confirm: str = Form(""),
        role: str = Form("athlete"),
    ) -> HTMLResponse:
        if not _same_origin(request):
            return HTMLResponse(_form("Open this page from Coach G itself."), status_code=403)
        name = name.strip().lower()
        problem = problem_with(name, password, confirm, role)
        if problem:
            return HTMLResponse(_form(problem, name, role), status_code=400)

        # The socket's address, or a trusted proxy's X-Forwarded-For (see ui.web.serve).
        address = request.client.host if request.client else "unknown"
        wait_s = throttle.reserve(address)
        if wait_s:
            return HTMLResponse(
                _form(too_many_signups(wait_s), name, role),
                status_code=429,
                headers={"Retry-After": str(wait_s)},
            )

        def create() -> str:
            try:
                with db.session() as session:
                    create_user(session, name, role=role, password=password)
            except (ValueError, IntegrityError):  # IntegrityError: taken at the same moment
                return f"The name {name!r} is taken; choose another."
            return ""

        problem = await anyio.to_thread.run_sync(create)
        if problem:
            throttle.release(address)
            return HTMLResponse(_form(problem, "", role), status_code=409)
        done = (
            f'<p class="ok" role="status">Account <b>{html.escape(name)}</b> created '
            f"({html.escape(role)}).</p>"
            '<p><a href="/" id="to-login">Log in now</a></p>'
        )
        return HTMLResponse(_PAGE.format(style=STYLE, body=done))

    return router
