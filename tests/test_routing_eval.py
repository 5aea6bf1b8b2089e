"""The routing evaluation on the rules backend: the labelled set runs through the real agent on a
real database, and the deterministic router has to choose tools and arguments well."""

from __future__ import annotations

from collections import Counter

import pytest

from evals.routing_accuracy import KINDS, RoutingResults, evaluate, load_set, report


@pytest.fixture(scope="module")
def results() -> RoutingResults:
    return evaluate(load_set(), backend="rules")


def test_the_set_is_large_and_covers_every_kind() -> None:
    cases = load_set()
    assert len(cases) >= 150
    kinds = Counter(case.kind for case in cases)
    assert set(kinds) == set(KINDS)
    tools = {case.tool for case in cases}
    assert {
        "import_activities",
        "sync_strava",
        "list_activities",
        "analyze_run_video",
        "search_knowledge",
    } <= tools
    assert all(case.attachments for case in cases if case.tool == "analyze_run_video")


def test_the_rules_router_meets_its_targets(results: RoutingResults) -> None:
    text = report(results)
    assert results.backend == "rules"
    assert results.tool_accuracy >= 0.95, text
    assert results.arguments_checked >= 100
    assert results.argument_accuracy >= 0.90, text
    assert results.grounded_share == 1.0, text


def test_no_message_runs_a_write_without_a_file_or_a_yes(results: RoutingResults) -> None:
    for outcome in results.outcomes:
        if outcome.tool in ("import_activities", "analyze_run_video"):
            assert outcome.case.attachments, outcome.case.message
