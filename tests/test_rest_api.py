"""The REST API (``/api/v1``) on the session's real server (tests/conftest.py ``web_server``:
``ui.web.serve`` in a subprocess, real SQLite, the rules backend, the in-process job queue),
driven by a real HTTP client with personal access tokens.

Its people here are its own, added to the shared database: Rita and Ursa are athletes, Carl
coaches Rita only. Rita has two real runs (FIT files of ../shared/data).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest
import requests
from fastapi import UploadFile

from storage.activities import add_activity
from storage.api_tokens import authenticate, create_token
from storage.db import Database
from storage.models import ApiToken
from storage.settings import Settings
from storage.users import create_user, link_coach
from tests.conftest import REPO, People, SharedServer
from tests.test_jobs_web import CLIP, CLIP_SECONDS, short_clip
from tools.context import ToolContext
from tools.importing.sources import parse_bytes
from ui.web_api import keep_api_upload
from ui.web_api_auth import ApiError
from ui.web_tokens import TokensHandler

RUNS = ("fitparse__garmin-fenix-5-run.fit", "fitparse__activity-small-fenix2-run.fit")
API = "/api/v1"


@dataclass
class Club:
    """The shared server, its URL and its people's user ids."""

    shared: SharedServer
    url: str
    ids: dict[str, int]

    @property
    def db(self) -> Database:
        return self.shared.db

    def token(self, name: str, scopes: str = "read", label: str = "") -> str:
        """A new token for ``name`` (made in the server's database, as the CLI makes one)."""
        with self.db.session() as session:
            from storage.users import get_user

            user = get_user(session, name)
            assert user is not None
            return create_token(session, user, scopes, name=label).secret

    def get(self, path: str, token: str | None = None, **params: object) -> requests.Response:
        return requests.get(f"{self.url}{API}{path}", headers=_bearer(token), params=params)

    def post(self, path: str, token: str | None = None, **kwargs: object) -> requests.Response:
        return requests.post(f"{self.url}{API}{path}", headers=_bearer(token), **kwargs)


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture(scope="module")
def club(web_server: SharedServer, shared_data: Path) -> Club:
    db = web_server.db
    with db.session() as session:
        people = {
            name: create_user(session, name, role="coach" if name == "carl" else "athlete")
            for name in ("rita", "ursa", "carl")
        }
        link_coach(session, people["carl"], people["rita"])
    settings = Settings(home=web_server.home, database_url=db.url)
    ctx = ToolContext(db=db, actor=people["rita"], settings=settings)
    for name in RUNS:
        path = shared_data / "activity_files" / "fit" / name
        for new in parse_bytes(path.read_bytes(), name):
            with ctx.session() as session:
                add_activity(session, ctx.actor, ctx.athlete_id, new)
    ids = {name: user.id for name, user in people.items()}
    return Club(shared=web_server, url=web_server.server.url, ids=ids)


