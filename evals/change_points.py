"""Change points on real annotated series: Coach G's detector against people's marks.

Runs :func:`tools.trends.changepoints.detect`, with its defaults and nothing else, on every series
of a folder laid out like the Turing Change Point Dataset subset in the shared data
(``annotations.json`` plus ``series/NAME/NAME.json``), writes ``{"series name": [0-based change
indices]}`` to ``--out`` and prints, per series and on average, the F1 score (margin 5) and the
segmentation covering of

- the detector;
- the no-change baseline (predicts nothing);
- plain ruptures defaults: ``rpt.Pelt(model="l2")`` with ruptures' default ``min_size=2`` and
  ``jump=5`` (change points only at multiples of 5) on the raw values, penalty ``log(n) * sum of
  the columns' variances`` (the BIC with the series' whole spread taken as noise). ruptures has no
  default penalty; this is the textbook one. It takes a few seconds over the 16 series.

Scores follow van den Burg and Williams, "An Evaluation of Change Point Detection Algorithms"
(2020, arXiv:2003.06222), and are implemented here: :func:`f1_score` and :func:`covering`.

The TCPD series are a held-out set: the detector's rule was fixed from first principles and from
synthetic noise and steps injected into a real runner's series (``evals.injected_steps``), then
scored here once. First (never-tuned) score, 16 series, mean F1 / mean covering:

    detector 0.639 / 0.580, no change 0.696 / 0.608, plain ruptures defaults 0.654 / 0.645

so the detector as first written did NOT beat the no-change baseline. It found 62 changes in
``bank`` (nobody marked any), 48 in ``run_log`` and 12-15 in ``businv`` and
``children_per_woman``: 11 of the 16 series (economic ones, and run_log, whose distance column
is cumulative) have a lag-1 autocorrelation at or beyond the 0.8 the detector believes, i.e.
they wander like random walks or ramps, where a level-shift model does not hold.

One change was made after seeing that score, and none since: a column whose lag-1
autocorrelation reaches 0.8 (the cap the detector already had, documented then as the point where
"a level" stops meaning much) is now left out of the search instead of searched with its noise
inflated at the cap; the penalty counts only the columns searched. Second score, NOT held out:

    detector 0.727 / 0.657, no change 0.696 / 0.608, plain ruptures defaults 0.654 / 0.645

It beats the no-change baseline mostly by abstaining: it now looks for changes in only 4 of the
16 series (nile, quality_control_1, _3, _5), equals the baseline on the other 12, and on those 4
scores 0.917 / 0.885 against 0.789 / 0.690 (plain ruptures 0.917 / 0.895). It says nothing about
run_log, whose pace is smooth (GPS-smoothed) though its intervals are real level shifts, which
people marked. The runner's per-run series the detector is for have lag-1 autocorrelation near
0, and the injected-step figures did not move.

Issue 19 (second round). Before anything was changed the 16 series were split in two, in name
order, alternately: a development half (``DEV``), on which changes could be tried and kept, and a
held-out half (``HELD_OUT``), scored once at the end (``--split``; every series had been seen in
the rounds above, so the held-out half is held out from this round's choices only). Before,
mean F1 / covering (detector; no change):

    dev 0.774 / 0.702 (0.710 / 0.624); held out 0.681 / 0.611 (0.681 / 0.592); declined 12 of 16

Two changes, tried on the dev half: the penalty calibrated to about 1 % false alarms on Gaussian
noise (it grows like log log n; the modified BIC grew like log n) left the dev scores as they
were; a series whose every column wanders is searched in its differences (changes of rate)
instead of declined, which lifted the dev half to 0.862 / 0.790 (run_log 0.446 -> 0.990). Then,
once, the held-out half:

    dev 0.862 / 0.790; held out 0.663 / 0.635 (no change 0.681 / 0.592); declined 1 of 16

so on the held-out half covering rose (0.611 -> 0.635) and F1 fell (0.681 -> 0.663, below the
no-change baseline): shanghai_license, now searched, gets changes that cover its segments better
(0.547 -> 0.739) but sit outside the 5-point margin of the marks (F1 0.636 -> 0.491). The 0.75
F1 the issue asks for is met on the dev half and not on the held-out half.

    python -m evals.change_points [--data DIR] [--out FILE] [--json SCORES]
        [--split dev|held-out|all]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import ruptures as rpt

from tools.trends.changepoints import Detection, detect

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "changepoint" / "tcpd"
MARGIN = 5
#: The split fixed for issue 19 before any change was tried: the 16 series in name order,
#: alternately development (changes may be tried and kept on these) and held out (scored once
#: at the end, never looked at in between). Every series had been scored once before (see above).
DEV = (
    "bank",
    "children_per_woman",
    "gdp_argentina",
    "global_co2",
    "nile",
    "quality_control_3",
    "run_log",
    "unemployment_nl",
)
HELD_OUT = (
    "businv",
    "construction",
    "gdp_iran",
    "jfk_passengers",
    "quality_control_1",
    "quality_control_5",
    "shanghai_license",
    "usd_isk",
)


# --- scores -----------------------------------------------------------------------------------


def true_positives(truth: Iterable[int], predicted: Iterable[int], margin: int = MARGIN) -> int:
    """How many true points are matched by a prediction within ``margin``, each prediction used
    at most once. True points are taken in increasing order, each matched to the closest unused
    prediction (the earlier one on a tie), as in van den Burg and Williams."""
    left = sorted(set(predicted))
    found = 0
    for tau in sorted(set(truth)):
        close = [(abs(tau - x), x) for x in left if abs(tau - x) <= margin]
        if close:
            left.remove(min(close)[1])
            found += 1
    return found


def precision_recall(
    annotations: Mapping[str, Sequence[int]], predicted: Iterable[int], margin: int = MARGIN
) -> tuple[float, float]:
    """Precision against the union of the annotators' points, recall averaged over annotators;
    index 0 is added to every set (so nothing is ever divided by zero)."""
    x = {0, *predicted}
    sets = [{0, *points} for points in annotations.values()]
    union = set().union(*sets)
    precision = true_positives(union, x, margin) / len(x)
    recall = sum(true_positives(t, x, margin) / len(t) for t in sets) / len(sets)
    return precision, recall


def f1_score(
    annotations: Mapping[str, Sequence[int]], predicted: Iterable[int], margin: int = MARGIN
) -> float:
    """F1 with ``margin``: the harmonic mean of :func:`precision_recall`."""
    p, r = precision_recall(annotations, predicted, margin)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def partition(points: Iterable[int], n: int) -> list[tuple[int, int]]:
    """The segments ``[start, end)`` of ``range(n)`` cut at ``points`` (0 and n are implied)."""
    cuts = sorted({p for p in points if 0 < p < n})
    edges = [0, *cuts, n]
    return list(itertools.pairwise(edges))


def _jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union


def cover(truth: list[tuple[int, int]], predicted: list[tuple[int, int]], n: int) -> float:
    """Covering of the partition ``truth`` by ``predicted``: the mean over points of the best
    Jaccard overlap between the true segment holding the point and any predicted segment."""
    return sum((r[1] - r[0]) * max(_jaccard(r, q) for q in predicted) for r in truth) / n


def covering(annotations: Mapping[str, Sequence[int]], predicted: Iterable[int], n: int) -> float:
    """Segmentation covering of the prediction, averaged over the annotators."""
    mine = partition(predicted, n)
    return sum(cover(partition(t, n), mine, n) for t in annotations.values()) / len(annotations)


# --- data and methods --------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    values: np.ndarray  # (n, d), NaN where missing


def load_series(path: Path) -> Series:
    """One TCPD series file: ``series[].raw`` columns, ``null`` read as NaN."""
    data = json.loads(path.read_text())
    columns = [[math.nan if v is None else float(v) for v in s["raw"]] for s in data["series"]]
    values = np.array(columns, dtype=float).T
    return Series(name=data["name"], values=values)


def load_folder(folder: Path) -> tuple[dict[str, dict[str, list[int]]], list[Series]]:
    annotations = json.loads((folder / "annotations.json").read_text())
    series = [load_series(folder / "series" / name / f"{name}.json") for name in annotations]
    return annotations, series


def detector(values: np.ndarray) -> list[int]:
    """Coach G's detector, defaults only."""
    return _detection(values).indices


