"""The routing evaluation on the rules backend: the labelled set runs through the real agent on a
real database, and the deterministic router has to choose tools and arguments well."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from agent.dates import parse_dates
from agent.extractors import _height_cm
from agent.reading import normalise
from evals.routing_accuracy import KINDS, RoutingResults, evaluate, load_set, report
from tools.registry import TOOLS


@pytest.fixture(scope="module")
def results() -> RoutingResults:
    return evaluate(load_set(), backend="rules")


def test_the_set_is_large_and_covers_every_kind() -> None:
    cases = load_set()
    assert len(cases) >= 150
    kinds = Counter(case.kind for case in cases)
    planned = any(spec.planned for spec in TOOLS.values())
    # "coming soon" answers exist only while some tool is planned (none is, since strength)
    assert set(kinds) == set(KINDS) - (set() if planned else {"coming_soon"})
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


EXAMPLES = Path(__file__).resolve().parents[1] / "agent" / "examples"


@pytest.mark.parametrize(
    ("name", "tool", "args", "kind"),
    [
        # Sets written without looking at the router, then fixed for (the hand-written router
        # reached 1.0 on #1-#3); since the redesign they also train the intent classifier, so
        # they guard against regressions in the extractors, safety rules and the turn loop.
        ("routing_holdout.jsonl", 0.97, 0.97, 0.97),
        ("routing_holdout2.jsonl", 0.98, 0.98, 0.97),
        ("routing_holdout3.jsonl", 0.99, 0.97, 0.99),
        # never fixed for: its date phrases the extractors cannot read stay misses (0.826)
        ("routing_holdout4.jsonl", 0.99, 0.80, 0.97),
    ],
)
def test_the_rules_router_holds_up_on_the_held_out_sets_it_was_fixed_for(
    name: str, tool: float, args: float, kind: float
) -> None:
    """Sets written without looking at the router, then used to improve it: they must not slip
    back. (``evals/routing_holdout5.jsonl`` and ``6`` are never tuned on: measured, not tested.)"""
    held_out = evaluate(load_set(EXAMPLES / name), backend="rules")
    text = report(held_out)
    assert held_out.size >= 80
    assert held_out.tool_accuracy >= tool, text
    assert held_out.argument_accuracy >= args, text
    assert held_out.kind_accuracy >= kind, text
    assert held_out.grounded_share == 1.0, text


@pytest.mark.parametrize(
    "phrase",
    [
        "between Sept 5 and Sept 12 2025",
        "between 5 sept 2025 and 12 sept",
        "between 12 sept 2025 and 5 sept 2025",
        "between dec 20 and jan 5",
        "from 20 oct to 5 dec",
        "from the 1st to the 15th of october",
        "oct 3-10",
        "between 1 may and 10 june",
        "the week before last",
        "last winter",
        "dec 20 thru jan 5",
        "in november and february",
        "last quarter",
        "q4",
    ],
)
def test_a_date_range_never_ends_before_it_starts(phrase: str) -> None:
    today = date(2026, 11, 24)
    dates = parse_dates(phrase, today)
    assert dates is not None and dates.since is not None, phrase
    if dates.until is not None:
        assert dates.since < dates.until, (phrase, dates)
    assert dates.since <= today, (phrase, dates)


# Today is Tuesday 24 November 2026; the expected ranges below are worked out by hand.
@pytest.mark.parametrize(
    ("phrase", "since", "until"),
    [
        # a bare day: of this month if it has come, else of last month
        ("anything on the 14th?", "2026-11-14", "2026-11-14"),
        ("what did i do on the 28th", "2026-10-28", "2026-10-28"),
        ("since the 3rd", "2026-11-03", None),
        # two months joined: from the first day of one to the last of the other
        ("walks in september and october", "2026-09-01", "2026-10-31"),
        ("between may and june", "2026-05-01", "2026-06-30"),
        ("in december and january", "2025-12-01", "2026-01-31"),
        ("from nov 2025 to feb", "2025-11-01", "2026-02-28"),
        # a month and a year: the whole month
        ("my activities from jan 2025", "2025-01-01", "2025-01-31"),
        ("runs in feb 2024", "2024-02-01", "2024-02-29"),
        ("from march 2025 onwards", "2025-03-01", None),
        # quarters: named (the latest begun), last (the one before this), this (so far)
        ("how many runs in q3?", "2026-07-01", "2026-09-30"),
        ("the third quarter", "2026-07-01", "2026-09-30"),
        ("q1 2025", "2025-01-01", "2025-03-31"),
        ("last quarter", "2026-07-01", "2026-09-30"),
        ("this quarter", "2026-10-01", None),
        # thru / through / till / until with no "from"
        ("what did i do oct 3rd thru oct 9th?", "2026-10-03", "2026-10-09"),
        ("1 may through 10 june", "2026-05-01", "2026-06-10"),
        ("oct 3 till 9", "2026-10-03", "2026-10-09"),
        ("dec 20 until jan 5", "2025-12-20", "2026-01-05"),
        # days of a month left unnamed: this month if the last day has come, else last month
        ("between the 2nd and the 9th of this month", "2026-11-02", "2026-11-09"),
        ("from the 3rd to the 10th", "2026-11-03", "2026-11-10"),
        ("what did i do 2nd-9th?", "2026-11-02", "2026-11-09"),
        ("between the 20th and the 28th", "2026-10-20", "2026-10-28"),
        ("between the 2nd and 9th of last month", "2026-10-02", "2026-10-09"),
        ("the 28th to the 3rd", "2026-10-28", "2026-11-03"),
        # a period named outright beats a day mentioned in passing
        ("sore legs today. what did I run over the last 5 days?", "2026-11-20", None),
        ("had a rough one today, what did i do in the past 2 weeks", "2026-11-11", None),
        # ... but the sentence that asks decides
        ("last week was a blur. what did i do yesterday?", "2026-11-23", "2026-11-23"),
    ],
)
def test_date_forms(phrase: str, since: str, until: str | None) -> None:
    dates = parse_dates(phrase, date(2026, 11, 24))
    assert dates is not None, phrase
    assert dates.as_args() == ({"since": since} | ({"until": until} if until else {})), phrase


def test_numbered_things_are_no_day_range() -> None:
    assert parse_dates("my 2nd to last run", date(2026, 11, 24)) is None
    assert parse_dates("my 1st and 2nd marathons", date(2026, 11, 24)) is None


@pytest.mark.parametrize(
    ("message", "height"),
    [
        ("im six foot, 30 fps", 182.9),  # 72 in x 2.54
        ("six foot two", 188.0),  # 74 in
        ("5 foot 10", 177.8),  # 70 in
        ("five feet eleven", 180.3),  # 71 in
        ("1 metre 80", 180.0),
        ("1m80, side on", 180.0),
        ("180 centimetres", 180.0),
        ("6 ft 1", 185.4),  # 73 in
    ],
)
def test_heights_in_words_and_figures(message: str, height: float) -> None:
    assert _height_cm(normalise(message)) == pytest.approx(height, abs=0.05)
