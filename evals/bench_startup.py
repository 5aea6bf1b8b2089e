"""Start-up speed of the command line: ``coachg --help`` and ``coachg ask`` on a new install and
warm.

Run: ``python -m evals.bench_startup [--repeats N] [--repo PATH]``. In a temporary ``COACHG_HOME``
it imports a few real activities from ``../shared/data``, then times, each in a fresh process and
as the median of ``--repeats`` runs, in wall seconds and in CPU seconds (user + system of the
process and its children: far steadier than wall time on a machine busy with other work):

* ``coachg --help``;
* the first question of a new install: ``coachg ask "my last 3 runs"`` with ``COACHG_HOME/cache``
  removed first, so the intent classifier is trained inside the question (from the examples'
  shipped vectors, ``agent/examples/vectors.npz``; a checkout without them embeds every
  example). The question is one of the training examples, so it needs no embedding model;
* the same with a question that is no training example: the embedding model is also written for
  ONNX Runtime and loaded to read it;
* the first question warm: the cache left as the previous run wrote it (its vector is kept, so
  the embedding model is not loaded);
* the question that is no training example, warm (the embedding model loads to read it).

Bytecode is written and used as after an ordinary install (``PYTHONDONTWRITEBYTECODE`` is
cleared for the runs; one untimed ``--help`` compiles it first). ``--repo`` times another
checkout of Coach G (e.g. a ``git worktree`` of an older commit) with this script and the same
virtual environment. It also prints what each ``ask`` wrote on stderr beyond the "acting as",
"answered by" and "getting ready" lines (warnings, progress bars), counted in lines, so a noisy
start shows in the numbers. Targets (issue 22): ``--help`` <= 0.5 s, warm ``ask`` <= 1 s, the first
question of a new install <= 5 s (both questions).

``--against OTHER`` compares two checkouts on a busy machine: after the usual rows for
``--repo``, the two warm asks are timed on both, one run of each checkout in turn (each with a
home of its own), so both see the same load; it prints each one's medians and the difference.
"""

from __future__ import annotations

