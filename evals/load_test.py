"""A club on one machine: many people chatting through the REST API while videos are analysed,
against PostgreSQL, Redis and ``coachg worker`` processes (or SQLite and the web server's own
job threads, for a small check).

1. A throwaway PostgreSQL cluster and Redis are started (as ``.ci/run`` starts them; or
   ``--postgres URL`` / ``--redis URL``) and the club is seeded (:mod:`evals.load_seed`):
   ``--athletes`` athletes with real-shaped histories, ``--coaches`` coaches linked to them, a
   token each.
2. For each count in ``--workers`` (default ``2,1,2``: the first phase also pays for each
   person's first question, when an athlete's metrics are computed and stored, so the third
   compares warm with the second): ``--web`` ``coachg serve`` processes
   (with two or more, a Chroma server is shared) and that many ``coachg worker`` processes
   start; ``--users`` people chat through ``POST /api/v1/ask`` for ``--duration`` seconds
   (locust, headless; a think time of ``--think`` seconds between one person's messages)
   while ``--videos`` athletes post the real side-view clip to ``POST /api/v1/videos`` and
   follow their job on *another* web server (``GET /api/v1/jobs/{id}``) until it ends.
3. A table: chat turns, p50/p95/max turn latency, errors, and the videos done, failed and
   lost (a job that never ended, or that a web server did not know), with one row per
   worker count.

    python -m evals.load_test                 # 200 athletes, 2 web servers, 50 chatting, 5 videos
    python -m evals.load_test --quick         # a small one (about 3 minutes)
    python -m evals.load_test --backend sqlite --quick   # no PostgreSQL or Redis needed

Run it with ``nice`` on a shared machine; the numbers depend on the cores it gets.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from evals.load_seed import SHARED, Club, Person, seed_club
from evals.load_services import REPO, chroma, postgres, redis, web_server, workers
from storage.db import Database

CLIP = SHARED / "video" / "male_side_treadmill_30fps.mp4"
LOCUSTFILE = Path(__file__).with_name("load_locust.py")
ASK = "POST /api/v1/ask"
#: How often a video's job is looked at.
POLL_S = 2.0


@dataclass
class Options:
    """What one run does (the command line's options)."""

    athletes: int = 200
    coaches: int = 20
    users: int = 50
    videos: int = 5
    duration: float = 180.0
    think: tuple[float, float] = (5.0, 15.0)
    workers: tuple[int, ...] = (2, 1, 2)
    web: int = 2
    backend: str = "postgres"
    postgres: str = ""
    redis: str = ""
    job_timeout: float = 1200.0
    spawn_rate: float = 10.0
    clip: Path = CLIP
    folder: Path | None = None
    json: Path | None = None

    @classmethod
    def quick(cls, **changes: object) -> Options:
        """The ``--quick`` run: 20 athletes, 2 coaches, 10 chatting for 60 s on one web
        server, 2 videos, with two workers and then one."""
        base = {"athletes": 20, "coaches": 2, "users": 10, "videos": 2, "duration": 60.0}
        base |= {"workers": (2, 1), "web": 1}
        return cls(**(base | changes))  # type: ignore[arg-type]


@dataclass
class VideoJob:
    """One posted video: where it went, where it was followed, and how it ended."""

    athlete: str
    posted_to: str
    followed_on: str
    job_id: str = ""
    state: str = "not posted"
    seconds: float = 0.0
    detail: str = ""
    #: Looks at the job that a server answered with an error (other than 404), or not at all.
    poll_errors: int = 0

    @property
    def lost(self) -> bool:
        """Accepted (202) but never seen to end: unknown to a web server, or timed out."""
        return bool(self.job_id) and self.state not in ("done", "failed")


@dataclass
class ChatStats:
    """Locust's numbers for the chat turns of one phase."""

    turns: int = 0
    errors: int = 0
    p50_s: float = 0.0
    p95_s: float = 0.0
    max_s: float = 0.0
    per_s: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class Phase:
    """One row of the summary: a worker count and what happened under it."""

    workers: int
    web: int
    chat: ChatStats
    videos: list[VideoJob]
    seconds: float

    @property
    def jobs_done(self) -> int:
        return sum(v.state == "done" for v in self.videos)

    @property
    def jobs_failed(self) -> int:
        return sum(v.state == "failed" for v in self.videos)

    @property
    def jobs_lost(self) -> int:
        return sum(v.lost for v in self.videos)

    @property
    def posts_refused(self) -> int:
        return sum(not v.job_id for v in self.videos)

    def video_seconds(self) -> str:
        times = [v.seconds for v in self.videos if v.state in ("done", "failed")]
        if not times:
            return "-"
        return f"{statistics.median(times):.0f} / {max(times):.0f}"


@dataclass
class Report:
    """Everything a run measured."""

    options: Options
    seeded_activities: int
    seed_seconds: float
    cores: int
    load_before: tuple[float, float, float]
    phases: list[Phase]

    def table(self) -> str:
        head = (
            "| workers | web servers | chat turns | turns/s | p50 s | p95 s | max s | errors "
            "| videos done | failed | lost | refused | video s (median / max) |"
        )
        rows = [head, "|" + "---|" * 13]
        for p in self.phases:
            c = p.chat
            rows.append(
                f"| {p.workers} | {p.web} | {c.turns} | {c.per_s:.2f} | {c.p50_s:.2f} | "
                f"{c.p95_s:.2f} | {c.max_s:.2f} | {c.errors} | {p.jobs_done} of "
                f"{len(p.videos)} | {p.jobs_failed} | {p.jobs_lost} | {p.posts_refused} | "
                f"{p.video_seconds()} |"
            )
        o = self.options
        lines = [
            f"{o.athletes} athletes ({self.seeded_activities} activities seeded in "
            f"{self.seed_seconds:.1f} s), {o.coaches} coaches; {o.users} people chatting for "
            f"{o.duration:.0f} s (think {o.think[0]:g}-{o.think[1]:g} s) while {o.videos} "
            f"videos are analysed; {o.backend}; {self.cores} cores, load average before "
            f"{self.load_before[0]:.2f}",
            "",
            *rows,
        ]
        for p in self.phases:
            for kind, count in p.chat.error_kinds.items():
                lines.append(f"  {p.workers} worker(s): {count} x {kind}")
            for v in p.videos:
                if v.state != "done" or v.poll_errors:
                    lines.append(
                        f"  {p.workers} worker(s): video of {v.athlete}: {v.state}, "
                        f"{v.poll_errors} looks failed; {v.detail}"
                    )
        return "\n".join(lines)

    def to_json(self) -> str:
        data = asdict(self)
        data["options"] = {
            k: str(v) if isinstance(v, Path) else v for k, v in data["options"].items()
        }
        for phase, p in zip(data["phases"], self.phases, strict=True):
            phase |= {
                "jobs_done": p.jobs_done,
                "jobs_failed": p.jobs_failed,
                "jobs_lost": p.jobs_lost,
            }
        return json.dumps(data, indent=2)


# -- the chat ------------------------------------------------------------------------------


def run_locust(people: Path, hosts: Sequence[str], options: Options, folder: Path) -> ChatStats:
    """``options.users`` people chatting for ``options.duration`` s (locust, headless, in its
    own process); its numbers for the chat turns."""
    prefix = folder / "locust"
    env = {
        **os.environ,
        "COACHG_LOAD_PEOPLE": str(people),
        "COACHG_LOAD_HOSTS": ",".join(hosts),
        "COACHG_LOAD_THINK": ",".join(f"{t:g}" for t in options.think),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "-u", str(options.users), "-r", f"{options.spawn_rate:g}",
        "-t", f"{int(options.duration)}s", "--stop-timeout", "120",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    with (folder / "locust.log").open("wb") as log:
        subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    return read_stats(prefix)


def read_stats(prefix: Path) -> ChatStats:
    """The chat turns' row of locust's ``PREFIX_stats.csv`` and its failures."""
    stats = ChatStats()
    with Path(f"{prefix}_stats.csv").open() as f:
        for row in csv.DictReader(f):
            if row["Name"] == ASK:
                stats = ChatStats(
                    turns=int(row["Request Count"]),
                    errors=int(row["Failure Count"]),
                    p50_s=float(row["50%"] or 0) / 1000,
                    p95_s=float(row["95%"] or 0) / 1000,
                    max_s=float(row["Max Response Time"] or 0) / 1000,
                    per_s=float(row["Requests/s"] or 0),
                )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        with failures.open() as f:
            for row in csv.DictReader(f):
                stats.error_kinds[row["Error"][:160]] = int(row["Occurrences"])
    return stats


def warm_up(hosts: Sequence[str], person: Person) -> None:
    """One chat turn on each web server (loads the embeddings and the classifier), so the
    first people measured do not wait for it."""
    for host in hosts:
        answer = requests.post(
            f"{host}/api/v1/ask",
            json={"message": "how many km did I run last month?"},
            headers={"Authorization": f"Bearer {person.token}"},
            timeout=600,
        )
        answer.raise_for_status()


# -- the videos ----------------------------------------------------------------------------


def follow_video(video: VideoJob, token: str, clip: Path, timeout: float) -> None:
    """Post ``clip`` as ``video.athlete`` and follow its job on another server until it ends;
    the outcome is written into ``video``."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with clip.open("rb") as data:
            posted = requests.post(
                f"{video.posted_to}/api/v1/videos",
                files={"file": (clip.name, data, "video/mp4")},
                headers=headers,
                timeout=300,
            )
        if posted.status_code != 202:
            video.state, video.detail = "refused", f"HTTP {posted.status_code}: {posted.text[:200]}"
            return
        video.job_id = posted.json()["job"]["id"]
        video.state = "queued"
        while time.monotonic() - started < timeout:
            try:
                seen = requests.get(
                    f"{video.followed_on}/api/v1/jobs/{video.job_id}", headers=headers, timeout=60
                )
            except requests.RequestException as error:
                seen, video.detail = None, f"{type(error).__name__} on a look"
            if seen is not None and seen.status_code == 404:  # no server knows it: lost
                video.state, video.detail = "unknown", f"HTTP 404: {seen.text[:200]}"
                return
            if seen is None or seen.status_code != 200:  # a busy server: looked at again
                video.poll_errors += 1
                if seen is not None:
                    video.detail = f"HTTP {seen.status_code} on a look: {seen.text[:120]}"
                time.sleep(POLL_S)
                continue
            job = seen.json()["job"]
            video.state = job["state"]
            if video.state in ("done", "failed"):
                video.detail = job.get("error", "") or _outcome_words(job.get("result"))
                return
            time.sleep(POLL_S)
        video.detail = f"not ended after {timeout:.0f} s"
    except requests.RequestException as error:
        video.detail = f"{type(error).__name__}: {error}"
    finally:
        video.seconds = time.monotonic() - started


def _outcome_words(result: object) -> str:
    if isinstance(result, dict):
        return str(result.get("message") or "")[:200]
    return ""


@contextmanager
def videos_running(club: Club, hosts: Sequence[str], options: Options) -> Iterator[list[VideoJob]]:
    """``options.videos`` videos posted now, each by its own athlete, round robin over the
    web servers and followed on the next one; waits for them on leaving."""
    jobs = [
        VideoJob(
            athlete=person.name,
            posted_to=hosts[n % len(hosts)],
            followed_on=hosts[(n + 1) % len(hosts)],
        )
        for n, person in enumerate(club.athletes[: options.videos])
    ]
    threads = [
        threading.Thread(
            target=follow_video,
            args=(job, person.token, options.clip, options.job_timeout),
            daemon=True,
        )
        for job, person in zip(jobs, club.athletes, strict=False)
    ]
    for thread in threads:
        thread.start()
    try:
        yield jobs
    finally:
        for thread in threads:
            thread.join(options.job_timeout + 60)


# -- one phase, and the whole run ------------------------------------------------------------


def phase(
    club: Club, people: Path, env: dict[str, str], count: int, options: Options, folder: Path
) -> Phase:
    """Web servers and ``count`` workers started, the chat and the videos run, all stopped."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    shared_queue = options.backend == "postgres"
    env = env | {
        # With Redis the web servers only serve; with SQLite they run the jobs themselves.
        "COACHG_QUEUE_WORKERS": "0" if shared_queue else str(count),
        "COACHG_QUEUE_HEAVY_WORKERS": str(count),
    }
    with ExitStack() as stack:
        servers = [
            stack.enter_context(web_server(env, folder / f"web{n}.log")) for n in range(options.web)
        ]
        hosts = [s.url for s in servers]
        if shared_queue:
            stack.enter_context(workers(count, env, folder))
        warm_up(hosts, club.athletes[-1])
        with videos_running(club, hosts, options) as videos:
            chat = run_locust(people, hosts, options, folder)
    return Phase(count, options.web, chat, videos, time.monotonic() - started)


def run(options: Options) -> Report:
    """Start the services, seed the club and run one phase per worker count."""
    if options.backend == "sqlite" and options.web > 1:
        raise SystemExit("With --backend sqlite each web server has its own queue: use --web 1.")
    load_before = os.getloadavg()
    folder = options.folder or Path(tempfile.mkdtemp(prefix="coachg-load."))
    home = folder / "home"
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    from cryptography.fernet import Fernet

    with ExitStack() as stack:
        if options.backend == "postgres":
            database_url = stack.enter_context(postgres(options.postgres))
            queue_url = stack.enter_context(redis(options.redis))
        else:
            database_url = f"sqlite:///{folder / 'coachg.db'}"
            queue_url = ""
        db = Database(database_url)
        club = seed_club(db, options.athletes, options.coaches)
        db.dispose()
        people = club.write(folder / "people.json")
        env = {
            "COACHG_HOME": str(home),
            "COACHG_DATABASE_URL": database_url,
            "COACHG_QUEUE_URL": queue_url,
            "COACHG_QUEUE_NAME": "coachg-load",
            "COACHG_LLM": "rules",
            "COACHG_SECRET_KEY": Fernet.generate_key().decode(),
            "GRADIO_TEMP_DIR": str(home / "web-cache"),
        }
        if options.web > 1:
            env["COACHG_CHROMA_URL"] = stack.enter_context(chroma(folder / "chroma"))
        phases = [
            phase(club, people, env, count, options, folder / f"phase{n + 1}-workers-{count}")
            for n, count in enumerate(options.workers)
        ]
    return Report(options, club.activities, club.seconds, os.cpu_count() or 0, load_before, phases)


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run (about 3 minutes)")
    parser.add_argument("--athletes", type=int)
    parser.add_argument("--coaches", type=int)
    parser.add_argument("--users", type=int, help="people chatting at once")
    parser.add_argument("--videos", type=int, help="videos analysed meanwhile")
    parser.add_argument("--duration", type=float, help="seconds of chat per worker count")
    parser.add_argument("--think", help="seconds between one person's messages, MIN,MAX")
    parser.add_argument("--workers", help="worker counts to run in turn (default 2,1,2)")
    parser.add_argument("--web", type=int, help="web servers (2+: they share a Chroma server)")
    parser.add_argument("--backend", choices=["postgres", "sqlite"])
    parser.add_argument("--postgres", help="a PostgreSQL URL (default: a throwaway cluster)")
    parser.add_argument("--redis", help="a Redis URL (default: a throwaway redis-server)")
    parser.add_argument("--job-timeout", type=float)
    parser.add_argument("--folder", type=Path, help="where logs and locust's CSV go")
    parser.add_argument("--json", type=Path, help="also write the numbers here as JSON")
    args = parser.parse_args(argv)
    changes: dict[str, object] = {
        name: getattr(args, name)
        for name in (
            "athletes", "coaches", "users", "videos", "duration", "web", "backend",
            "postgres", "redis", "job_timeout", "folder", "json",
        )
        if getattr(args, name) is not None
    }  # fmt: skip
    if args.think:
        low, high = (float(x) for x in args.think.split(","))
        changes["think"] = (low, high)
    if args.workers:
        changes["workers"] = tuple(int(x) for x in args.workers.split(","))
    if args.backend == "sqlite" and args.web is None:
        changes["web"] = 1  # each web server would have its own in-memory queue
    return Options.quick(**changes) if args.quick else Options(**changes)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    report = run(options)
    print(report.table())
    if options.json:
        options.json.write_text(report.to_json())
    lost = sum(p.jobs_lost for p in report.phases)
    errors = sum(p.chat.errors for p in report.phases)
    return 1 if lost or errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
