"""Who calls the REST API: a personal access token (``Authorization: Bearer cg_...``,
:mod:`storage.api_tokens`), its user and its scopes; and the API's errors, each JSON with
words that say what to do.

A token is never logged: a refused one is logged by its user (when known), never by its text,
and the log handlers mask anything of its form anyway (:mod:`storage.logging_setup`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from storage.access import DENIED, AccessDenied
from storage.api_tokens import authenticate, scopes_of
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import get_user
from tools.context import ToolContext
from ui.web_guard import LOGIN_KEY

log = logging.getLogger(__name__)

NO_TOKEN = (
    "This address needs a personal access token with the {scope} scope. Make one with "
    "`coachg token create --user NAME --scope {scope}` (or on the Settings tab) and send it as "
    "the header `Authorization: Bearer <token>`."
)
BAD_TOKEN = (
    "This token is not valid: it was revoked, or mistyped. Check it, or make a new one "
    "(`coachg token create`)."
)
SCOPE_WORDS = {
    "read": "read (GET)",
    "write": "write (POST: a chat turn, a video, a strength log)",
    "metrics": "read the metrics",
}


class ApiError(Exception):
    """An answer other than 2xx: its status, what went wrong in words, and a short code."""

    def __init__(
        self, status: int, detail: str, code: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            413: "too_large",
            415: "unsupported_type",
            422: "unprocessable",
        }.get(status, "error")
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"error": self.code, "detail": self.detail}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


@dataclass(frozen=True)
class Caller:
    """Whoever a request's token is: the user, the token's id and what it may do."""

    user: User
    token_id: int
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        """Raise a 403 unless the token has ``scope``."""
        if scope not in self.scopes:
            raise ApiError(
                403,
                f"This token may not {SCOPE_WORDS.get(scope, scope)}. Make one with "
                f"`coachg token create --user {self.user.name} --scope {scope}`.",
                code="insufficient_scope",
            )


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    header = request.headers.get("authorization", "")
    kind, _, value = header.strip().partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_caller(db: Database, request: Request) -> Caller | None:
    """The caller a request's token is, or None when it sends none; a 401 for a bad one."""
    secret = bearer_token(request)
    if secret is None:
        return None
    with db.session() as session:
        found = authenticate(session, secret)
        if found is None:
            log.warning("a request to %s came with an invalid token", request.url.path)
            raise ApiError(401, BAD_TOKEN, code="invalid_token", headers=_challenge("invalid"))
        user, token = found
        return Caller(user=user, token_id=token.id, scopes=frozenset(scopes_of(token)))


def caller(db: Database, request: Request, scope: str) -> Caller:
    """The caller of a request that must carry a token with ``scope``: 401 without a token
    or with a bad one, 403 past its scopes."""
    found = token_caller(db, request)
    if found is None:
        raise ApiError(401, NO_TOKEN.format(scope=scope), headers=_challenge())
    found.require(scope)
    return found


def logged_in(db: Database, request: Request) -> User | None:
    """The user logged in on the web page that sent this request (the guard says), or None."""
    name = request.scope.get(LOGIN_KEY)
    if not name:
        return None
    with db.session() as session:
        return get_user(session, name)


def context_for(db: Database, settings: Settings, who: Caller, athlete: str | None) -> ToolContext:
    """The tool context of ``athlete`` (a name; the caller's own data when None), refused
    with a 403 that names no one when the caller may not see them (or they do not exist)."""
    athlete_id = who.user.id
    if athlete:
        with db.session() as session:
            target = get_user(session, athlete.strip().lower())
        if target is None:
            raise ApiError(403, DENIED)
        athlete_id = target.id
    try:
        return ToolContext(db=db, actor=who.user, settings=settings, athlete_id=athlete_id)
    except AccessDenied as error:
        raise ApiError(403, str(error)) from error


def _challenge(error: str = "") -> dict[str, str]:
    value = 'Bearer realm="coachg"' + (f', error="{error}_token"' if error else "")
    return {"WWW-Authenticate": value}
