"""The ``sync_strava`` tool: bring the athlete's new Strava activities into Coach G."""

from __future__ import annotations

from tools.context import ToolContext
from tools.result import Fact, ToolResult
from tools.spec import ToolSpec

TOOL = "sync_strava"

# A chat turn should not wait on hundreds of stream downloads: this many runs' streams are
# fetched per call, newest first; the rest stay queued for the next sync.
STREAMS_PER_CALL = 25


def sync_strava(ctx: ToolContext, full: bool = False) -> ToolResult:
    """Sync new activities from Strava, and streams of the newest runs.

    Only activities newer than the last sync are listed; an interrupted sync (rate limit, lost
    connection) resumes where it stopped without duplicates. Streams of older runs are fetched
    a batch at a time so Strava's rate limits are respected.

    Args:
        full: fetch the whole Strava history again, not only what is new since the last sync.
    """
    from tools.strava.sync import SyncOptions, sync  # stravalib: only when syncing

    report = sync(ctx, SyncOptions(full=full, stream_limit=STREAMS_PER_CALL))
    ok = report.stopped in ("", "rate_limit")
    facts = [
        Fact("new_activities", report.new, "activities"),
        Fact("already_held", report.already_held, "activities"),
        Fact("streams_fetched", report.streams_fetched, "runs"),
        Fact("streams_pending", report.streams_pending, "runs"),
        Fact("api_requests", report.api_requests, "requests"),
    ]
    per_new = report.requests_per_new_activity()
    if per_new is not None:
        facts.append(Fact("requests_per_new_activity", round(per_new, 3), "requests/activity"))
    caveats = []
    if report.stopped == "rate_limit":
        caveats.append("stopped at Strava's rate limit: the next sync continues from here")
    if report.streams_pending:
        caveats.append(
            f"{report.streams_pending} runs have no streams yet (fetched a batch per sync)"
        )
    if report.skipped:
        caveats.append(f"{len(report.skipped)} Strava records could not be read and were skipped")
    return ToolResult(
        tool=TOOL,
        ok=ok,
        message=report.summary() if ok else report.message,
        facts=facts,
        data={
            "activity_ids": report.activity_ids,
            "complete": report.complete,
            "stopped": report.stopped,
            "resume_at": report.resume_at.isoformat() if report.resume_at else None,
            "pages": report.pages,
            "token_requests": report.token_requests,
            "seconds": round(report.seconds, 2),
            "skipped": report.skipped,
        },
        confidence=1.0 if ok else 0.0,
        reasons=["counts come from the sync itself; Strava ids identify repeats"],
        caveats=caveats,
    )


SPEC = ToolSpec(
    name=TOOL,
    function=sync_strava,
    summary="sync your Strava activities",
    examples=(
        "sync my strava",
        "pull in my latest strava runs",
        "refresh strava",
        "get my new activities from strava",
        "resync everything from strava",
        "update from strava please",
        "fetch my whole strava history",
        "has my strava come through? sync it",
    ),
    writes=True,
    confirm=lambda args: (
        "sync your whole Strava history" if args.get("full") else "sync your new Strava activities"
    ),
    remember=True,
    heavy=True,
)
