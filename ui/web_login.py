"""Logging in: Coach G's login page, and the throttle that slows down password guessing.

Gradio checks the password (``POST /login``, our ``auth=`` callable) and sets its login cookie;
its own login form cannot say why a login was refused, so Coach G shows this small page instead
(at ``/`` until someone is logged in). It posts to the same ``/login`` and shows what the server
answered: a wrong name or password, or how long to wait.

:class:`LoginThrottle` counts failed logins per user name and per client address (in memory).
A few failures are free; after that each further try must wait, doubling from 1 s up to a
limit, so 400 guesses take hours instead of 30 seconds. The wait is shown to the person
trying. A successful login clears its name's count.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ui.web_signup import STYLE

#: Failed logins that cost nothing, per user name and per client address (an address may be
#: shared by a household or an office, so it gets more).
FREE_PER_NAME = 5
FREE_PER_ADDRESS = 20
FIRST_WAIT_S = 1.0
#: The longest wait: short for a name (someone guessing must not lock its owner out for
#: long), longer for one address trying many names.
MAX_WAIT_PER_NAME_S = 60.0
MAX_WAIT_PER_ADDRESS_S = 300.0
#: A count is forgotten this long after its last failure.
FORGET_AFTER_S = 900.0
MAX_ENTRIES = 50_000


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0
    next_try: float = 0.0


@dataclass(frozen=True)
class Refusal:
    """Why a login may not be tried now, and for how many more seconds."""

    wait_s: int
    by: str  # "name" or "address"

    @property
    def message(self) -> str:
        who = "for this user name" if self.by == "name" else "from your address"
        return (
            f"Too many failed logins {who}: wait {self.wait_s} s, then try again. "
            "(Each further wrong password makes the wait longer.)"
        )


class LoginThrottle:
    """Failed logins counted per user name and per client address, in memory."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, str], _Count] = {}
        self._lock = threading.Lock()

    def attempt(self, name: str, address: str) -> Refusal | None:
        """None if ``name`` may try to log in from ``address`` now, else the :class:`Refusal`.

        An allowed try counts as a failure at once (so a burst of parallel guesses is slowed
        too) until :meth:`succeeded` says it was right.
        """
        now = self._clock()
        keys = (("name", name.strip().lower()), ("address", address))
        with self._lock:
            counts = [self._count(key, now) for key in keys]
            wait, by = max(
                (count.next_try - now, kind) for (kind, _), count in zip(keys, counts, strict=True)
            )
            if wait > 0:
                return Refusal(math.ceil(wait), by)
            for (kind, _), count in zip(keys, counts, strict=True):
                count.failures += 1
                count.last = now
                count.next_try = now + self._wait(kind, count.failures)
            self._trim(now)
        return None

    def succeeded(self, name: str, address: str) -> None:
        """The try was right: the name's count is cleared, the address's try not counted."""
        with self._lock:
            self._counts.pop(("name", name.strip().lower()), None)
            count = self._counts.get(("address", address))
            if count is not None and count.failures > 0:
                count.failures -= 1
                count.next_try = count.last + self._wait("address", count.failures)

    def _count(self, key: tuple[str, str], now: float) -> _Count:
        count = self._counts.get(key)
        if count is None or now - count.last > FORGET_AFTER_S:
            count = self._counts[key] = _Count()
        return count

    @staticmethod
    def _wait(kind: str, failures: int) -> float:
        free = FREE_PER_NAME if kind == "name" else FREE_PER_ADDRESS
        most = MAX_WAIT_PER_NAME_S if kind == "name" else MAX_WAIT_PER_ADDRESS_S
        if failures < free:
            return 0.0
        return min(FIRST_WAIT_S * 2 ** (failures - free), most)

    def _trim(self, now: float) -> None:
        if len(self._counts) <= MAX_ENTRIES:
            return
        for key in [k for k, c in self._counts.items() if now - c.last > FORGET_AFTER_S]:
            del self._counts[key]
        if len(self._counts) > MAX_ENTRIES:  # still too many: forget the oldest half
            oldest = sorted(self._counts, key=lambda k: self._counts[k].last)
            for key in oldest[: len(oldest) // 2]:
                del self._counts[key]


WRONG = "Wrong user name or password."

_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Coach G - log in</title>
<style>
{style}</style></head>
<body><main>
<h1>Log in to Coach G</h1>
<p class="hint">Your data stays on this machine.{signup}</p>
<p id="login-message" class="error" role="alert" hidden></p>
<form id="login-form" method="post" action="/login">
<label for="name">User name</label>
<input id="name" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
<script>
const form = document.getElementById("login-form");
const shown = document.getElementById("login-message");
form.addEventListener("submit", async (event) => {{
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  let answer;
  try {{
    const body = new URLSearchParams(new FormData(form));
    answer = await fetch("/login", {{method: "POST", body: body}});
  }} catch (error) {{
    answer = null;
  }}
  button.disabled = false;
  if (answer && answer.ok) {{ window.location.replace("/"); return; }}
  let text = "Coach G did not answer; is it still running? Try again.";
  if (answer && answer.status === 400) text = {wrong};
  else if (answer) {{
    try {{ text = (await answer.json()).detail || text; }} catch (error) {{}}
  }}
  shown.textContent = text;
  shown.hidden = false;
  document.getElementById("password").value = "";
}});
</script>
</main></body></html>"""

_SIGNUP = ' No account yet? <a href="/signup" id="signup-link">Create one</a>.'


def login_page(allow_signup: bool) -> str:
    """Coach G's login page (HTML); it links to the sign-up form when sign-up is allowed."""
    return _LOGIN_PAGE.format(
        style=STYLE,
        signup=_SIGNUP if allow_signup else "",
        wrong=json.dumps(WRONG),
    )
