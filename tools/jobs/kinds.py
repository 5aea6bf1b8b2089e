"""What a job may run, by name: each a function ``(context, **keyword arguments) -> a picklable
value``, imported only when a job of its kind runs (a worker that only imports files never
loads the video or language libraries)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.context import ToolContext
from tools.result import ToolResult

#: kind -> "module:function".
KINDS: dict[str, str] = {
    "tool": "tools.jobs.kinds:call_tool",
    "analyze_video": "tools.jobs.kinds:analyze_video",
    "import_paths": "tools.jobs.kinds:import_files",
    "strava_sync": "tools.strava.sync:sync",
}


def function_of(kind: str) -> Callable[..., Any]:
    """The function behind a job kind; ValueError for a kind that is not in :data:`KINDS`."""
    if kind not in KINDS:
        raise ValueError(f"no job kind {kind!r}")
    module, name = KINDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def call_tool(ctx: ToolContext, name: str, args: dict[str, Any]) -> ToolResult:
    """A tool by name (its spec validates the arguments)."""
    from tools.registry import get_tool

    return get_tool(name).call(ctx, args)


def analyze_video(
    ctx: ToolContext, video: Path, *, fps: float | None = None, **options: Any
) -> Any:
    """:func:`tools.gait.tool.analyze_and_store`, with pose begun first: its worker processes
    start before the analysis and drawing code is loaded (seconds of imports), so the two
    overlap; those ``coachg analyze`` began before opening the database are taken over
    (:mod:`tools.gait.begun`)."""
    from tools.gait.begun import take
    from tools.gait.tracking import start_pose
    from tools.gait.video_io import check_fps

    check_fps(fps)
    with take(video, fps) or start_pose(video, fps=fps) as pose:
        import tools.gait.outputs  # noqa: F401  (drawing code, loaded while pose runs)
        from tools.gait.tool import analyze_and_store

        return analyze_and_store(ctx, video, fps=fps, pose_job=pose, **options)


def import_files(ctx: ToolContext, paths: list[str]) -> Any:
    """:func:`tools.importing.importer.import_paths`, its progress as ``12/200 name``."""
    from tools.importing.importer import import_paths

    return import_paths(
        ctx,
        paths,
        progress=lambda done, total, name: ctx.progress(
            done / max(total, 1), f"{done}/{total} {name}"
        ),
    )