def _detection(values: np.ndarray) -> Detection:
    x = values[:, 0] if values.shape[1] == 1 else values
    return detect(x)


def declines(values: np.ndarray) -> bool:
    """Whether the detector looked for no change at all (every column left out)."""
    return "no change looked for" in _detection(values).note


def no_change(values: np.ndarray) -> list[int]:
    return []


def plain_ruptures(values: np.ndarray) -> list[int]:
    """``rpt.Pelt(model="l2")`` with ruptures' defaults, pen = log(n) * sum of column variances
    (rows with a missing value left out, indices mapped back)."""
    keep = ~np.isnan(values).any(axis=1)
    x = values[keep]
    n = x.shape[0]
    if n < 4:
        return []
    pen = math.log(n) * float(np.var(x, axis=0).sum())
    if pen <= 0:
        return []
    ends = rpt.Pelt(model="l2").fit(x).predict(pen=pen)
    return [int(i) for i in np.flatnonzero(keep)[ends[:-1]]]


METHODS: dict[str, Callable[[np.ndarray], list[int]]] = {
    "detector": detector,
    "no change": no_change,
    "ruptures defaults": plain_ruptures,
}


@dataclass(frozen=True)
class Score:
    series: str
    method: str
    f1: float
    covering: float
    predicted: list[int]
    declined: bool = False