import argparse
import os
import resource
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
EXPECTED = ("coachg: acting as", "(answered by:", "coachg: getting ready")
TARGETS = {"help": 0.5, "new": 5.0, "new text, new install": 5.0, "warm": 1.0, "new text": 1.0}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def coachg(
    home: Path, *args: str, repo: Path = REPO
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds a fresh ``coachg ARGS`` process took, and what it did."""
    env = {**os.environ, "COACHG_HOME": str(home), "COACHG_USER": "ann", "COACHG_LLM": "rules"}
    env.pop("COACHG_DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode kept between runs
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode:
        raise SystemExit(f"coachg {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, cpu, done


def noise(stderr: str) -> list[str]:
    """The stderr lines of a run that are neither expected nor empty."""
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not any(line.lstrip().startswith(e) for e in EXPECTED)
    ]


def timed(
    label: str, home: Path, repeats: int, *args: str, cold: bool = False, repo: Path = REPO
) -> tuple[float, float]:
    """The median wall and CPU seconds of ``repeats`` runs (``cold``: the cache removed first)."""
    walls, cpus, noisy = [], [], 0
    for _ in range(repeats):
        if cold:
            shutil.rmtree(home / "cache", ignore_errors=True)
        seconds, cpu, done = coachg(home, *args, repo=repo)
        walls.append(seconds)
        cpus.append(cpu)
        noisy = max(noisy, len(noise(done.stderr)))
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    runs = ", ".join(f"{t:.2f}" for t in walls)
    cpu_runs = ", ".join(f"{t:.2f}" for t in cpus)
    print(
        f"{label:<42} median {wall:6.2f} s, {cpu:6.2f} CPU s   "
        f"(runs: {runs}; CPU s: {cpu_runs}; other stderr lines: {noisy})"
    )
    return wall, cpu


def prepared_home(folder: Path, repo: Path) -> Path:
    """A ``COACHG_HOME`` under ``folder`` with the activities imported, the bytecode written and
    the classifier kept by ``repo``, ready for warm asks."""
    home = folder / "home"
    coachg(home, "import", *(str(FILES / name) for name in ACTIVITIES), repo=repo)
    coachg(home, "--help", repo=repo)  # bytecode written, untimed
    coachg(home, "ask", QUESTION, repo=repo)  # the classifier trained and kept
    coachg(home, "ask", NEW_QUESTION, repo=repo)  # the embedding model written for ONNX Runtime
    return home


def in_turn(
    label: str, checkouts: dict[Path, Path], repeats: int, *args: str
) -> dict[Path, tuple[float, float]]:
    """The median wall and CPU seconds of ``coachg ARGS`` on each checkout (``{repo: home}``),
    one run of each in turn ``repeats`` times."""
    walls: dict[Path, list[float]] = {repo: [] for repo in checkouts}
    cpus: dict[Path, list[float]] = {repo: [] for repo in checkouts}
    for _ in range(repeats):
        for repo, home in checkouts.items():
            seconds, cpu, _done = coachg(home, *args, repo=repo)
            walls[repo].append(seconds)
            cpus[repo].append(cpu)
    medians = {}
    for repo in checkouts:
        wall, cpu = statistics.median(walls[repo]), statistics.median(cpus[repo])
        medians[repo] = (wall, cpu)
        runs = ", ".join(f"{t:.2f}" for t in cpus[repo])
        print(f"{label:<34} {repo.name:<12} median {wall:6.2f} s, {cpu:6.2f} CPU s (CPU s: {runs})")
    return medians


def compare(repo: Path, other: Path, repeats: int) -> None:
    """The warm asks of ``repo`` and ``other``, timed in turn (see the module's doc)."""
    print(f"\n{repo} against {other}, in turn; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="coachg-bench-") as folder:
        checkouts = {
            checkout: prepared_home(Path(folder) / str(index), checkout)
            for index, checkout in enumerate((repo, other))
        }
        for label, question in (("warm", QUESTION), ("warm, a new text", NEW_QUESTION)):
            medians = in_turn(label, checkouts, repeats, "ask", question)
            (wall, cpu), (other_wall, other_cpu) = medians[repo], medians[other]
            print(
                f"{'':<34} {repo.name} - {other.name}: {wall - other_wall:+.2f} s, "
                f"{cpu - other_cpu:+.2f} CPU s"
            )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout to time")
    parser.add_argument("--show-stderr", action="store_true", help="print a warm ask's stderr")
    parser.add_argument(
        "--against", type=Path, help="another checkout: the warm asks of both timed in turn"
    )
    parser.add_argument(
        "--only-against", action="store_true", help="with --against: skip the usual rows"
    )
    options = parser.parse_args()
    repo = options.repo.resolve()
    if options.against and options.only_against:
        compare(repo, options.against.resolve(), options.repeats)
        return
    print(f"{repo}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="coachg-bench-") as folder:
        home = Path(folder) / "home"
        coachg(home, "import", *(str(FILES / name) for name in ACTIVITIES), repo=repo)
        print(f"{len(ACTIVITIES)} activities imported into {home}")
        coachg(home, "--help", repo=repo)  # bytecode written, untimed
        rows = {
            "help": timed("coachg --help", home, options.repeats, "--help", repo=repo),
            "new": timed(
                "first question of a new install",
                home,
                options.repeats,
                "ask",
                QUESTION,
                cold=True,
                repo=repo,
            ),
            "new text, new install": timed(
                "first question of a new install, new text",
                home,
                options.repeats,
                "ask",
                NEW_QUESTION,
                cold=True,
                repo=repo,
            ),
            "warm": timed(
                f'coachg ask "{QUESTION}" warm', home, options.repeats, "ask", QUESTION, repo=repo
            ),
            "new text": timed(
                "coachg ask (a new text) warm",
                home,
                options.repeats,
                "ask",
                NEW_QUESTION,
                repo=repo,
            ),
        }
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        for name, target in TARGETS.items():
            wall, cpu = rows[name]
            verdict = "met" if wall <= target else "not met"
            print(f"  {name}: {wall:.2f} s ({cpu:.2f} CPU s) against {target} s: {verdict}")
        if options.show_stderr:
            print(coachg(home, "ask", QUESTION, repo=repo)[2].stderr)
    if options.against:
        compare(repo, options.against.resolve(), options.repeats)


if __name__ == "__main__":
    main()
