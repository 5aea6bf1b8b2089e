"""Strava sync: new activities since the last sync, then streams (and laps) for runs.

Cost first, because Strava allows a new application 100 reads per 15 minutes and 1000 a day:

* **Listing** ``/athlete/activities`` at 200 per page already carries the summary Coach G keeps
  (distance, times, climb, heart rate, cadence, power), so the detailed activity is never
  fetched: about one request per 200 new activities.
* **Streams** (time, distance, heart rate, cadence, speed, altitude, power, lat/lng) cost one
  request per run; **laps** one more (off by default). They are queued in the sync state and
  fetched newest first after the listing, as far as the budget (``stream_limit``, the rate
  limits) allows; the rest waits for the next sync.

Resuming: the listing walks a time window ``(after, before)``. After each page the window
shrinks past what was stored (whichever order Strava returns the page in), the page and the
window are committed together, so a sync stopped by a 429, a lost connection or Ctrl-C resumes
where it stopped; pages overlap by one activity so two activities starting in the same second
cannot fall between pages (the repeat is recognised by its Strava id). When the window is done,
its newest start becomes the ``high_water`` mark the next incremental sync starts from.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from pydantic import ValidationError
from sqlalchemy.orm import Session
from stravalib import exc, model

from storage.activities import NewActivity, add_activity, get_streams, newest_start
from storage.strava_tokens import get_sync_state, set_sync_state
from tools.context import ToolContext
from tools.strava.client import StravaClient, StravaConfigError, client_credentials, make_client
from tools.strava.convert import (
    SOURCE,
    STREAM_TYPES,
    lap_to_row,
    streams_to_channels,
    summary_to_activity,
    utc,
)
from tools.strava.limits import LimitReached, RateBudget
from tools.strava.tokens import RECONNECT, StravaAuthError, TokenKeeper

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_PER_PAGE = 200
STATE_SAVE_EVERY = 10  # stream fetches between sync-state saves (each fetch is committed)


@dataclass
class SyncOptions:
    """What a sync fetches.

    ``streams``: fetch streams for runs (queued either way); ``stream_limit``: at most this many
    stream fetches in this run (None: as many as the rate limits allow); ``laps``: also fetch
    laps for those runs; ``reserve``: requests of each rate-limit window to leave unused.
    """

    full: bool = False
    streams: bool = True
    stream_limit: int | None = None
    laps: bool = False
    per_page: int = MAX_PER_PAGE
    reserve: int = 0


@dataclass
class SyncReport:
    """What a sync did; ``stopped`` says why it ended early ('' when it finished)."""

    new: int = 0
    already_held: int = 0
    pages: int = 0
    streams_fetched: int = 0
    streams_unavailable: int = 0
    laps_fetched: int = 0
    streams_pending: int = 0
    api_requests: int = 0
    token_requests: int = 0
    listing_complete: bool = False
    stopped: str = ""  # "" | "rate_limit" | "unauthorized" | "not_configured" | "error"
    message: str = ""
    resume_at: datetime | None = None
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.stopped and self.listing_complete

    def requests_per_new_activity(self) -> float | None:
        return self.api_requests / self.new if self.new else None

    def summary(self) -> str:
        """One or two sentences a person reads."""
        parts = [f"Synced {self.new} new activities from Strava"]
        if self.already_held:
            parts.append(f"{self.already_held} already held")
        if self.streams_fetched:
            parts.append(f"streams of {_runs(self.streams_fetched)}")
        if self.laps_fetched:
            parts.append(f"laps of {_runs(self.laps_fetched)}")
        text = ", ".join(parts) + f" ({self.api_requests} API requests, {self.seconds:.1f} s)."
        if self.streams_pending:
            text += f" Streams of {_runs(self.streams_pending)} are still to fetch."
        if self.skipped:
            ids = ", ".join(item.split(":")[0] for item in self.skipped[:5])
            text += (
                f" {len(self.skipped)} Strava records could not be read and were skipped "
                f"(ids {ids}); the rest were stored."
            )
        if self.message:
            text += " " + self.message
        return text


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


class _Stop(Exception):
    """Ends a sync early, cleanly: what was fetched is kept and the state says where to resume."""

    def __init__(self, reason: str, message: str, resume_at: datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.resume_at = resume_at


def _epoch(moment: datetime) -> int:
    return int(utc(moment).timestamp())


class _Sync:
    """One sync run for ``ctx.athlete_id``."""

    def __init__(
        self,
        ctx: ToolContext,
        client: StravaClient,
        keeper: TokenKeeper,
        budget: RateBudget,
        options: SyncOptions,
        report: SyncReport,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.keeper = keeper
        self.budget = budget
        self.options = options
        self.report = report
        with ctx.session() as session:
            self.state: dict[str, Any] = get_sync_state(session, ctx.actor, ctx.athlete_id, SOURCE)
        self.state.setdefault("streams_pending", [])

    # -- requests ---------------------------------------------------------------------------

    def _check_budget(self) -> None:
        reached: LimitReached | None = self.budget.exhausted()
        if reached is not None:
            raise _Stop(
                "rate_limit",
                f"{reached.describe()}; stopped before exceeding it. "
                "Everything fetched so far is kept: run the sync again after that to continue.",
                reached.resets_at,
            )

    def call(self, request: Callable[[], T]) -> T:
        """One API request: within the rate limits, with a fresh token, retried once after a
        401 with a refreshed token."""
        for attempt in (1, 2):
            self._check_budget()
            self.keeper.ensure_fresh()
            try:
                return request()
            except exc.AccessUnauthorized:
                if attempt == 2:
                    break
                log.info("Strava answered 401; refreshing the token and trying once more")
                self.keeper.refresh()
            except exc.Fault as error:
                if error.response is not None and error.response.status_code == 429:
                    reached = self.budget.after_429()
                    raise _Stop(
                        "rate_limit",
                        f"Strava answered 'too many requests': {reached.describe()}. "
                        "Everything fetched so far is kept: run the sync again after that "
                        "to continue.",
                        reached.resets_at,
                    ) from None
                raise
        raise StravaAuthError(RECONNECT)

    # -- listing ----------------------------------------------------------------------------

    def _high_water(self) -> int | None:
        with self.ctx.session() as session:
            newest = newest_start(session, self.ctx.actor, self.ctx.athlete_id, SOURCE)
        marks = [m for m in (self.state.get("high_water"), newest and _epoch(newest)) if m]
        return max(marks) if marks else None

    def _new_window(self) -> dict[str, Any]:
        after = None if self.options.full else self._high_water()
        return {
            "after": after - 1 if after else None,  # one second back: same-second starts
            "before": None,
            "page": 1,
            "full": self.options.full,
            "newest": None,
        }

    def list_activities(self) -> None:
        window = self.state.get("window")
        if not window or (self.options.full and not window.get("full")):
            window = self._new_window()
        per_page = max(1, min(self.options.per_page, MAX_PER_PAGE))
        while True:
            params = {k: window[k] for k in ("after", "before") if window[k] is not None}
            raw = self.call(
                lambda params=params: self.client.protocol.get(
                    "/athlete/activities", page=window["page"], per_page=per_page, **params
                )
            )
            self.report.pages += 1
            done = self._store_page(raw, window, per_page)
            self.ctx.progress(0.0, f"listed {self.report.new} new activities")
            if done:
                self.report.listing_complete = True
                return

    def _store_page(self, raw: list[dict[str, Any]], window: dict[str, Any], per_page: int) -> bool:
        """Store one page of summaries and the narrowed window in one transaction, so a stop
        at any moment resumes exactly after it. True when this was the last page."""
        starts: list[int] = []
        queued = {item["id"] for item in self.state["streams_pending"]}
        repeated = set(window.get("boundary_ids") or [])
        page_ids: dict[int, int] = {}
        with self.ctx.session() as session:
            for record in raw:
                if isinstance(record, dict) and record.get("id") in repeated:
                    starts.append(window["boundary"])  # the previous page's edge, stored then
                    continue
                stored = self._store_summary(session, record, queued)
                if stored is not None:
                    starts.append(stored)
                    page_ids[int(record["id"])] = stored
                    window["newest"] = max(window["newest"] or stored, stored)
            done = len(raw) < per_page
            if done:
                marks = [m for m in (self.state.get("high_water"), window["newest"]) if m]
                self.state["high_water"] = max(marks) if marks else None
                self.state["window"] = None
            else:
                _shrink(window, starts)
                # The next page starts with this page's edge again; remember who is there.
                edge = _edge(window)
                window["boundary"] = edge
                window["boundary_ids"] = [i for i, t in page_ids.items() if t == edge]
                self.state["window"] = window
            self.state["last_sync"] = datetime.now(UTC).isoformat(timespec="seconds")
            set_sync_state(session, self.ctx.actor, self.ctx.athlete_id, SOURCE, self.state)
        return done

    def _store_summary(self, session: Session, record: Any, queued: set[int]) -> int | None:
        """Store one summary (queueing a run for streams); its start epoch, None if unreadable."""
        try:
            summary = model.SummaryActivity.model_validate(record)
            new = summary_to_activity(summary)
        except (ValidationError, ValueError) as error:
            ident = record.get("id", "?") if isinstance(record, dict) else "?"
            self.report.skipped.append(f"{ident}: {type(error).__name__}")
            log.warning("skipped a Strava activity Coach G could not read (%s)", ident)
            return None
        activity, created = add_activity(session, self.ctx.actor, self.ctx.athlete_id, new)
        if created:
            self.report.new += 1
            self.report.activity_ids.append(activity.id)
        else:
            self.report.already_held += 1
        strava_id = int(new.source_id)
        start = _epoch(new.start_time)
        if new.sport == "run" and not summary.manual and strava_id not in queued:
            held = not created and get_streams(session, self.ctx.actor, activity.id)
            if not held:
                self.state["streams_pending"].append(
                    {"id": strava_id, "sport": new.sport, "start": start}
                )
                queued.add(strava_id)
        return start

    # -- streams and laps -------------------------------------------------------------------

    def fetch_details(self) -> None:
        """Fetch queued runs' streams (and laps), newest first, each committed on arrival."""
        pending: list[dict[str, Any]] = self.state["streams_pending"]
        pending.sort(key=lambda item: item["start"], reverse=True)
        total = len(pending)
        fetched = 0
        while pending:
            if self.options.stream_limit is not None and fetched >= self.options.stream_limit:
                return
            self._fetch_one(pending[0])
            pending.pop(0)
            fetched += 1
            if fetched % STATE_SAVE_EVERY == 0:
                self._save_state()
            self.ctx.progress(fetched / total, f"fetched streams of {fetched} of {total} runs")

    def _fetch_one(self, item: dict[str, Any]) -> None:
        activity_id, sport = int(item["id"]), str(item["sport"])
        try:
            streams = self.call(
                lambda: self.client.get_activity_streams(activity_id, types=list(STREAM_TYPES))
            )
        except exc.ObjectNotFound:  # deleted on Strava since, or no samples (manual entry)
            streams = {}
        laps: list[dict[str, Any]] = []
        if self.options.laps:
            try:
                found = self.call(lambda: list(self.client.get_activity_laps(activity_id)))
                laps = [lap_to_row(lap, sport) for lap in found]
            except exc.ObjectNotFound:
                laps = []
        channels = streams_to_channels(streams, sport)
        with self.ctx.session() as session:
            add_activity(
                session,
                self.ctx.actor,
                self.ctx.athlete_id,
                NewActivity(
                    source=SOURCE,
                    source_id=str(activity_id),
                    sport=sport,
                    start_time=datetime.fromtimestamp(int(item["start"]), tz=UTC),
                    streams=channels,
                    laps=laps,
                ),
            )
        if channels:
            self.report.streams_fetched += 1
        else:
            self.report.streams_unavailable += 1
        if laps:
            self.report.laps_fetched += 1

    # -- state ------------------------------------------------------------------------------

    def _save_state(self) -> None:
        self.state["last_sync"] = datetime.now(UTC).isoformat(timespec="seconds")
        with self.ctx.session() as session:
            set_sync_state(session, self.ctx.actor, self.ctx.athlete_id, SOURCE, self.state)

    def finish(self, stopped: str, resume_at: datetime | None) -> None:
        self.state["last_stop"] = stopped
        self.state["resume_at"] = resume_at.isoformat() if resume_at else None
        self._save_state()
        self.report.streams_pending = len(self.state["streams_pending"])


