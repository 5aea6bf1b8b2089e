"""Strength: how much of the two real app exports maps to the exercise library, and how long an
import, a repeat import and a history take.

    python -m evals.bench_strength [--data ../shared/data]

Prints, per export: exercise names, names mapped to the library and the share of sets they
cover; then seconds for the first import, the repeat (nothing new), and ``strength_history``.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections import Counter
from pathlib import Path

from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.strength.history_tool import strength_history

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _names(path: Path, column: str) -> Counter[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return Counter(row[column] for row in csv.DictReader(f))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    folder = args.data / "strength"
    exports = {
        "hevy_export.csv": "exercise_title",
        "strong_export.csv": "Exercise Name",
    }
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = Database(f"sqlite:///{home / 'bench.db'}")
        settings = Settings(home=home, database_url=db.url)
        for number, (name, column) in enumerate(exports.items()):
            with db.session() as session:
                user = create_user(session, f"bench{number}")
            ctx = ToolContext(db=db, actor=user, settings=settings)
            started = time.perf_counter()
            report = import_paths(ctx, [folder / name])
            first = time.perf_counter() - started
            started = time.perf_counter()
            import_paths(ctx, [folder / name])
            repeat = time.perf_counter() - started
            started = time.perf_counter()
            strength_history(ctx)
            history_s = time.perf_counter() - started
            (log,) = report.strength
            sets = _names(folder / name, column)
            mapped_sets = sum(n for title, n in sets.items() if title in log.mapped)
            print(
                f"{name}: {len(sets)} exercise names, {len(log.mapped)} mapped to the library "
                f"({mapped_sets / sum(sets.values()):.0%} of {sum(sets.values())} sets); "
                f"{log.sessions_added} sessions, {log.sets_added} sets imported in {first:.2f} s; "
                f"repeat {repeat:.2f} s; history {history_s:.2f} s"
            )
        db.dispose()


if __name__ == "__main__":
    main()
