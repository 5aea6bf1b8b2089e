"""Which login each page session, event and upload progress id belongs to, as the web guard
(:mod:`ui.web_guard`) remembers them while the server runs (Gradio forgets them on a restart
too). Who owns each uploaded or published *file* is kept in the database instead
(:mod:`storage.uploads`), so it outlives a restart.

Bounded per login, not for everyone together: a login that names ever more new sessions forgets
only its own oldest, so no one can push another login's sessions out of memory and then claim
them as new.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

#: How many ids of each kind one login keeps (its oldest are forgotten beyond this).
PER_LOGIN = 10_000


class Owners:
    """Ids (of one kind) and the login each belongs to: the first login to use or get one."""

    def __init__(self, per_login: int = PER_LOGIN) -> None:
        self._owner: dict[str, str] = {}
        self._of: dict[str, OrderedDict[str, None]] = {}
        self._per_login = per_login
        self._lock = threading.Lock()

    def owner(self, key: str) -> str | None:
        """The login ``key`` belongs to, or None when it is unknown."""
        return self._owner.get(key)

    def claim(self, key: str, user: str) -> bool:
        """Whether ``key`` is ``user``'s: an unknown one becomes theirs."""
        with self._lock:
            owner = self._owner.get(key)
            if owner is None:
                self._add(key, user)
                return True
            if owner == user:
                self._of[user].move_to_end(key)
            return owner == user

    def add(self, key: str, user: str) -> None:
        """Note ``key`` as ``user``'s (the server gave it to them); one already another
        login's stays theirs."""
        with self._lock:
            if self._owner.get(key) in (None, user):
                self._add(key, user)

    def _add(self, key: str, user: str) -> None:
        self._owner[key] = user
        mine = self._of.setdefault(user, OrderedDict())
        mine[key] = None
        mine.move_to_end(key)
        while len(mine) > self._per_login:
            oldest, _ = mine.popitem(last=False)
            del self._owner[oldest]

    def __len__(self) -> int:
        return len(self._owner)
