"""SQLAlchemy 2 models: users and coach links, athlete profiles, activities with streams, laps and
derived metrics, Strava tokens, sync state, gait reports, the chat history and where each
conversation stands.

Times are stored in UTC and always come back time-zone aware (SQLite keeps no zone of its own);
the activity's local zone is kept by name beside it.

The annotations are evaluated as the classes are built (no ``from __future__ import
annotations``), so SQLAlchemy reads the column types as objects instead of evaluating each as a
string: a few milliseconds of every command. A model named before it is defined is in quotes.
"""

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Now, in UTC, time-zone aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned as aware UTC on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give Coach G times with a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


ROLES = ("athlete", "coach")


class User(Base):
    """A person who logs in: an athlete, or a coach who sees their linked athletes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="athlete")
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"User(id={self.id}, name={self.name!r}, role={self.role!r})"


class CoachLink(Base):
    """``coach_id`` may see ``athlete_id``'s data."""

    __tablename__ = "coach_links"
    __table_args__ = (UniqueConstraint("coach_id", "athlete_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Activity(Base):
    """One workout. ``(user_id, source, source_id)`` is unique, so an import never adds it twice."""

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("user_id", "source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))  # "file" (by content hash) | "strava"
    source_id: Mapped[str] = mapped_column(String(128))
    sport: Mapped[str] = mapped_column(String(32), index=True)  # normalised: run, ride, swim, ...
    name: Mapped[str] = mapped_column(String(255), default="")
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="")
    distance_m: Mapped[float | None] = mapped_column(Float)
    moving_time_s: Mapped[float | None] = mapped_column(Float)
    elapsed_time_s: Mapped[float | None] = mapped_column(Float)
    elevation_gain_m: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    avg_cadence_spm: Mapped[float | None] = mapped_column(Float)
    avg_power_w: Mapped[float | None] = mapped_column(Float)
    avg_temp_c: Mapped[float | None] = mapped_column(Float)
    #: None when unknown; Strava's ``workout_type`` "Race", or the athlete said so.
    is_race: Mapped[bool | None] = mapped_column(Boolean)
    #: Perceived exertion, 1-10, when the athlete gave one.
    perceived_effort: Mapped[float | None] = mapped_column(Float)
    device: Mapped[str] = mapped_column(String(128), default="")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    streams: Mapped[list["Stream"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", passive_deletes=True
    )
    laps: Mapped[list["Lap"]] = relationship(
        back_populates="activity",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Lap.index",
    )

    def __repr__(self) -> str:
        return f"Activity(id={self.id}, sport={self.sport!r}, start={self.start_time:%Y-%m-%d})"


STREAM_CHANNELS = (
    "time",  # s since start
    "distance",  # m
    "heart_rate",  # bpm
    "cadence",  # steps/min
    "speed",  # m/s
    "altitude",  # m
    "power",  # W
    "lat",  # degrees
    "lng",  # degrees
    "ground_contact_time",  # ms
    "vertical_oscillation",  # mm
    "stride_length",  # m
)


class Stream(Base):
    """One channel of an activity's samples, stored compactly (zlib-packed float32/float64)."""

    __tablename__ = "streams"
    __table_args__ = (UniqueConstraint("activity_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    dtype: Mapped[str] = mapped_column(String(8))
    length: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    activity: Mapped[Activity] = relationship(back_populates="streams")


class Lap(Base):
    """A lap (or split) of an activity."""

    __tablename__ = "laps"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    elapsed_time_s: Mapped[float | None] = mapped_column(Float)
    moving_time_s: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    avg_cadence_spm: Mapped[float | None] = mapped_column(Float)
    avg_speed_mps: Mapped[float | None] = mapped_column(Float)
    avg_power_w: Mapped[float | None] = mapped_column(Float)

    activity: Mapped[Activity] = relationship(back_populates="laps")


class ActivityMetrics(Base):
    """What one activity says about the runner, computed once (from its streams where present,
    else from its summary) so trends over years are cheap. Dropped and recomputed when the
    activity gains streams or the computation's ``version`` changes."""

    __tablename__ = "activity_metrics"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    local_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the activity's zone
    sport: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # "streams" | "summary"
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Seconds spent at each whole heart rate (bpm as a string key), for TRIMP and zones.
    hr_seconds: Mapped[dict] = mapped_column(JSON, default=dict)
    #: A thinned GPS track ``[[lat, lng], ...]`` for the route heatmap.
    track: Mapped[list] = mapped_column(JSON, default=list, deferred=True)


class AthleteProfile(Base):
    """What training load needs to know about an athlete; empty fields are estimated from their
    data (and the estimate is said)."""

    __tablename__ = "athlete_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sex: Mapped[str] = mapped_column(String(16), default="")  # "male" | "female" | ""
    resting_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    threshold_hr: Mapped[float | None] = mapped_column(Float)
    threshold_pace_s_per_km: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WellnessEntry(Base):
    """One weekly check-in: a 1-7 score per item (1 = very good, 7 = very bad, as in Hooper's
    index), the athlete's own words for each, how hard the key sessions felt (RPE 1-10), any
    pain, next week's constraints, and the summary Coach G closed with. ``status`` is "open"
    while the conversation runs and "done" once it closed; only done ones are shown to coaches.
    """

    __tablename__ = "wellness_entries"
    __table_args__ = (UniqueConstraint("user_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(10))  # the Monday, YYYY-MM-DD
    status: Mapped[str] = mapped_column(String(8), default="open")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StravaToken(Base):
    """An athlete's Strava OAuth tokens. Never printed: ``repr`` leaves the secrets out."""

    __tablename__ = "strava_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    strava_athlete_id: Mapped[int | None] = mapped_column(Integer, index=True)
    access_token: Mapped[str] = mapped_column(String(255))
    refresh_token: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[int] = mapped_column(Integer)  # epoch seconds
    scope: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"StravaToken(user_id={self.user_id}, expires_at={self.expires_at}, tokens=***)"


class SyncState(Base):
    """Where a sync stands, so an interrupted one resumes instead of starting over."""

    __tablename__ = "sync_state"
    __table_args__ = (UniqueConstraint("user_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class GaitReport(Base):
    """A stored video gait analysis, kept so later analyses can be compared."""

    __tablename__ = "gait_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    video_name: Mapped[str] = mapped_column(String(255), default="")
    schema_version: Mapped[str] = mapped_column(String(64), default="")
    report: Mapped[dict] = mapped_column(JSON)


class ChatMessage(Base):
    """One message of a conversation: the user's, or Coach G's with the tool calls behind it.

    ``user_id`` is who talked; ``athlete_id`` whom the message was about (a coach talks about
    their athletes), so an athlete's history can be shown to them and their coaches only.
    """

    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))  # "user" | "assistant"
    content: Mapped[str] = mapped_column(Text)
    tool_calls: Mapped[list] = mapped_column(JSON, default=list)
    facts: Mapped[list] = mapped_column(JSON, default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The files the reply showed (``{"path", "kind", "title"}``): annotated video, key frames,
    #: plots, shown again when the history is (each checked against who may see it then).
    artifacts: Mapped[list] = mapped_column(JSON, default=list)


class ConversationState(Base):
    """Where a conversation stands, per user and per subject (the athlete it is about).

    ``kind`` is one of ``"confirm"`` (a write waiting for yes/no), ``"ask"`` (a question waiting
    for an argument), ``"flow"`` (a multi-step flow such as the weekly check-in) or ``"last"``
    (the last tool call, for follow-ups). A null ``subject_id`` means no one in particular (or
    all of a coach's athletes). One row per ``(user_id, subject_id, kind)``: the database can't
    hold that for a null subject, so ``storage.conversation`` keeps it.
    """

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("user_id", "subject_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    tool: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Exercise(Base):
    """An exercise: one of the shared library's (``owner_id`` null, ``source_id`` the library's
    id) or one a user added, seen by them (and by the coaches of whoever it belongs to) only.
    Muscles, instructions and the runner-relevant ``groups`` are lists."""

    __tablename__ = "exercises"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    category: Mapped[str] = mapped_column(String(40), default="strength")
    equipment: Mapped[str] = mapped_column(String(40), default="")
    level: Mapped[str] = mapped_column(String(20), default="")
    force: Mapped[str] = mapped_column(String(20), default="")
    mechanic: Mapped[str] = mapped_column(String(20), default="")
    primary_muscles: Mapped[list] = mapped_column(JSON, default=list)
    secondary_muscles: Mapped[list] = mapped_column(JSON, default=list)
    groups: Mapped[list] = mapped_column(JSON, default=list)
    instructions: Mapped[list] = mapped_column(JSON, default=list)


class StrengthSession(Base):
    """One strength workout of an athlete, on a day. ``source``/``source_id`` say where it came
    from (``chat``, ``routine``, ``strong``, ``hevy``) and make an import idempotent."""

    __tablename__ = "strength_sessions"
    __table_args__ = (UniqueConstraint("user_id", "source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[str] = mapped_column(String(10), index=True)  # YYYY-MM-DD, the athlete's day
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="chat")
    source_id: Mapped[str] = mapped_column(String(200))
    duration_s: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sets: Mapped[list["StrengthSet"]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="StrengthSet.position",
    )


class StrengthSet(Base):
    """One set: reps at a weight (kg; null for bodyweight), or a hold in seconds. ``exercise_id``
    is null when the name could not be matched to the library; the name as given is kept."""

    __tablename__ = "strength_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("strength_sessions.id", ondelete="CASCADE"), index=True
    )
    exercise_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercises.id", ondelete="SET NULL"), index=True
    )
    exercise_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    set_type: Mapped[str] = mapped_column(String(16), default="normal")
    reps: Mapped[int | None] = mapped_column(Integer)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    rpe: Mapped[float | None] = mapped_column(Float)

    session: Mapped[StrengthSession] = relationship(back_populates="sets")


class Routine(Base):
    """A saved strength routine of an athlete: its items (exercise, sets, reps or seconds) and
    how often and how long it is meant to be done."""

    __tablename__ = "routines"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    per_week: Mapped[int | None] = mapped_column(Integer)
    minutes: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


FILE_KINDS = ("upload", "artifact")


class OwnedFile(Base):
    """A file the web server serves, and who it belongs to, kept across restarts: an
    ``upload`` is its uploader's alone; an ``artifact`` (an annotated video, a plot) is its
    athlete's (``user_id``) and their coaches'. ``path`` is the file's resolved path on the
    server; Gradio names an upload's folder by its content, so everyone who uploads the same
    file owns it (a row each)."""

    __tablename__ = "owned_files"
    __table_args__ = (UniqueConstraint("path", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


TOKEN_SCOPES = ("read", "write", "metrics")


class ApiToken(Base):
    """A personal access token for the REST API: only its SHA-256 is kept (the token itself is
    shown once, when it is made); ``scopes`` is a space-separated subset of ``TOKEN_SCOPES``;
    a revoked token keeps its row (``revoked_at``) so the list shows what it was."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrainingPlan(Base):
    """A training plan for an athlete (``user_id``), made by them or by their coach
    (``author_id``): the plan as its dict (weeks, sessions, notes), the day it starts and ends,
    and what made this version (``change``: "made in chat", "moved Thursday's run to Friday").
    Every change is a new row; the newest row is the athlete's current plan."""

    __tablename__ = "training_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    start: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD
    end: Mapped[str] = mapped_column(String(10))
    change: Mapped[str] = mapped_column(String(200), default="")
    plan: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
