"""Start-up speed of the command line: ``coachg --help`` and ``coachg ask`` cold and warm.

Run: ``python -m evals.bench_startup [--repeats N]``. In a temporary ``COACHG_HOME`` it imports a
few real activities from ``../shared/data``, then times, each in a fresh process and as the median
of ``--repeats`` runs:

* ``coachg --help``;
* ``coachg ask "my last 3 runs"`` cold: ``COACHG_HOME/cache`` removed first, so the intent
  classifier (and whatever else is cached there) is built inside the question;
* the same question warm: the cache left as the previous run wrote it (it is one of the training
  examples, whose vectors are kept, so the embedding model is not loaded);
* a question that is no training example, warm (the embedding model loads to read it).

It also prints what each ``ask`` wrote on stderr beyond the "acting as" and "answered by" lines
(warnings, progress bars), counted in lines, so a noisy start shows in the numbers.
Targets (issue 22): ``--help`` <= 0.5 s, warm ``ask`` <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILES = REPO.parent / "shared" / "data" / "activity_files"
ACTIVITIES = (
    "fit/fitparse__activity-small-fenix2-run.fit",
    "fit/fitparse__garmin-fenix-5-run.fit",
    "tcx/sweatpy__3173437224.tcx",
    "gpx/sweatpy__4801048867_strava.gpx",
)
QUESTION = "my last 3 runs"
#: A question that is no training example: its embedding needs the embedding model loaded.
NEW_QUESTION = "how far did I run on my longest run ever"
#: stderr lines every ``coachg ask`` prints on purpose.
EXPECTED = ("coachg: acting as", "(answered by:")


def coachg(home: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Seconds a fresh ``coachg ARGS`` process took, and what it did."""
    env = {**os.environ, "COACHG_HOME": str(home), "COACHG_USER": "ann", "COACHG_LLM": "rules"}
    env.pop("COACHG_DATABASE_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"coachg {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done


def noise(stderr: str) -> list[str]:
    """The stderr lines of a run that are neither expected nor empty."""
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not any(line.lstrip().startswith(e) for e in EXPECTED)
    ]


def timed(label: str, home: Path, repeats: int, *args: str, cold: bool = False) -> float:
    times, noisy = [], 0
    for _ in range(repeats):
        if cold:
            shutil.rmtree(home / "cache", ignore_errors=True)
        seconds, done = coachg(home, *args)
        times.append(seconds)
        noisy = max(noisy, len(noise(done.stderr)))
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{label:<28} median {median:6.2f} s   (runs: {runs}; other stderr lines: {noisy})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--show-stderr", action="store_true", help="print a warm ask's stderr")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coachg-bench-") as folder:
        home = Path(folder) / "home"
        coachg(home, "import", *(str(FILES / name) for name in ACTIVITIES))
        print(f"{len(ACTIVITIES)} activities imported into {home}")
        timed("coachg --help", home, options.repeats, "--help")
        timed(f'coachg ask "{QUESTION}" cold', home, options.repeats, "ask", QUESTION, cold=True)
        timed(f'coachg ask "{QUESTION}" warm', home, options.repeats, "ask", QUESTION)
        timed("coachg ask (a new text) warm", home, options.repeats, "ask", NEW_QUESTION)
        if options.show_stderr:
            print(coachg(home, "ask", QUESTION)[1].stderr)


if __name__ == "__main__":
    main()
