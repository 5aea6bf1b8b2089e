"""The headers every answer of the web server carries, and the only origin it talks to.

- **Own origin only**: Gradio lets pages of other origins read answers with the user's cookies
  (any ``http://localhost:*`` page when Coach G runs on localhost; any origin at all when it
  runs under another name). The web guard refuses a request whose ``Origin`` is not the
  server's own, and no answer carries ``Access-Control-Allow-*`` headers.
- **Content-Security-Policy**: scripts, styles, images, media, fonts and connections from this
  server only (Gradio's page needs inline scripts and styles: its configuration and theme are
  inline; images and media may be ``data:`` or ``blob:`` made by the page itself; the route
  map's tiles come from OpenStreetMap's tile server, :data:`ui.trends_figures.OSM_TILES`, and
  its drawing runs in a ``blob:`` worker); no plugins, no ``<base>`` elsewhere, forms post only
  here, and no page of another origin may frame it. A browser reports what the policy blocked
  to :data:`CSP_REPORTS`, and the web guard logs it.
- **X-Frame-Options: DENY** (for browsers without ``frame-ancestors``), ``nosniff``, no
  referrer sent elsewhere, no page of another origin may embed an answer (an image, a video:
  ``Cross-Origin-Resource-Policy``) or keep a handle on the app's window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from ui.trends_figures import OSM_TILES

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]

#: Where browsers post what the Content-Security-Policy blocked (logged by the web guard).
CSP_REPORTS = "/csp-report"
_TILES = "{0.scheme}://{0.netloc}".format(urlsplit(OSM_TILES))
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {_TILES}",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        f"connect-src 'self' {_TILES}",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        f"report-uri {CSP_REPORTS}",
    )
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_SET = {name for name, _ in HEADERS}


def with_security_headers(send: Send) -> Send:
    """A ``send`` that gives every answer :data:`HEADERS` and no CORS permission."""

    async def secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [
                (name, value)
                for name, value in message.get("headers") or []
                if name.lower() not in _SET and not name.lower().startswith(b"access-control-")
            ]
            message = {**message, "headers": [*kept, *HEADERS]}
        await send(message)

    return secured


_DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(origin: str, host: str) -> bool:
    """Whether a request's ``Origin`` header names this server (its ``Host`` header): the
    same host name and port. ``null`` and anything unreadable are other origins."""
    try:
        seen = urlsplit(origin)
        here = urlsplit(f"//{host}")
        default = _DEFAULT_PORTS.get(seen.scheme.lower())
        if default is None or not seen.hostname or not here.hostname:
            return False
        return seen.hostname == here.hostname and (seen.port or default) == (here.port or default)
    except ValueError:
        return False