def _edge(window: dict[str, Any]) -> int | None:
    """The start second at which the next page overlaps the last one."""
    if window.get("order") == "newest-first":
        return int(window["before"]) - 1
    if window.get("order") == "oldest-first":
        return int(window["after"]) + 1
    return None


def _shrink(window: dict[str, Any], starts: list[int]) -> None:
    """Narrow ``window`` past a full page just stored, whichever order the page came in.

    Newest-first pages move ``before`` down to the oldest start (+1 s, so the boundary
    activity is fetched again rather than possibly missed); oldest-first pages move ``after``
    up. If the page cannot narrow the window (every start equal), the next page is asked for.
    """
    shrunk = False
    if len(starts) >= 2 and starts[0] > starts[-1]:
        before = min(starts) + 1
        if window["before"] is None or before < window["before"]:
            window["before"], window["order"], shrunk = before, "newest-first", True
    elif len(starts) >= 2 and starts[0] < starts[-1]:
        after = max(starts) - 1
        if window["after"] is None or after > window["after"]:
            window["after"], window["order"], shrunk = after, "oldest-first", True
    window["page"] = 1 if shrunk else window["page"] + 1


def sync(
    ctx: ToolContext,
    options: SyncOptions | None = None,
    *,
    full: bool | None = None,
) -> SyncReport:
    """Sync ``ctx.athlete_id``'s Strava activities into Coach G (see the module docstring).

    Never raises for Strava's answers: the report's ``stopped`` and ``message`` say what
    happened and what to do next, and everything fetched before a stop is kept.
    """
    options = options or SyncOptions()
    if full is not None:
        options.full = full
    report = SyncReport()
    started = time.perf_counter()
    try:
        client_id, client_secret = client_credentials(ctx.settings)
    except StravaConfigError as error:
        report.stopped, report.message = "not_configured", str(error)
        return report
    budget = RateBudget(options.reserve)
    client = make_client(ctx.settings, rate_limiter=budget)
    keeper = TokenKeeper(ctx, client, client_id, client_secret)
    run = _Sync(ctx, client, keeper, budget, options, report)
    resume_at: datetime | None = None
    try:
        keeper.load()
        run.list_activities()
        if options.streams:
            run.fetch_details()
    except _Stop as stop:
        report.stopped, report.message, resume_at = stop.reason, stop.message, stop.resume_at
    except StravaAuthError as error:
        report.stopped, report.message = "unauthorized", str(error)
    except requests.RequestException as error:
        report.stopped = "error"
        report.message = (
            f"Could not reach Strava at {ctx.settings.strava_base_url} "
            f"({type(error).__name__}). Everything fetched so far is kept; try again later."
        )
    except exc.Fault as error:
        status = error.response.status_code if error.response is not None else "?"
        report.stopped = "error"
        report.message = (
            f"Strava answered with an error (HTTP {status}). Everything fetched so far is "
            "kept; try again later."
        )
    finally:
        run.finish(report.stopped, resume_at)
        session = client.session
        if session is not None:
            report.api_requests = session.sent["api"]
            report.token_requests = session.sent["oauth"]
        report.resume_at = resume_at
        report.seconds = time.perf_counter() - started
    log.info(
        "Strava sync: %s new, %s pages, %s streams, %s API requests, stopped=%r",
        report.new,
        report.pages,
        report.streams_fetched,
        report.api_requests,
        report.stopped,
    )
    return report