def coachg(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``coachg`` command against the server's home and database."""
    env = {**os.environ, "COACHG_HOME": str(home)}
    env.pop("COACHG_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_token_made_by_the_cli_reads_and_stops_when_revoked(club: Club) -> None:
    made = coachg(club.shared.home, "token", "create", "--user", "rita", "--name", "script")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("cg_") and len(token) > 40 and "\n" not in token
    # Only its hash is kept.
    with club.db.session() as session:
        row = session.query(ApiToken).filter_by(user_id=club.ids["rita"], name="script").one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        token_id = row.id
    stored = b"".join(p.read_bytes() for p in club.shared.home.glob("coachg.db*"))
    assert token.encode() not in stored

    answer = club.get("/activities", token)
    assert answer.status_code == 200, answer.text
    activities = answer.json()["activities"]
    assert len(activities) == 2
    assert {a["sport"] for a in activities} == {"run"}
    assert all(a["distance_km"] > 0 for a in activities)
    listed = coachg(club.shared.home, "token", "list", "--user", "rita")
    assert row.prefix in listed.stdout and token not in listed.stdout

    revoked = coachg(club.shared.home, "token", "revoke", str(token_id), "--user", "rita")
    assert revoked.returncode == 0, revoked.stderr
    refused = club.get("/activities", token)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"


def test_without_a_token_or_with_a_bad_one_the_answer_is_401_in_json(club: Club) -> None:
    none = club.get("/activities")
    assert none.status_code == 401
    assert none.headers["content-type"].startswith("application/json")
    assert "coachg token create" in none.json()["detail"]
    assert none.headers["www-authenticate"].startswith("Bearer")
    for bad in ("cg_" + "x" * 43, "not-a-token", club.token("ursa")[:-2]):
        answer = club.get("/load", bad)
        assert answer.status_code == 401, bad
        assert answer.json()["error"] == "invalid_token"
    # A login cookie is not a token: the data API answers tokens only.
    page = requests.Session()
    assert page.post(f"{club.url}/login", data={"username": "ann", "password": "ann-pass-1"}).ok
    assert page.get(f"{club.url}{API}/activities").status_code == 401


def test_another_users_token_never_reaches_rita(club: Club) -> None:
    ursa = club.token("ursa")
    for path in ("/activities", "/load", "/changes/cadence", "/strength", "/strength/history"):
        answer = club.get(path, ursa, athlete="rita")
        assert answer.status_code == 403, (path, answer.text)
        assert "rita" not in answer.text.lower()
    # An athlete who does not exist is refused the same way (it is not even said).
    assert club.get("/activities", ursa, athlete="nobody").json() == (
        club.get("/activities", ursa, athlete="rita").json()
    )
    # Her own token answers her own data only: Ursa has none.
    assert club.get("/activities", ursa).json()["activities"] == []
    asked = club.post(
        "/ask", club.token("ursa", "write"), json={"message": "hi", "athlete": "rita"}
    )
    assert asked.status_code == 403


def test_a_coach_reaches_a_linked_athlete_only(club: Club) -> None:
    carl = club.token("carl", "write")
    answer = club.get("/activities", carl, athlete="rita", since="2000-01-01")
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["activities"]) == 2
    assert club.get("/activities", carl, athlete="ursa").status_code == 403
    turn = club.post("/ask", carl, json={"message": "her last 2 runs", "athlete": "rita"})
    assert turn.status_code == 200, turn.text
    reply = turn.json()
    # The JSON of `coachg ask --json`: the reply and every number's tool result.
    assert {"reply", "tool_calls", "results", "facts", "confidence", "backend"} <= set(reply)
    assert [call["name"] for call in reply["tool_calls"]] == ["list_activities"]
    assert reply["results"][0]["data"]["rows"][0]["id"] in {
        a["id"] for a in answer.json()["activities"]
    }
    assert club.post("/ask", carl, json={"message": "hi", "athlete": "ursa"}).status_code == 403


def test_each_scope_does_only_its_own(club: Club) -> None:
    read, metrics = club.token("rita", "read"), club.token("rita", "metrics")
    refused = club.post("/ask", read, json={"message": "my last run"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert "--scope write" in refused.json()["detail"]
    assert club.post("/strength", read, json={"workout": "3x8 squats 60 kg"}).status_code == 403
    assert club.get("/activities", metrics).status_code == 403
    assert club.get("/activities", club.token("rita", "write")).status_code == 200


def test_strength_is_logged_and_read_back(club: Club) -> None:
    rita = club.token("rita", "write")
    logged = club.post(
        "/strength", rita, json={"workout": "3x8 squats at 60 kg", "day": "2025-03-04"}
    )
    assert logged.status_code == 201, logged.text
    assert logged.json()["result"]["ok"]
    sessions = club.get("/strength", rita, since="2025-03-01", until="2025-03-31").json()
    (session,) = sessions["sessions"]
    assert session["day"] == "2025-03-04"
    assert [(s["reps"], s["weight_kg"]) for s in session["sets"]] == [(8, 60.0)] * 3
    history = club.get("/strength/history", rita, exercise="squat")
    assert history.status_code == 200, history.text
    assert history.json()["result"]["tool"] == "strength_history"
    unclear = club.post("/strength", rita, json={"workout": "did some stuff"})
    assert unclear.status_code == 422
    assert "Nothing was logged" in unclear.json()["detail"]
    assert club.get("/strength", rita, since="March").status_code == 422


def test_bad_arguments_get_422_with_what_to_do_and_unknown_jobs_404(club: Club) -> None:
    rita = club.token("rita", "write")
    dates = club.get("/activities", rita, since="last tuesdayish")
    assert dates.status_code == 422
    assert "YYYY-MM-DD" in dates.json()["detail"]
    limit = club.get("/activities", rita, limit=0)
    assert limit.status_code == 422 and "limit" in limit.json()["detail"]
    empty = club.post("/ask", rita, json={})
    assert empty.status_code == 422 and "message" in empty.json()["detail"]
    assert club.get("/jobs/0123456789abcdef", rita).status_code == 404
    assert club.get("/nothing-here", rita).status_code == 404
    text = club.post("/videos", rita, files={"file": ("notes.txt", b"hello")})
    assert text.status_code == 415 and ".mp4" in text.json()["detail"]


def test_the_openapi_description_is_for_a_token_or_a_login_only(club: Club) -> None:
    assert club.get("/openapi.json").status_code == 401
    described = club.get("/openapi.json", club.token("ursa")).json()
    paths = set(described["paths"])
    assert {"/activities", "/ask", "/videos", "/jobs/{job_id}", "/load"} <= paths
    assert {"/changes/{metric}", "/strength", "/strength/history"} <= paths
    page = requests.Session()
    assert page.post(f"{club.url}/login", data={"username": "bob", "password": "bob-pass-1"}).ok
    assert page.get(f"{club.url}{API}/openapi.json").json()["paths"].keys() == paths


def metric_value(url: str, name: str, **labels: str) -> float:
    """One sample of the server's /metrics (0 when absent), parsed by prometheus_client."""
    from prometheus_client.parser import text_string_to_metric_families

    text = requests.get(f"{url}/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_a_video_starts_a_job_only_its_owner_follows(
    club: Club, shared_data: Path, tmp_path: Path
) -> None:
    rita, ursa = club.token("rita", "write"), club.token("ursa", "write")
    jobs_before = metric_value(
        club.url, "coachg_jobs_total", kind="analyze_run_video", outcome="ok"
    )
    clip = short_clip(shared_data / "video" / CLIP, tmp_path / "rita_run.mp4", CLIP_SECONDS)
    with clip.open("rb") as video:
        started = club.post("/videos", rita, files={"file": (clip.name, video, "video/mp4")})
    assert started.status_code == 202, started.text
    job = started.json()["job"]
    assert job["state"] in ("queued", "running")
    assert job["url"] == f"{API}/jobs/{job['id']}"
    assert club.get(f"/jobs/{job['id']}", ursa).status_code == 404  # not hers: not even said
    # The upload is kept in Rita's media, counted against her quota like any other.
    media = club.shared.home / "media" / str(club.ids["rita"]) / "uploads"
    assert any(p.name == clip.name for p in media.rglob("*.mp4"))
    deadline = time.monotonic() + 420
    while (seen := club.get(f"/jobs/{job['id']}", rita).json()["job"])["state"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline, seen
        time.sleep(1)
    assert seen["state"] == "done", seen
    result = seen["result"]
    assert result["tool"] == "analyze_run_video" and result["ok"]
    assert any(f["name"].startswith("cadence") for f in result["facts"])
    # the pictures are drawn after the report: each file says whether it is there yet
    while seen["files"] == "drawing":
        assert time.monotonic() < deadline, seen
        assert {a["state"] for a in seen["result"]["artifacts"]} <= {"ready", "drawing"}
        time.sleep(0.5)
        seen = club.get(f"/jobs/{job['id']}", rita).json()["job"]
    shown = seen["result"]["artifacts"]
    assert len(shown) >= 10 and {a["state"] for a in shown} == {"ready"}
    assert all(Path(a["path"]).is_file() for a in shown)
    assert (
        metric_value(club.url, "coachg_jobs_total", kind="analyze_run_video", outcome="ok")
        == jobs_before + 1
    )
    assert (
        metric_value(club.url, "coachg_job_duration_seconds_count", kind="analyze_run_video") >= 1
    )


def test_no_token_is_ever_written_to_the_log(club: Club) -> None:
    good, bad = club.token("rita"), "cg_" + "Q" * 43
    assert club.get("/activities", good).status_code == 200
    assert club.get("/activities", bad).status_code == 401
    requests.get(f"{club.url}{API}/activities?token={good}")  # a careless client
    log = club.shared.server.output()
    assert "invalid token" in log  # the refusal is logged ...
    assert good not in log and bad not in log  # ... never the token
    assert good[3:] not in log and "Q" * 20 not in log


def test_the_settings_tab_shows_a_token_once_and_revokes_only_ones_own(
    db: Database, people: People
) -> None:
    tab = TokensHandler(db)
    ann, bob = gr.Request(username="ann"), gr.Request(username="bob")
    box, status, table, pick = tab.create("phone", ["read", "write"], ann)
    secret = box.value
    assert secret.startswith("cg_") and box.visible and "shown this once" in status
    assert secret not in table and "phone" in table and "read write" in table
    with db.session() as session:
        found = authenticate(session, secret)
        assert found is not None and found[0].name == "ann"
        token_id = found[1].id
    assert [value for _, value in pick.choices] == [token_id]
    # The list shown later holds the token's first characters only.
    later, _ = tab.listing(ann)
    assert secret not in later and secret[:11] in later
    bad = tab.create("x", [], ann)
    assert not bad[0].visible and "Scopes are" in bad[1]

    assert "not one of yours" in tab.revoke(token_id, bob)[0]
    with db.session() as session:
        assert authenticate(session, secret) is not None
    assert "revoked" in tab.revoke(token_id, ann)[0]
    with db.session() as session:
        assert authenticate(session, secret) is None


def test_an_api_video_counts_against_the_storage_quota(
    db: Database, people: People, tmp_path: Path, shared_data: Path
) -> None:
    settings = Settings(home=tmp_path / "home", database_url=db.url, media_quota_mb=1.0)
    settings.home.mkdir(parents=True)
    ctx = ToolContext(db=db, actor=people.ann, settings=settings)
    kept_before = ctx.media_dir / "uploads" / "old" / "earlier.mp4"
    kept_before.parent.mkdir(parents=True)
    kept_before.write_bytes(b"\0" * 700_000)  # 0.7 of her 1 MB
    clip = short_clip(shared_data / "video" / CLIP, tmp_path / "ann_run.mp4", 1)
    assert clip.stat().st_size > 400_000
    with clip.open("rb") as video, pytest.raises(ApiError) as refused:
        keep_api_upload(UploadFile(video, filename=clip.name), clip.name, ctx, settings)
    assert refused.value.status == 413 and "Storage quota" in refused.value.detail
    assert [p for p in ctx.media_dir.rglob("*") if p.is_file()] == [kept_before]
    assert not list(settings.home.glob("coachg-api-*"))  # nothing staged is left behind
    kept_before.unlink()
    with clip.open("rb") as video:
        kept = keep_api_upload(UploadFile(video, filename=clip.name), clip.name, ctx, settings)
    assert kept.read_bytes() == clip.read_bytes() and kept.is_relative_to(ctx.media_dir)
