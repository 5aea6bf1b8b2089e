"""Every address the web server answers, each reviewed: the allow-list the web guard
(:mod:`ui.web_guard`) checks each request against, and what each may carry.

Deny by default: a route that is not here (one a Gradio upgrade adds, Gradio's monitoring,
proxy, streaming, component-server and editing routes, the API docs) answers 404 to everyone
until it has been reviewed and added. Written against Gradio 6.31 (``gradio/routes.py``).

Each rule says what in the request names something that must be this login's own: a page
session (``session_hash``: in the path, the query or the JSON body), an event (``event_id``:
in the path, the query or the body), an upload's progress id (``upload_id``) or a file
(``/gradio_api/file=``), and what its body must be: JSON (a JSON object under a JSON content
type: ``application/json`` or any ``+json``, any case, any parameters), a multipart upload,
or a login form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Body(Enum):
    """What a request's body must be."""

    NONE = "none"  # not read by the guard (GET, HEAD, the logout link)
    JSON = "json"  # a JSON object, read and checked by the guard
    MULTIPART = "multipart"  # a file upload (Gradio's multipart parser reads it)
    FORM = "form"  # the login and sign-up forms
    REPORT = "report"  # a browser's report of what the Content-Security-Policy blocked


@dataclass(frozen=True)
class Rule:
    """One reviewed route: its methods and path (a full-match regular expression), whether a
    visitor who is not logged in may use it, what its body must be, and which named path
    part (``session`` or ``event``) names something of the login's own."""

    methods: frozenset[str]
    path: re.Pattern[str]
    public: bool = False
    body: Body = Body.NONE
    names: str = ""  # "session" or "event": the path group that names one
    file: bool = False  # the path names a file to download
    notes_owner: bool = False  # its answer gives the login an event id or uploaded files
    #: Checked by the route itself with a personal access token (``Authorization: Bearer``,
    #: :mod:`ui.web_api`), not by the login cookie; the guard passes on who is logged in.
    bearer: bool = False
    #: The route's name in the metrics (its pattern when empty).
    name: str = ""

    @property
    def label(self) -> str:
        """The route as the metrics name it: a few values, never a user's id or file."""
        return self.name or self.path.pattern


API = "/gradio_api"
GET = frozenset({"GET", "HEAD"})
POST = frozenset({"POST"})


def _rule(methods: frozenset[str], path: str, **kwargs: object) -> Rule:
    return Rule(methods, re.compile(path), **kwargs)  # type: ignore[arg-type]


RULES: tuple[Rule, ...] = (
    # The page and its static files: no data in them.
    _rule(GET, r"/", public=True),
    _rule(POST, r"/login/?", public=True, body=Body.FORM),
    _rule(GET, r"/logout", public=True),
    _rule(GET | POST, r"/signup", public=True, body=Body.FORM),
    _rule(GET, r"/(favicon\.ico|theme\.css|manifest\.json|robots\.txt)", public=True),
    _rule(GET, r"/pwa_icon(/\d+)?", public=True),
    _rule(GET, r"/(assets|static|svelte)/.+", public=True),
    # What the Content-Security-Policy blocked, as the browser reports it (the guard logs it).
    _rule(POST, r"/csp-report", public=True, body=Body.REPORT),
    # The logged-in page: its configuration, theme and API description (public endpoints).
    _rule(GET, r"/config/?"),
    _rule(GET, rf"{API}/theme\.css"),
    _rule(GET, rf"{API}/info/?"),
    # The queue: a page session's heartbeat, its calls and their events.
    _rule(GET, rf"{API}/heartbeat/(?P<session>[^/]+)", names="session"),
    _rule(POST, rf"{API}/queue/join", body=Body.JSON, notes_owner=True),
    _rule(GET, rf"{API}/queue/data"),
    _rule(POST, rf"{API}/cancel", body=Body.JSON),
    _rule(POST, rf"{API}/reset/?", body=Body.JSON),  # a no-op in Gradio 6
    # The API by name (``api_name="chat"``, ``"import"``): a call, then its events.
    _rule(POST, rf"{API}/call/(v2/)?[^/]+/?", body=Body.JSON, notes_owner=True),
    _rule(GET, rf"{API}/call/(v2/)?[^/]+/(?P<event>[^/]+)", names="event"),
    # Files: uploads, their progress, and downloads of this login's own files.
    _rule(POST, rf"{API}/upload", body=Body.MULTIPART, notes_owner=True),
    _rule(GET, rf"{API}/upload_progress"),
    _rule(GET, rf"{API}/file[=/].*", file=True),
    # The REST API (ui/web_api.py): each call carries a personal access token, checked there
    # (401 without one, 403 past its scopes or for someone else's athlete); its description
    # for a token or a login. The bodies are read and validated by the API itself.
    _rule(GET, r"/api/v1/openapi\.json", bearer=True, name="/api/v1/openapi.json"),
    _rule(GET, r"/api/v1/activities/?", bearer=True, name="/api/v1/activities"),
    _rule(POST, r"/api/v1/ask/?", bearer=True, name="/api/v1/ask"),
    _rule(POST, r"/api/v1/videos/?", bearer=True, name="/api/v1/videos"),
    _rule(GET, r"/api/v1/jobs/[^/]+", bearer=True, name="/api/v1/jobs/{id}"),
    _rule(GET, r"/api/v1/load/?", bearer=True, name="/api/v1/load"),
    _rule(GET, r"/api/v1/changes/[^/]+", bearer=True, name="/api/v1/changes/{metric}"),
    _rule(GET | POST, r"/api/v1/strength/?", bearer=True, name="/api/v1/strength"),
    _rule(GET, r"/api/v1/strength/history/?", bearer=True, name="/api/v1/strength/history"),
    # Prometheus metrics (ui/web_metrics.py): from loopback, or with a metrics-scope token.
    _rule(GET, r"/metrics", bearer=True, name="/metrics"),
)

#: Query parameters that name something the login must own, and what they name.
QUERY_NAMES = {"session_hash": "session", "event_id": "event", "upload_id": "upload"}
#: JSON body fields that name something the login must own, and what they name.
BODY_NAMES = {"session_hash": "session", "event_id": "event"}


def rule_for(method: str, path: str) -> tuple[Rule, dict[str, str]] | None:
    """The reviewed rule that allows ``method`` on ``path`` and the path's named parts, or None
    (refused: not on the allow-list)."""
    for rule in RULES:
        if method in rule.methods:
            match = rule.path.fullmatch(path)
            if match:
                return rule, {k: v for k, v in match.groupdict().items() if v is not None}
    return None


def is_json_type(content_type: str) -> bool:
    """Whether a ``Content-Type`` is of the JSON family: ``application/json`` or
    ``application/<anything>+json``, in any case, with any parameters (as FastAPI reads a
    body as JSON)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    main, _, sub = kind.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def is_multipart(content_type: str) -> bool:
    """Whether a ``Content-Type`` is a multipart form (a file upload)."""
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"


def is_form(content_type: str) -> bool:
    """Whether a ``Content-Type`` is an HTML form's (the login and sign-up pages post these)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")