def evaluate(
    annotations: Mapping[str, Mapping[str, Sequence[int]]], series: Sequence[Series]
) -> list[Score]:
    scores = []
    for s in series:
        n = s.values.shape[0]
        for method, run in METHODS.items():
            predicted = run(s.values)
            scores.append(
                Score(
                    series=s.name,
                    method=method,
                    f1=f1_score(annotations[s.name], predicted),
                    covering=covering(annotations[s.name], predicted, n),
                    predicted=predicted,
                    declined=method == "detector" and declines(s.values),
                )
            )
    return scores


def means(
    scores: Sequence[Score], only: Sequence[str] | None = None
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for method in METHODS:
        mine = [s for s in scores if s.method == method and (only is None or s.series in only)]
        out[method] = {
            "f1": sum(s.f1 for s in mine) / len(mine),
            "covering": sum(s.covering for s in mine) / len(mine),
        }
    return out


def print_table(scores: Sequence[Score]) -> None:
    names = list(dict.fromkeys(s.series for s in scores))
    by = {(s.series, s.method): s for s in scores}
    heads = " ".join(f"{m:>17}" for m in METHODS)
    print(f"{'':<20} {'F1 (margin 5)':^53} | {'covering':^53}")
    print(f"{'series':<20} {heads} | {heads}")
    for name in names:
        f1 = " ".join(f"{by[name, m].f1:>17.3f}" for m in METHODS)
        cov = " ".join(f"{by[name, m].covering:>17.3f}" for m in METHODS)
        print(f"{name:<20} {f1} | {cov}")
    for label, only in (("mean", None), ("mean, dev", DEV), ("mean, held out", HELD_OUT)):
        chosen = [n for n in names if only is None or n in only]
        if not chosen:
            continue
        avg = means(scores, chosen)
        f1 = " ".join(f"{avg[m]['f1']:>17.3f}" for m in METHODS)
        cov = " ".join(f"{avg[m]['covering']:>17.3f}" for m in METHODS)
        print(f"{label:<20} {f1} | {cov}")
    declined = [s.series for s in scores if s.method == "detector" and s.declined]
    print(f"declined (no change looked for): {len(declined)} of {len(names)}: {declined}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="TCPD-style folder")
    parser.add_argument("--out", type=Path, default=Path("change_points.json"))
    parser.add_argument("--json", type=Path, help="also write every score here")
    parser.add_argument(
        "--split",
        choices=("all", "dev", "held-out"),
        default="dev",
        help="which series to score: the development half (default), the held-out half "
        "(once, at the end of a round of changes) or all",
    )
    args = parser.parse_args(argv)
    if not (args.data / "annotations.json").is_file():
        print(f"no annotations.json in {args.data}; pass --data DIR", file=sys.stderr)
        return 2
    annotations, series = load_folder(args.data)
    if args.split != "all":
        keep = DEV if args.split == "dev" else HELD_OUT
        series = [s for s in series if s.name in keep]
    scores = evaluate(annotations, series)
    found = {s.series: s.predicted for s in scores if s.method == "detector"}
    args.out.write_text(json.dumps(found, indent=1) + "\n")
    print_table(scores)
    if args.json:
        payload = {"mean": means(scores), "series": [asdict(s) for s in scores]}
        args.json.write_text(json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
