"""The REST API under ``/api/v1``, beside the web app, for scripts and a phone app.

Each call carries a personal access token (``Authorization: Bearer cg_...``, made with
``coachg token create`` or on the Settings tab; :mod:`ui.web_api_auth`) and acts as its user
under the chat's access rules (:mod:`storage.access`): one's own data, and for a coach their
linked athletes' (``athlete=NAME``). GET needs the ``read`` scope, POST the ``write`` scope.

Every answer is computed by the same tool functions the chat and the commands call (through
:func:`tools.registry.get_tool`, so their arguments are checked by the same schema); a result
comes as the tool's whole result (``to_dict``) with the reply the chat would give. Errors are
JSON ``{"error": code, "detail": words}``: 401 without a valid token, 403 past its scopes or
for someone else's athlete, 404 for what does not exist (or is another user's job), 413 past a
size limit or the storage quota, 422 for arguments a tool cannot use, with what to do.

The description (OpenAPI 3) is at ``/api/v1/openapi.json``, for a valid token or a login.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from storage.db import Database
from storage.monitoring import chat_turn
from storage.settings import Settings
from tools.context import ToolContext
from tools.jobs.runner import runner_for
from tools.reply import standard_reply
from tools.result import ToolResult
from tools.spec import ToolCallError
from ui.web_api_auth import (
    ApiError,
    Caller,
    caller,
    context_for,
    logged_in,
    token_caller,
)
from ui.web_api_jobs import ApiJobs
from ui.web_files import keep_upload, safe_name
from ui.web_import import discard, file_limit, upload_problem

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
#: Chat turns run at once through the API (as many as the web chat's, ``ui.web``); more wait
#: their turn, holding no database connection, instead of all slowing down together.
CONCURRENT_TURNS = 16
VIDEO_TOOL = "analyze_run_video"
CHUNK = 1024 * 1024
DESCRIPTION = (
    "Coach G's REST API. Send a personal access token as `Authorization: Bearer <token>` "
    "(make one with `coachg token create --user NAME --scope read|write` or on the Settings "
    "tab). A coach adds `athlete=NAME` to reach a linked athlete. Numbers come from the same "
    "tools as the chat's, with their confidence and caveats."
)
ATHLETE = "a coach's linked athlete (their user name); yourself when left out"
SERVER_ERROR = (
    "Something went wrong on the server. Try again; if it keeps failing, tell whoever runs "
    "Coach G (the server's log says what happened)."
)


class AskBody(BaseModel):
    """One chat message."""

    message: str = Field(min_length=1, max_length=4000, description="what you would type")
    athlete: str | None = Field(default=None, description=ATHLETE)


class StrengthBody(BaseModel):
    """A strength session, written as you would say it."""

    workout: str = Field(
        min_length=1,
        max_length=2000,
        description='what you did, e.g. "3x8 squats at 60 kg, 3x10 calf raises", or a '
        "saved routine's name",
    )
    day: str | None = Field(default=None, description="the day trained, YYYY-MM-DD")
    athlete: str | None = Field(default=None, description=ATHLETE)


def make_api(db: Database, settings: Settings, coach: Callable[[], Any]) -> FastAPI:
    """The API as an app to mount at :data:`PREFIX`. ``coach()`` gives the agent the chat uses
    (built on first use)."""
    api = FastAPI(
        title="Coach G REST API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, to a token or a login only
        servers=[{"url": PREFIX}],
    )
    jobs = ApiJobs(lambda: runner_for(db, settings))
    turns = threading.BoundedSemaphore(CONCURRENT_TURNS)

    @api.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @api.exception_handler(Exception)
    async def failed(_request: Request, _error: Exception) -> JSONResponse:
        # The server logs the error itself (the exception goes on to it).
        return ApiError(500, SERVER_ERROR, code="internal").response()

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
            for e in error.errors()
        )
        detail = f"Check what you sent: {problems}. The description is at {PREFIX}/openapi.json."
        return ApiError(422, detail).response()

    def who(request: Request, scope: str) -> Caller:
        return caller(db, request, scope)

    def context(request: Request, scope: str, athlete: str | None) -> ToolContext:
        return context_for(db, settings, who(request, scope), athlete)

    @api.get("/openapi.json", include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        if logged_in(db, request) is None and token_caller(db, request) is None:
            raise ApiError(401, "Log in on Coach G's page, or send a personal access token.")
        return JSONResponse(api.openapi())

    @api.get("/activities", summary="Your activities (or a linked athlete's), newest first")
    def activities(
        request: Request,
        since: Annotated[str | None, Query(description="first day, YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(description="last day, YYYY-MM-DD")] = None,
        sport: Annotated[str | None, Query(description="run, ride, swim, walk, hike")] = None,
        limit: Annotated[
            int | None, Query(ge=1, le=1000, description="how many (default: the newest 20)")
        ] = None,
        athlete: Annotated[str | None, Query(description=ATHLETE)] = None,
    ) -> dict[str, Any]:
        """``{"activities": [...], "result": ...}``: each activity's id, start, sport,
        name, distance, time, pace, heart rate and cadence; the totals are in ``result``."""
        ctx = context(request, "read", athlete)
        args = {"since": since, "until": until, "sport": sport, "limit": limit}
        result = _call("list_activities", ctx, args)
        return {"activities": result.data.get("rows", [])} | _shown("list_activities", result)

    @api.post("/ask", summary="One chat turn (the JSON of `coachg ask --json`)")
    def ask(request: Request, body: AskBody) -> dict[str, Any]:
        """The reply, the tool calls, their results and facts, the confidence, and a pending
        question (a write waits for a "yes": send ``{"message": "yes"}``)."""
        ctx = context(request, "write", body.athlete)
        with turns:
            started = time.perf_counter()
            ok = False
            try:
                reply = coach().turn(ctx.actor, body.message, [], ctx.athlete_id)
                ok = True
            finally:
                chat_turn("api", time.perf_counter() - started, ok)
        return reply.to_dict()

    @api.post(
        "/videos",
        status_code=202,
        summary="Start the analysis of a run video (a job; follow it at /jobs/{id})",
    )
    def videos(
        request: Request,
        file: Annotated[UploadFile, File(description="a side or rear video, 10-30 s")],
        view: Annotated[str | None, Form(description='"side" or "rear"')] = None,
        height_cm: Annotated[float | None, Form(description="the runner's height")] = None,
        fps: Annotated[float | None, Form(description="a slow-motion clip's real rate")] = None,
        athlete: Annotated[str | None, Form(description=ATHLETE)] = None,
    ) -> dict[str, Any]:
        """Counted against the athlete's storage quota like any upload; ``{"job": {...}}``."""
        ctx = context(request, "write", athlete)
        from tools.registry import get_tool

        spec = get_tool(VIDEO_TOOL)
        name = safe_name(Path(file.filename or "video.mp4").name)
        if not spec.accepts(name):
            kinds = ", ".join(sorted(spec.file_types))
            raise ApiError(415, f"{name} is not a video this takes; send one of {kinds}.")
        kept = keep_api_upload(file, name, ctx, settings)
        args = {"video_path": str(kept), "view": view, "height_cm": height_cm, "fps": fps}
        try:
            checked = spec.validate(args)
        except ToolCallError as error:
            discard([str(kept)])
            raise ApiError(422, str(error)) from error
        job = runner_for(db, settings).submit("tool", ctx, name=VIDEO_TOOL, args=checked)
        shown = jobs.add(job, ctx.actor.id, VIDEO_TOOL)
        return {"job": shown | {"url": f"{PREFIX}/jobs/{job.request.id}"}}

    @api.get("/jobs/{job_id}", summary="A job you started: its state, progress and result")
    def job(request: Request, job_id: str) -> dict[str, Any]:
        """``state`` is queued, running, done or failed; ``result`` comes once done."""
        found = jobs.of(job_id, who(request, "read").user.id)
        if found is None:
            raise ApiError(404, "No job of yours has this id (the newest 1000 are kept).")
        return {"job": found}

    @api.get("/load", summary="Training load: fitness, fatigue, form, weekly volume, spikes")
    def load(
        request: Request,
        since: Annotated[str | None, Query(description="first week shown, YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(description="the day reported on")] = None,
        athlete: Annotated[str | None, Query(description=ATHLETE)] = None,
    ) -> dict[str, Any]:
        ctx = context(request, "read", athlete)
        return _shown(
            "training_load", _call("training_load", ctx, {"since": since, "until": until})
        )

    @api.get("/changes/{metric}", summary="Where a metric changed level (or all: an overview)")
    def changes(
        request: Request,
        metric: str,
        since: Annotated[
            str | None, Query(description='first day, YYYY-MM-DD, or "last race"')
        ] = None,
        athlete: Annotated[str | None, Query(description=ATHLETE)] = None,
    ) -> dict[str, Any]:
        """``metric``: cadence, stride, heart rate, pace, efficiency, decoupling, power,
        contact time, ... or ``all``."""
        ctx = context(request, "read", athlete)
        chosen = None if metric.strip().lower() == "all" else metric
        result = _call("detect_changes", ctx, {"metric": chosen, "since": since})
        return _shown("detect_changes", result)

    @api.get("/strength", summary="Strength sessions (the log), newest first, with their sets")
    def strength_sessions(
        request: Request,
        since: Annotated[str | None, Query(description="first day, YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(description="last day, YYYY-MM-DD")] = None,
        athlete: Annotated[str | None, Query(description=ATHLETE)] = None,
    ) -> dict[str, Any]:
        """``{"sessions": [...]}``: each session's day, name, source, exercises, its
        ``set_count`` and working sets, volume (kg x reps) and its ``sets``."""
        from tools.strength.sessions import set_rows

        ctx = context(request, "read", athlete)
        rows, summaries = set_rows(ctx, _day(since, "since"), _day(until, "until") or ctx.day)
        sets: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            sets.setdefault(row.session_id, []).append(_plain(row))
        sessions = [
            _plain(summary) | {"set_count": summary.sets, "sets": sets.get(summary.session_id, [])}
            for summary in sorted(summaries, key=lambda s: (s.day, s.session_id), reverse=True)
        ]
        return {"sessions": sessions}

    @api.get("/strength/history", summary="Strength history: an exercise's or a group's trend")
    def strength_history(
        request: Request,
        exercise: Annotated[str | None, Query(description="squat, RDL, calf raise...")] = None,
        group: Annotated[str | None, Query(description="a runner-relevant group")] = None,
        since: Annotated[str | None, Query(description="first day, YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(description="last day, YYYY-MM-DD")] = None,
        athlete: Annotated[str | None, Query(description=ATHLETE)] = None,
    ) -> dict[str, Any]:
        ctx = context(request, "read", athlete)
        args = {"exercise": exercise, "group": group, "since": since, "until": until}
        return _shown("strength_history", _call("strength_history", ctx, args))

    @api.post("/strength", status_code=201, summary="Log a strength session")
    def strength_log(request: Request, body: StrengthBody) -> dict[str, Any]:
        """Written at once (the POST is the confirmation the chat asks for); 422 with the
        question the chat would ask when an exercise is not clear."""
        from tools.strength import log_tool

        ctx = context(request, "write", body.athlete)
        text = f"{body.workout} {body.day}" if body.day else body.workout
        step = log_tool.log_flow(ctx, {}, text)
        if step.result is None and step.data.get("stage") != "confirm":
            raise ApiError(
                422,
                f"{step.ask} Nothing was logged: write each exercise as the library names it "
                "(GET /api/v1/strength/history lists yours).",
            )
        result = step.result or log_tool.write(ctx, step.data, source="api")
        return _shown("log_strength", result)

    return api


def _call(name: str, ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
    """Tool ``name``'s result for ``args`` (None values left out); 422 for arguments its schema
    refuses."""
    from tools.registry import get_tool

    try:
        return get_tool(name).call(ctx, {k: v for k, v in args.items() if v is not None})
    except ToolCallError as error:
        raise ApiError(422, str(error)) from error


def _shown(name: str, result: ToolResult) -> dict[str, Any]:
    """A tool's result as an answer: the reply the chat gives and the whole result; a 422
    with the tool's words (which say what to do) when it failed."""
    from tools.registry import get_tool

    if not result.ok:
        raise _Failed(result)
    spec = get_tool(name)
    reply = spec.phrase(result) if spec.phrase else standard_reply(result)
    return {"reply": reply, "result": result.to_dict()}


class _Failed(ApiError):
    """A tool's failure: a 422 with its words (which say what to do) and its whole result."""

    def __init__(self, result: ToolResult) -> None:
        super().__init__(422, result.message or standard_reply(result))
        self.result = result

    def response(self) -> JSONResponse:
        body = {"error": self.code, "detail": self.detail, "result": self.result.to_dict()}
        return JSONResponse(body, status_code=self.status)


def keep_api_upload(file: UploadFile, name: str, ctx: ToolContext, settings: Settings) -> Path:
    """The upload, within its size limit and the athlete's storage quota, kept in the
    athlete's media folder as the chat keeps one; 413 (nothing kept) past either."""
    limit = file_limit(name, settings)
    folder = Path(tempfile.mkdtemp(prefix="coachg-api-", dir=settings.home))
    staged = folder / name
    try:
        size = 0
        with staged.open("wb") as out:
            while chunk := file.file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiError(
                        413, f"{name} is over the {limit // CHUNK} MB limit for one video."
                    )
                out.write(chunk)
        if problem := upload_problem([str(staged)], ctx, settings):
            raise ApiError(413, problem)
        return keep_upload(staged, ctx.media_dir)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _day(text: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` query value as a day; 422 for anything else."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(422, f"{name}: give a day as YYYY-MM-DD, e.g. 2025-03-01.") from None


def _plain(row: Any) -> dict[str, Any]:
    """A dataclass as JSON values (days as ISO text, tuples as lists)."""
    out = {}
    for key, value in asdict(row).items():
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out
