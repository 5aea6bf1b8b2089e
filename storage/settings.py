"""Settings, read once from ``COACHG_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"COACHG_{name}", default)


@dataclass(frozen=True)
class Settings:
    """Where Coach G keeps its data and which parts it plugs in.

    Every field comes from an environment variable named ``COACHG_<FIELD>`` (upper case).
    Secrets (the Strava client secret) are kept out of ``repr`` so they never reach a log.
    """

    home: Path
    database_url: str
    chroma_url: str = ""
    llm: str = "rules"
    llm_model: str = ""
    llm_base_url: str = ""
    strava_client_id: str = ""
    strava_client_secret: str = field(default="", repr=False)
    strava_base_url: str = "https://www.strava.com"
    strava_redirect_port: int = 8721
    log_level: str = "INFO"
    #: Where heavy work (video analysis, imports, Strava syncs) is queued: "" for an in-memory
    #: queue worked by threads of this process, ``sqlite:///path`` for a queue file that
    #: survives restarts, ``redis://host:port/0`` so ``coachg worker`` on other machines can
    #: take jobs too (they need the same database and ``COACHG_HOME/media``).
    queue_url: str = field(default="", repr=False)  # a Redis URL may hold a password
    #: The queue's name: installations sharing one Redis keep apart by name.
    queue_name: str = "coachg"
    #: Job worker threads inside ``coachg serve`` (and a command); 0 leaves every job to
    #: ``coachg worker`` processes (with a Redis queue).
    queue_workers: int = 2
    #: Budgets of one import: uncompressed activity bytes, files, and minutes.
    import_max_mb: int = 2048
    import_max_files: int = 20_000
    import_max_minutes: float = 30.0
    #: One GPX or TCX file (a 55 MB GPX took 1.9 GB of memory to read); FIT files
    #: are capped at ``tools.importing.sources.MAX_FILE_BYTES``.
    import_max_xml_mb: int = 32
    #: Heavy jobs (video analyses, Strava syncs, imports of at least ``queue_heavy_mb`` of
    #: files) that may run at once; the other workers stay free for small jobs, so one
    #: person's 30 MB import never holds up another's quick one. 0: one less than
    #: ``queue_workers`` (at least 1). With ``coachg worker`` processes elsewhere, set it.
    queue_heavy_workers: int = 0
    queue_heavy_mb: int = 8
    #: Media (uploads, imports, artifacts) one athlete may keep, in MB.
    media_quota_mb: float = 5120.0
    #: Accounts one client address may create per ``signup_window_minutes``.
    signup_limit: int = 3
    signup_window_minutes: float = 10.0
    #: Reverse proxies (addresses or networks, comma-separated) whose ``X-Forwarded-For``
    #: names the client; "" trusts none: the client address is the socket's.
    trusted_proxies: str = ""
    #: The pose landmark model's runtime: "onnx" (MediaPipe's model on ONNX Runtime, about
    #: twice as fast on a CPU; MediaPipe itself where ONNX Runtime or the converter is missing)
    #: or "mediapipe".
    pose_backend: str = "onnx"

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from the environment, with defaults that work on a fresh machine."""
        home = Path(_env("HOME", str(Path.home() / ".coachg"))).expanduser()
        return cls(
            home=home,
            database_url=_env("DATABASE_URL", f"sqlite:///{home / 'coachg.db'}"),
            chroma_url=_env("CHROMA_URL"),
            llm=_env("LLM", "rules"),
            llm_model=_env("LLM_MODEL"),
            llm_base_url=_env("LLM_BASE_URL"),
            strava_client_id=_env("STRAVA_CLIENT_ID"),
            strava_client_secret=_env("STRAVA_CLIENT_SECRET"),
            strava_base_url=_env("STRAVA_BASE_URL", "https://www.strava.com").rstrip("/"),
            strava_redirect_port=int(_env("STRAVA_REDIRECT_PORT", "8721")),
            log_level=_env("LOG_LEVEL", "INFO"),
            queue_url=_env("QUEUE_URL"),
            queue_name=_env("QUEUE_NAME", "coachg"),
            queue_workers=int(_env("QUEUE_WORKERS", "2")),
            import_max_mb=int(_env("IMPORT_MAX_MB", "2048")),
            import_max_files=int(_env("IMPORT_MAX_FILES", "20000")),
            import_max_minutes=float(_env("IMPORT_MAX_MINUTES", "30")),
            import_max_xml_mb=int(_env("IMPORT_MAX_XML_MB", "32")),
            queue_heavy_workers=int(_env("QUEUE_HEAVY_WORKERS", "0")),
            queue_heavy_mb=int(_env("QUEUE_HEAVY_MB", "8")),
            media_quota_mb=float(_env("MEDIA_QUOTA_MB", "5120")),
            signup_limit=int(_env("SIGNUP_LIMIT", "3")),
            signup_window_minutes=float(_env("SIGNUP_WINDOW_MINUTES", "10")),
            trusted_proxies=_env("TRUSTED_PROXIES"),
            pose_backend=_env("POSE_BACKEND", "onnx").strip().lower(),
        )

    @property
    def media_dir(self) -> Path:
        """Where uploaded videos and tool artifacts (plots, annotated videos) go."""
        return self.home / "media"

    @property
    def heavy_workers(self) -> int:
        """How many heavy jobs may run at once (see ``queue_heavy_workers``)."""
        return self.queue_heavy_workers or max(1, self.queue_workers - 1)

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma store lives when no Chroma server is configured."""
        return self.home / "chroma"
