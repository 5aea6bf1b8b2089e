"""Coach G's whole chat loop with a real local model (a GGUF through the ``llamacpp`` backend).

Never run in CI and never a project dependency: it needs ``llama-cpp-python`` and a ``.gguf``
file on disk, and it takes minutes on a CPU. Three measures, all on a labelled routing set:

(a) routing with the model in the loop: :func:`evals.routing_accuracy.evaluate` with
    ``COACHG_LLM=llamacpp`` (the model is asked when the router is not sure, and drafts every
    reply), beside the rules backend on the same messages: tool, argument and kind accuracy,
    grounded share, median turn latency;
(b) the model as the router alone: :func:`agent.llm_calls.propose_call` on every single-turn
    message (no earlier messages, no attachments), scored against the label: the expected
    tool for ``tool``, the tool it is about for ``coming_soon`` (planned tools) and ``clarify``,
    no tool for ``smalltalk``, ``help``, ``unknown`` and ``decline``;
(c) drafts: full turns on ``list_activities`` / ``search_knowledge`` messages, every model
    draft logged (message, draft, rendered draft, final text, accepted or why rejected) to a
    JSON-lines file, and the accepted replies printed for a person to check for false claims.

A draft is accepted when the reply is the rendered draft rather than the template
(:func:`agent.composer.compose_many` of the turn's results).

    python -m evals.llm_loop --model PATH [--set evals/routing_holdout6.jsonl] [--limit N]
        [--drafts N] [--parts abc] [--threads N] [--out DRAFTS.jsonl]

``--limit`` caps the messages of (a) and (b) (spread evenly over the set). Measured with
Qwen2.5-Coder-1.5B-Instruct Q4_K_M on one thread of a shared two-core machine: (a) about 11 s a
message (a routing call, when the router is unsure, about 80 s: the tool schemas are read again
after each draft), (b) about 11 s a message, (c) about 17 s a message; the defaults (20, 30) ran
in about 17 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import agent.coach as coach_module
from agent import composer
from agent.coach import Coach
from agent.composer import compose_many, fact_table, render_draft
from agent.llm_calls import propose_call
from agent.verifier import is_grounded, ungrounded_numbers
from evals.routing_accuracy import (
    TODAY,
    Case,
    RoutingResults,
    _forget_conversations,
    _seed,
    evaluate,
    load_set,
)
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user

HOLDOUT = Path(__file__).resolve().parent / "routing_holdout6.jsonl"
NO_TOOL_KINDS = ("smalltalk", "help", "unknown", "decline")
DRAFT_TOOLS = ("list_activities", "search_knowledge")


# -- the model ----------------------------------------------------------------------------


class ModelCalls:
    """Seconds of each model call: routing proposals (with a schema) and drafts (without)."""

    def __init__(self) -> None:
        self.routing: list[float] = []
        self.drafts: list[float] = []

    def summary(self) -> str:
        def one(name: str, seconds: list[float]) -> str:
            if not seconds:
                return f"{name} 0"
            return f"{name} {len(seconds)} (median {statistics.median(seconds):.1f} s)"

        return f"{one('routing calls', self.routing)}, {one('drafts', self.drafts)}"


@contextmanager
def counting(calls: ModelCalls) -> Iterator[None]:
    """Time every :class:`LlamaCppBackend` call, whoever made the backend."""
    from models.llm_llamacpp import LlamaCppBackend

    original = LlamaCppBackend.generate

    def generate(self: Any, messages: Any, max_tokens: int = 256, schema: Any = None) -> str:
        started = time.perf_counter()
        try:
            return original(self, messages, max_tokens, schema)
        finally:
            (calls.routing if schema else calls.drafts).append(time.perf_counter() - started)

    LlamaCppBackend.generate = generate  # type: ignore[method-assign]
    try:
        yield
    finally:
        LlamaCppBackend.generate = original  # type: ignore[method-assign]


@contextmanager
def llama_threads(threads: int | None) -> Iterator[None]:
    """Make every ``llama_cpp.Llama`` built meanwhile use ``threads`` CPU threads for prompts and
    generation alike. The backend leaves it to llama-cpp-python: half the cores to generate,
    all of them for prompts, which on a busy two-core machine makes prompts slower (its OpenMP
    threads wait for each other) than one thread does."""
    import llama_cpp

    original = llama_cpp.Llama

    def make(*args: Any, **kwargs: Any) -> Any:
        if threads:
            kwargs.setdefault("n_threads", threads)
            kwargs.setdefault("n_threads_batch", threads)
        return original(*args, **kwargs)

    llama_cpp.Llama = make  # type: ignore[misc]
    try:
        yield
    finally:
        llama_cpp.Llama = original  # type: ignore[misc]


@contextmanager
def environment(**values: str) -> Iterator[None]:
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_model(path: Path, threads: int | None) -> Any:
    from models.llm_llamacpp import LlamaCppBackend

    with llama_threads(threads):
        return LlamaCppBackend(str(path))


def spread(cases: Sequence[Case], limit: int | None) -> list[Case]:
    """At most ``limit`` cases, evenly spread over the set (its order groups similar cases)."""
    if not limit or limit >= len(cases):
        return list(cases)
    return [cases[index * len(cases) // limit] for index in range(limit)]


# -- (a) routing with the model in the loop -------------------------------------------------


def part_a(cases: Sequence[Case], model: Path, threads: int | None) -> None:
    print(f"\n(a) routing with the model in the loop: {len(cases)} messages")
    calls = ModelCalls()
    started = time.perf_counter()
    with (
        environment(COACHG_LLM="llamacpp", COACHG_LLM_MODEL=str(model)),
        llama_threads(threads),
        counting(calls),
    ):
        with_model = evaluate(cases, backend="llamacpp")
    model_s = time.perf_counter() - started
    if with_model.backend != "llamacpp":
        raise SystemExit("the llamacpp backend did not load: Coach G fell back to rules")
    started = time.perf_counter()
    rules = evaluate(cases, backend="rules")
    rules_s = time.perf_counter() - started
    rows: list[tuple[str, Callable[[RoutingResults], str]]] = [
        ("tool accuracy", lambda r: f"{r.tool_accuracy:.3f}"),
        ("argument accuracy", lambda r: f"{r.argument_accuracy:.3f} ({r.arguments_checked})"),
        ("kind accuracy", lambda r: f"{r.kind_accuracy:.3f}"),
        ("subject accuracy", lambda r: f"{r.subject_accuracy:.3f}"),
        ("grounded share", lambda r: f"{r.grounded_share:.3f}"),
        ("all right", lambda r: f"{sum(o.ok for o in r.outcomes) / max(r.size, 1):.3f}"),
        ("median latency", lambda r: f"{r.median_ms / 1000:.2f} s"),
        ("p90 latency", lambda r: f"{_quantile([o.ms for o in r.outcomes], 0.9) / 1000:.2f} s"),
    ]
    print(f"  {'':20} {'rules':>14} {'llamacpp':>14}")
    for name, show in rows:
        print(f"  {name:20} {show(rules):>14} {show(with_model):>14}")
    print(f"  run time: rules {rules_s:.0f} s, llamacpp {model_s:.0f} s; model: {calls.summary()}")
    changed = [
        (r, m) for r, m in zip(rules.outcomes, with_model.outcomes, strict=True) if r.ok != m.ok
    ]
    print(f"  messages right with one backend only: {len(changed)}")
    for r, m in changed:
        print(
            f"  - {r.case.message!r}: rules {'right' if r.ok else 'wrong'} "
            f"({_got(r)}), llamacpp {'right' if m.ok else 'wrong'} ({_got(m)})"
        )


def _got(outcome: Any) -> str:
    if outcome.tool:
        return f"{outcome.tool} {outcome.args}"
    return f"[{outcome.kind}{' ' + outcome.about if outcome.about else ''}]"


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- (b) the model as the router alone ------------------------------------------------------


def expected_tool(case: Case) -> str | None:
    """What a router should propose: the tool, the (planned or file) tool a ``coming_soon`` or
    ``clarify`` answer is about, or none."""
    if case.kind == "tool":
        return case.tool
    if case.kind in ("coming_soon", "clarify"):
        return case.about
    assert case.kind in NO_TOOL_KINDS, case.kind
    return None


def part_b(cases: Sequence[Case], backend: Any) -> None:
    singles = [c for c in cases if not c.context and not c.attachments]
    print(f"\n(b) the model as the router alone: {len(singles)} single-turn messages")
    rows = []
    for case in singles:
        started = time.perf_counter()
        proposal = propose_call(backend, case.message, TODAY, None)
        seconds = time.perf_counter() - started
        got = proposal.tool if proposal is not None else None
        rows.append((case, proposal, got, got == expected_tool(case), seconds))
    right = sum(ok for *_, ok, _ in rows)
    print(f"  tool accuracy      {right / max(len(rows), 1):.3f}  ({right}/{len(rows)})")
    unusable = sum(proposal is None for _, proposal, *_ in rows)
    print(f"  no usable answer   {unusable}  (counted as no tool)")
    print(f"  median latency     {statistics.median(s for *_, s in rows):.2f} s")
    by_kind: dict[str, list[bool]] = {}
    for case, _, _, ok, _ in rows:
        by_kind.setdefault(case.kind, []).append(ok)
    for kind, flags in sorted(by_kind.items()):
        print(f"    {kind:12} {sum(flags)}/{len(flags)}")
    confusion = Counter(
        (expected_tool(c) or "-", got or "-") for c, _, got, ok, _ in rows if not ok
    )
    print("  misses (expected -> proposed: count):")
    for (want, got), count in confusion.most_common():
        print(f"    {want} -> {got}: {count}")
    for case, _, got, ok, _ in rows:
        if not ok:
            print(f"    - {case.message!r}: expected {expected_tool(case)}, proposed {got}")


# -- (c) drafts -----------------------------------------------------------------------------


def draft_cases(cases: Sequence[Case], count: int) -> list[Case]:
    """Up to ``count`` single-turn athlete messages for the drafting tools, alternating tools."""
    pools = [
        [
            c
            for c in cases
            if c.kind == "tool"
            and c.tool == tool
            and not c.context
            and not c.attachments
            and not c.as_coach
        ]
        for tool in DRAFT_TOOLS
    ]
    chosen: list[Case] = []
    while len(chosen) < count and any(pools):
        for pool in pools:
            if pool and len(chosen) < count:
                chosen.append(pool.pop(0))
    return chosen


def why_rejected(
    draft: str, results: Sequence[Any], args: list[dict[str, Any]], message: str
) -> str:
    """Which of the composer's checks a draft fails: mirrors :func:`render_draft` (each check
    only where the composer still has it), then the grounding check."""
    from tools.markdown import safe_reply

    text = safe_reply(draft or "").strip()
    if not text:
        return "empty draft"
    check = lambda name: getattr(composer, name, None)  # noqa: E731
    if (refusal := check("_REFUSAL")) and refusal.search(text):
        return "a refusal though the tool answered"
    if (unit := check("_UNIT_AFTER")) and (found := unit.search(text)):
        return f"a unit typed after a fact: {found[0]!r}"
    table = fact_table(results)
    placeholder = check("_PLACEHOLDER") or re.compile(r"\{([a-z0-9_]+)\}")
    names = placeholder.findall(text)
    if unknown := [n for n in names if n not in table]:
        return f"unknown fact names {unknown}"
    if table and not names and check("_REFUSAL"):  # the stricter composer wants facts named
        return "reports none of the facts"
    bare = placeholder.sub("", text)
    if (digits := check("_DIGIT")) and (digit := digits.search(bare)):
        near = bare[max(0, digit.start() - 25) : digit.end() + 15]
        return f"writes a figure itself: ...{near}..."
    given_text = check("_given_text")
    allowed = " ".join(
        [message, *(str(v) for a in args for v in a.values())]
        + ([given_text(r) for r in results] if given_text else [])
    ).lower()
    if periods := check("_PERIODS"):
        for match in periods.finditer(text):
            if match[0].lower() not in allowed:
                return f"names a period not given: {match[0]!r}"
    sports = check("SPORTS") or list((check("_SPORT_WORDS") or {}).items())
    for sport, pattern in sports:
        named = re.search(pattern, text, re.I) and not re.search(pattern, allowed, re.I)
        if named and not any(a.get("sport") == sport for a in args):
            return f"names a sport not given: {sport}"
    if unsupported := check("_UNSUPPORTED"):
        for match in unsupported.finditer(text):
            if match[0].lower() not in allowed:
                return f"an unsupported judgement: {match[0]!r}"
    stem_in, common = check("_stem_in"), check("_COMMON")
    share = check("SUPPORTED_SHARE")
    if stem_in and common is not None and share is not None:
        given = set(re.findall(r"[a-z]{4,}", allowed + " " + " ".join(table).replace("_", " ")))
        for sentence in re.split(r"[.!?;:\n]+", placeholder.sub(" ", text)):
            words = [w for w in re.findall(r"[a-z]{4,}", sentence.lower()) if w not in common]
            if words and sum(stem_in(w, given) for w in words) / len(words) < share:
                return f"a sentence mostly unsupported: {sentence.strip()[:60]!r}"
    rendered = render_draft(draft, results, args, message)
    if rendered is None:
        return "rejected by render_draft (a check this mirror does not know)"
    missing = ungrounded_numbers(rendered, list(results), args, message)
    if missing:
        return f"ungrounded numbers {missing}"
    return "not rejected"


def part_c(cases: Sequence[Case], backend: Any, model: Path, out: Path) -> None:
    print(f"\n(c) drafts: {len(cases)} list_activities / search_knowledge messages")
    records: list[dict[str, Any]] = []
    drafts: list[str] = []
    original = coach_module.draft_with_llm

    def recording(llm: Any, message: str, results: Any) -> str:
        draft = original(llm, message, results)
        drafts.append(draft)
        return draft

    with tempfile.TemporaryDirectory(prefix="coachg-llm-loop-") as folder:
        root = Path(folder)
        db = Database(f"sqlite:///{root / 'coachg.db'}")
        coach_module.draft_with_llm = recording
        try:
            settings = Settings(
                home=root / "home", database_url=db.url, llm="llamacpp", llm_model=str(model)
            )
            with db.session() as session:
                athlete = create_user(session, "runner", password="runner-pass-1")
            _seed(db, athlete)
            coach = Coach(db, settings, llm=backend, today=TODAY)
            for case in cases:
                _forget_conversations(db, athlete)
                drafts.clear()
                started = time.perf_counter()
                reply = coach.turn(athlete, case.message)
                seconds = time.perf_counter() - started
                records.append(_record(case, reply, drafts, seconds))
        finally:
            coach_module.draft_with_llm = original
            db.dispose()

    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, default=str) + "\n")
    status = Counter(r["status"] for r in records)
    print(
        f"  accepted {status['accepted']}, rejected {status['rejected']}, "
        f"no draft {status['no draft']}  (log: {out})"
    )
    reasons = Counter(r["reason"].split(":")[0] for r in records if r["status"] == "rejected")
    for reason, count in reasons.most_common():
        print(f"    rejected, {reason}: {count}")
    print(f"  median turn        {statistics.median(r['seconds'] for r in records):.1f} s")
    print("\n  accepted replies, to check by hand for claims the facts don't support:")
    for number, r in enumerate((r for r in records if r["status"] == "accepted"), 1):
        print(f"\n  [{number}] {r['message']!r} -> {r['tool']} {r['args']}")
        print(f"      facts: {r['facts']}")
        for note in r["notes"]:
            print(f"      note: {note}")
        print(f"      draft: {r['draft']!r}")
        print("      reply: " + r["final"].replace("\n", "\n             "))


def _record(case: Case, reply: Any, drafts: list[str], seconds: float) -> dict[str, Any]:
    template = compose_many(reply.results)
    args = [c.args for c in reply.tool_calls]
    draft = drafts[-1] if drafts else None
    rendered = render_draft(draft, reply.results, args, case.message) if draft else None
    grounded = rendered is not None and is_grounded(rendered, reply.results, args, case.message)
    accepted = bool(rendered and grounded and reply.text.startswith(rendered))
    if draft is None:
        status, reason = "no draft", "the model was not asked to draft (no tool ran, or it failed)"
    elif accepted:
        status, reason = "accepted", ""
    else:
        status, reason = "rejected", why_rejected(draft, reply.results, args, case.message)
    return {
        "message": case.message,
        "expected_tool": case.tool,
        "tool": reply.tool_calls[0].name if reply.tool_calls else None,
        "args": args[0] if args else {},
        "status": status,
        "reason": reason,
        "differs_from_template": reply.text != template,
        "facts": fact_table(reply.results),
        "notes": [
            f"{hit.get('title', '')} ({hit.get('source', '')})"
            for r in reply.results
            for hit in (r.data.get("hits") or [])[:3]
        ],
        "draft": draft,
        "rendered": rendered,
        "final": reply.text,
        "template": template,
        "seconds": round(seconds, 2),
    }


# -- running it -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a .gguf file")
    parser.add_argument("--set", type=Path, default=HOLDOUT, help="a JSON-lines routing set")
    parser.add_argument("--limit", type=int, default=20, help="messages for (a) and (b); 0: all")
    parser.add_argument("--drafts", type=int, default=30, help="messages for (c)")
    parser.add_argument("--parts", default="abc", help="which measures to run, e.g. 'bc'")
    parser.add_argument(
        "--threads",
        type=int,
        default=max(1, (os.cpu_count() or 2) // 2),
        help="CPU threads for prompts and generation (default: half the cores)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "llm_drafts.jsonl"
    )
    options = parser.parse_args(argv)
    if not options.model.is_file():
        parser.error(f"no model file at {options.model}")
    with options.model.open("rb") as file:
        if file.read(4) != b"GGUF":
            parser.error(f"{options.model} is not a GGUF file")
    try:
        import llama_cpp
    except ImportError:
        parser.error("llama-cpp-python is not installed: pip install llama-cpp-python")
    cases = load_set(options.set)
    print(
        f"model {options.model.name}, llama-cpp-python {llama_cpp.__version__}, "
        f"{options.threads} threads, set {options.set.name} ({len(cases)} messages)"
    )
    started = time.perf_counter()
    subset = spread(cases, options.limit)
    if "a" in options.parts:
        part_a(subset, options.model, options.threads)
    backend = load_model(options.model, options.threads) if set("bc") & set(options.parts) else None
    calls = ModelCalls()
    with counting(calls):
        if "b" in options.parts:
            part_b(subset, backend)
        if "c" in options.parts:
            part_c(draft_cases(cases, options.drafts), backend, options.model, options.out)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
