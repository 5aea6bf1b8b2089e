"""Can every number of a reply be checked from outside? For each message, the reply's numbers
are looked up in what ``coachg ask --json`` prints beside it (the tool calls, every result's
facts and data, the route); a number is findable when it appears there (at the precision the
reply writes it) or in the user's own message. Coach G's fixed wording (help, what to film) is
code, not data, and is left out.

    python -m evals.traceable_numbers [--set evals/routing_holdout6.jsonl] [--limit 50]
                                      [--video ../shared/data/video/male_side_treadmill_30fps.mp4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from agent.coach import Coach
from agent.replies import Reply
from agent.verifier import numbers_in
from evals.routing_accuracy import TODAY, _seed, _without_fixed_texts, load_set
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user

HOLDOUT = Path(__file__).with_name("routing_holdout6.jsonl")
VIDEO = Path(__file__).resolve().parents[2] / "shared/data/video/male_side_treadmill_30fps.mp4"


def unfindable(reply: Reply, message: str) -> list[str]:
    """The numbers of ``reply`` that its JSON view (and the message) do not hold."""
    payload = reply.to_dict()
    payload.pop("reply")
    known = set(numbers_in(json.dumps(payload, default=str))) | set(numbers_in(message))
    values = [float(n) for n in known]
    missing = []
    for written in numbers_in(_without_fixed_texts(reply.text)):
        decimals = len(written.split(".")[1]) if "." in written else 0
        tolerance = 0.5 * 10**-decimals + 1e-9
        if written not in known and not any(abs(float(written) - v) <= tolerance for v in values):
            missing.append(written)
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=HOLDOUT)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--video", type=Path, default=VIDEO)
    options = parser.parse_args(argv)
    cases = [c for c in load_set(options.set) if not c.context and not c.attachments]
    cases = cases[: options.limit]
    with tempfile.TemporaryDirectory(prefix="coachg-traceable-") as folder:
        root = Path(folder)
        db = Database(f"sqlite:///{root / 'coachg.db'}")
        settings = Settings(home=root / "home", database_url=db.url)
        with db.session() as session:
            runner = create_user(session, "runner", password="runner-pass-1")
        _seed(db, runner)
        coach = Coach(db, settings, today=TODAY)
        checked, with_numbers, bad = 0, 0, []
        turns = [(c.message, ()) for c in cases]
        if options.video.is_file():
            turns.append(("analyze my run video", (str(options.video),)))
        for message, files in turns:
            reply = coach.turn(runner, message, list(files))
            checked += 1
            with_numbers += bool(numbers_in(_without_fixed_texts(reply.text)))
            if missing := unfindable(reply, message):
                bad.append((message, missing))
        db.dispose()
    print(f"messages: {checked}, replies with numbers: {with_numbers}")
    print(f"every number findable in the JSON: {checked - len(bad)}/{checked}")
    for message, missing in bad:
        print(f"- {message!r}: {missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
