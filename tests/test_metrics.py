"""``/metrics`` on the session's real server (tests/conftest.py ``web_server``), read with a
real HTTP client and parsed by prometheus_client's own parser; and the counters of jobs and
imports, which every process keeps, moved by a real job and a real import in this one."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from storage.api_tokens import create_token
from storage.db import Database
from storage.monitoring import REGISTRY
from storage.settings import Settings
from storage.users import create_user, get_user
from tests.conftest import SharedServer
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.jobs.runner import JobRunner

FAMILIES = {
    "coachg_http_requests",
    "coachg_http_request_duration_seconds",
    "coachg_chat_turns",
    "coachg_chat_turn_duration_seconds",
    "coachg_jobs",
    "coachg_job_duration_seconds",
    "coachg_jobs_running",
    "coachg_job_queue_depth",
    "coachg_imports",
    "coachg_import_activities",
    "coachg_errors",
}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="module")
def server(web_server: SharedServer) -> SharedServer:
    with web_server.db.session() as session:
        if get_user(session, "mona") is None:
            create_user(session, "mona")
    return web_server


def token(db: Database, name: str, scopes: str) -> str:
    with db.session() as session:
        user = get_user(session, name)
        assert user is not None
        return create_token(session, user, scopes).secret


def scrape(url: str, **headers: str) -> dict:
    answer = requests.get(f"{url}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return samples(answer.text)


def test_metrics_are_prometheus_text_of_coachg_only(server: SharedServer) -> None:
    text = requests.get(f"{server.server.url}/metrics").text
    families = {family.name for family in text_string_to_metric_families(text)}
    assert families >= FAMILIES
    assert all(name.startswith("coachg_") for name in families)  # no global default collectors
    depth = value(samples(text), "coachg_job_queue_depth")
    assert not math.isnan(depth) and depth >= 0


def test_request_and_chat_counters_move(server: SharedServer) -> None:
    url = server.server.url
    mona = token(server.db, "mona", "write")
    before = scrape(url)
    for _ in range(2):
        answer = requests.get(
            f"{url}/api/v1/activities", headers={"Authorization": f"Bearer {mona}"}
        )
        assert answer.status_code == 200
    assert requests.get(f"{url}/api/v1/activities").status_code == 401
    assert requests.get(f"{url}/no/such/page").status_code == 404
    turn = requests.post(
        f"{url}/api/v1/ask",
        json={"message": "my last 3 runs"},
        headers={"Authorization": f"Bearer {mona}"},
    )
    assert turn.status_code == 200, turn.text
    after = scrape(url)

    route = {"route": "/api/v1/activities", "method": "GET"}
    ok = "coachg_http_requests_total"
    assert value(after, ok, **route, status="200") == value(before, ok, **route, status="200") + 2
    assert value(after, ok, **route, status="401") == value(before, ok, **route, status="401") + 1
    unlisted = {"route": "unlisted", "method": "GET", "status": "404"}
    assert value(after, ok, **unlisted) == value(before, ok, **unlisted) + 1
    timed = "coachg_http_request_duration_seconds_count"
    assert value(after, timed, **route) == value(before, timed, **route) + 3
    assert value(after, "coachg_http_request_duration_seconds_sum", **route) > 0
    turns = ("coachg_chat_turns_total", {"channel": "api", "outcome": "ok"})
    assert value(after, turns[0], **turns[1]) == value(before, turns[0], **turns[1]) + 1
    count = "coachg_chat_turn_duration_seconds_count"
    assert value(after, count, channel="api") == value(before, count, channel="api") + 1
    # No label holds a user, a token or a path that was not reviewed.
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert not any("mona" in v or "cg_" in v or "/no/such" in v for v in labels)


def test_metrics_through_a_proxy_need_a_metrics_token(server: SharedServer) -> None:
    url = server.server.url
    # The test server trusts a proxy on loopback: this request is a remote client's.
    remote = {"X-Forwarded-For": "203.0.113.7"}
    refused = requests.get(f"{url}/metrics", headers=remote)
    assert refused.status_code == 401
    assert "--scope metrics" in refused.json()["detail"]
    read = token(server.db, "mona", "read")
    wrong = requests.get(f"{url}/metrics", headers=remote | {"Authorization": f"Bearer {read}"})
    assert wrong.status_code == 403
    allowed = token(server.db, "mona", "metrics")
    scraped = scrape(url, **remote, Authorization=f"Bearer {allowed}")
    assert value(
        scraped, "coachg_http_requests_total", route="/metrics", method="GET", status="401"
    )


def test_jobs_and_imports_are_counted_in_the_process_that_runs_them(
    ann_ctx: ToolContext, db: Database, settings: Settings, shared_data: Path
) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    runner = JobRunner(db, settings, workers=1).start()
    try:
        failed = sample("coachg_jobs_total", kind="no_such_tool", outcome="failed")
        errors = sample("coachg_errors_total", where="job")
        job = runner.submit("tool", ann_ctx, name="no_such_tool", args={})
        with pytest.raises(Exception, match="no_such_tool"):
            job.wait()
        assert sample("coachg_jobs_total", kind="no_such_tool", outcome="failed") == failed + 1
        assert sample("coachg_errors_total", where="job") == errors + 1
        assert sample("coachg_job_duration_seconds_count", kind="no_such_tool") >= 1
        assert sample("coachg_jobs_running") == 0
    finally:
        runner.stop()

    imported = sample("coachg_import_activities_total", outcome="imported")
    repeats = sample("coachg_import_activities_total", outcome="duplicate")
    runs = sample("coachg_imports_total", outcome="ok")
    fit = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-run.fit"
    assert import_paths(ann_ctx, [fit]).imported == 1
    assert import_paths(ann_ctx, [fit]).duplicates == 1
    assert sample("coachg_import_activities_total", outcome="imported") == imported + 1
    assert sample("coachg_import_activities_total", outcome="duplicate") == repeats + 1
    assert sample("coachg_imports_total", outcome="ok") == runs + 2
