"""Backtest of ``plan_training`` on the real 908-run series (2017-2025): at ten past dates, plan
from the state of that day (the runs up to it, through the same tool the chat calls) and set the
plan beside what the runner did in the weeks after, and count the plans' rule breaches.

    python -m evals.bench_import ...   # not needed: this imports the series itself
    python -m evals.plan_backtest [--weeks 4]

Numbers printed: for each date the plan's first week and its ``--weeks`` weeks against the km
run in the same days (planned/done), the breaches of the 10 % single-run rule and the weekly
ramp limit (target 0), and over all dates the median ratio and the median absolute difference.
The plan is not a forecast: a ratio far from 1 says the runner trained more or less than the
cautious plan, not that the plan was wrong; it is reported so a change to the rules shows.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import date, timedelta
from pathlib import Path

from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tests.worlds import write_summary_export
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.plans import rules
from tools.plans.tool import plan_for_cli, runs_of
from tools.trends.history import history

SHARED = Path(__file__).resolve().parents[2] / "shared/data"
#: Ten Sundays spread over the series, each with runs in the four weeks before.
DATES = (
    date(2018, 4, 8), date(2018, 10, 14), date(2019, 5, 5), date(2019, 11, 3),
    date(2020, 9, 6), date(2021, 6, 13), date(2022, 8, 21), date(2023, 9, 3),
    date(2024, 5, 12), date(2025, 8, 31),
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite:///{folder / 'coachg.db'}")
        settings = Settings(home=folder / "home", database_url=db.url)
        with db.session() as session:
            runner = create_user(session, "runner", password="runner-pass-1")
        ctx = ToolContext(db=db, actor=runner, settings=settings)
        report = import_paths(ctx, [write_summary_export(SHARED, folder)])
        print(f"imported {report.imported} runs")
        frame = history(ctx)
        runs = runs_of(frame[frame["sport"] == "run"])
        print(
            f"{'date':<11} {'base/wk':>7} {'plan w1':>7} {'done w1':>7} {'ratio':>6} "
            f"{'plan ' + str(args.weeks) + 'w':>8} {'done':>7} {'ratio':>6} {'breaches':>8}"
        )
        ratios1, ratios_n, diffs1, breaches = [], [], [], 0
        for day in DATES:
            ctx.today = day
            result, plan = plan_for_cli(ctx, weeks=args.weeks)
            if plan is None:
                print(f"{day}  no plan: {result.message}")
                continue
            broken = rules.violations(plan, runs)
            breaches += len(broken)
            start = plan.start
            done1 = rules.week_km(runs, start)
            done_n = rules.week_km(runs, start, 7 * args.weeks)
            plan1 = plan.weeks[0].km
            plan_n = sum(w.km for w in plan.weeks)
            r1 = plan1 / done1 if done1 else float("nan")
            rn = plan_n / done_n if done_n else float("nan")
            if done1:
                ratios1.append(r1)
            if done_n:
                ratios_n.append(rn)
            diffs1.append(abs(plan1 - done1))
            print(
                f"{day!s:<11} {plan.base_km:>7.1f} {plan1:>7.1f} {done1:>7.1f} {r1:>6.2f} "
                f"{plan_n:>8.1f} {done_n:>7.1f} {rn:>6.2f} {len(broken):>8}"
            )
            for line in broken:
                print(f"    breach: {line}")
        print()
        print(f"plans: {len(DATES)}; rule breaches in all plans: {breaches} (target 0)")
        print(f"median planned/done, first week: {statistics.median(ratios1):.2f}")
        print(f"median planned/done, {args.weeks} weeks: {statistics.median(ratios_n):.2f}")
        print(f"median |planned - done| first week: {statistics.median(diffs1):.1f} km")
        # For context: how often the runner's own next weeks broke the same rules.
        own = sum(
            1
            for d, km in runs
            if DATES[0] <= d <= DATES[-1] + timedelta(days=28)
            and km > rules.spike_cap(runs, d) + 1e-6
            and rules.longest_before(runs, d) > 0
        )
        print(f"for context: the runner's own runs over the 10 % rule, {DATES[0]} on: {own}")
        db.dispose()


if __name__ == "__main__":
    main()
