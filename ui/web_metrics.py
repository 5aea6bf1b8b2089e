"""The web server's metrics: every request counted and timed by its route (an ASGI middleware
in front of everything, the guard included, so refusals count too), and ``GET /metrics`` in
Prometheus' text format (:mod:`storage.monitoring`).

``/metrics`` answers a scraper on this machine (loopback, with no proxy header: a request a
proxy forwards is not taken as local), and anyone else only with a personal access token that
has the ``metrics`` scope.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response

from storage.db import Database
from storage.monitoring import CONTENT_TYPE, ERRORS, HTTP_LATENCY, HTTP_REQUESTS, exposition
from ui.web_api_auth import ApiError, caller
from ui.web_guard import ASGIApp, Message, Receive, Scope, Send
from ui.web_routes import rule_for

LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: Headers a proxy adds: a request carrying one is not taken as this machine's own.
PROXY_HEADERS = (b"forwarded", b"x-forwarded-for", b"x-real-ip")
#: The route label of a request to an address not on the allow-list (refused).
UNLISTED = "unlisted"


def route_label(method: str, path: str) -> str:
    """The route a request is counted under: its reviewed rule's name (ui/web_routes.py),
    so labels take a few values, never an id or a file name."""
    found = rule_for(method, path) or rule_for("GET", path)
    return found[0].label if found is not None else UNLISTED


class RequestMetrics:
    """ASGI middleware: counts each HTTP request by route, method and status, and times it to
    the last byte of its answer; a 5xx (or a request that raised) counts as an error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in ("GET", "HEAD", "POST") else "other"
        route = route_label(scope["method"], scope["path"])
        started = time.perf_counter()
        status = 500
        counted = False

        def count() -> None:
            nonlocal counted
            if counted:
                return
            counted = True
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)
            if status >= 500:
                ERRORS.labels("http").inc()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                count()

        try:
            await self.app(scope, receive, watch)
        finally:
            count()  # a request that raised, or a stream the client left


def is_local(request: Request) -> bool:
    """Whether the request comes from this machine itself, not through a proxy."""
    host = request.client.host if request.client else ""
    if host not in LOOPBACK and not host.startswith("127."):
        return False
    return not any(name in PROXY_HEADERS for name, _ in request.scope.get("headers") or [])


def metrics_router(db: Database) -> APIRouter:
    """``GET /metrics``."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if not is_local(request):
            try:
                caller(db, request, "metrics")
            except ApiError as error:
                return error.response()
        return Response(exposition(), media_type=CONTENT_TYPE)

    return router
