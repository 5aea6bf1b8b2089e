"""Stored gait analyses, for comparing a runner's form over time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.access import require_access
from storage.models import GaitReport, User


def save_gait_report(
    session: Session, actor: User, athlete_id: int, report: dict[str, Any], video_name: str
) -> int:
    """Store a report for ``athlete_id``; returns its id."""
    require_access(session, actor, athlete_id)
    row = GaitReport(
        user_id=athlete_id,
        video_name=video_name[:255],
        schema_version=str(report.get("schema_version", "")),
        report=report,
    )
    session.add(row)
    session.flush()
    return row.id


def list_gait_reports(
    session: Session, actor: User, athlete_id: int, limit: int | None = None
) -> list[GaitReport]:
    """``athlete_id``'s reports, newest first."""
    require_access(session, actor, athlete_id)
    query = (
        select(GaitReport)
        .where(GaitReport.user_id == athlete_id)
        .order_by(GaitReport.created_at.desc(), GaitReport.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))
