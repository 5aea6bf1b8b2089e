"""Import activity files for one athlete: every activity in its own transaction, so a broken
file is reported by name with the reason while everything else still imports; importing the
same files again adds nothing."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from storage.activities import NewActivity, add_activity, held_record
from tools.context import ToolContext
from tools.importing.budget import ImportBudget, ImportLimits, unpacked_size
from tools.importing.errors import ActivityFileError, NotAnActivity
from tools.importing.parsing import Outcome, default_workers, parse_jobs
from tools.importing.planning import ImportJob, plan_import
from tools.importing.plausibility import check_activity
from tools.importing.sources import activity_format
from tools.strength.importing import StrengthFileError, StrengthImport, import_log, strength_logs

log = logging.getLogger(__name__)

# progress(done, total, name): called after each job.
ImportProgress = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    """What an import did. ``skipped``/``failed`` hold ``(name, reason)``; ``quiet_skips``
    counts everyday non-activity files (READMEs, CSVs, pictures) passed over without a word.
    ``refused`` of the ``failed`` are activities no one could have done (see
    :mod:`tools.importing.plausibility`); ``dropped_samples`` counts impossible samples left
    out of the activities that were kept."""

    imported: int = 0
    duplicates: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    quiet_skips: int = 0
    activity_ids: list[int] = field(default_factory=list)
    refused: int = 0
    dropped_samples: int = 0
    #: Of ``refused``, the workouts of strength logs.
    refused_workouts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    #: Workout logs of strength apps (Strong, Hevy) imported with the activities.
    strength: list[StrengthImport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    def summary(self) -> str:
        """One line for people, e.g. ``Imported 12 activities, 3 already there, 2 failed.``"""
        parts = [f"Imported {self.imported} {'activity' if self.imported == 1 else 'activities'}"]
        if self.duplicates:
            parts.append(f"{self.duplicates} already there")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if len(self.failed) > self.refused:
            parts.append(f"{len(self.failed) - self.refused} failed")
        if refused := self.refused - self.refused_workouts:
            parts.append(f"{refused} refused as impossible")
        line = ", ".join(parts) + "."
        about_activities = self.imported or self.duplicates or self.skipped or refused
        if self.strength and not (about_activities or len(self.failed) > self.refused):
            line = ""  # a workout log alone: no word about activities
        return " ".join([line, *(done.summary() for done in self.strength)]).strip()


def _finish(outcome: Outcome, report: ImportReport) -> list[NewActivity]:
    job = outcome.job
    try:
        return job.finish(outcome.parsed, outcome.error, report.warnings.append)
    except NotAnActivity as why:
        report.skipped.append((job.name, str(why)))
    except ActivityFileError as error:
        report.failed.append((job.name, str(error)))
    except MemoryError:
        report.failed.append((job.name, "too big to read in memory; split or re-export it"))
    except Exception as error:  # a parser bug must not stop the other files
        log.error("unexpected error reading %s", job.name, exc_info=error)
        report.failed.append(
            (job.name, f"could not be read ({type(error).__name__}: {error}); please report it")
        )
    return []


def _label(job: ImportJob, new: NewActivity, count: int) -> str:
    """The job's name, with the activity's sport and day when its file holds several."""
    if count == 1:
        return job.name
    return f"{job.name} ({new.sport} of {new.start_time:%d %b %Y %H:%M})"


def _plausible(job: ImportJob, found: list[NewActivity], report: ImportReport) -> list[NewActivity]:
    """The activities of a job that someone could have done, their impossible samples dropped;
    the others are refused by name with the reason."""
    kept = []
    for new in found:
        checked = check_activity(new)
        label = _label(job, new, len(found))
        if checked.activity is None:
            report.refused += 1
            report.failed.append((label, checked.reason))
            continue
        if note := checked.note():
            report.dropped_samples += sum(checked.dropped.values())
            report.warnings.append(f"{label}: {note}")
        kept.append(checked.activity)
    return kept


def _already_held(ctx: ToolContext, job: ImportJob) -> bool:
    """True when the job's record is stored with everything the job could add (so parsing its
    file again would find only a repeat). Re-importing a newer Strava export parses only the
    activities that are new."""
    if job.record is None:
        return False
    with ctx.session() as session:
        held, with_samples = held_record(session, ctx.actor, ctx.athlete_id, *job.record)
    return held and (with_samples or not job.has_samples)


def _store(ctx: ToolContext, job: ImportJob, new: NewActivity, report: ImportReport) -> None:
    try:
        with ctx.session() as session:
            activity, created = add_activity(session, ctx.actor, ctx.athlete_id, new)
            activity_id = activity.id
    except IntegrityError:
        # Another import stored the same record between our check and our write.
        report.duplicates += 1
        return
    except PermissionError:
        raise
    except (SQLAlchemyError, ValueError) as error:
        log.exception("could not store an activity from %s", job.name)
        report.failed.append((job.name, f"could not be stored ({error}); nothing was saved"))
        return
    if created:
        report.imported += 1
        report.activity_ids.append(activity_id)
    else:
        report.duplicates += 1


def within_budget(job: ImportJob, budget: ImportBudget) -> ImportJob:
    """``job``, reading its file only while the import's budget allows: a file that would go
    over it fails on its own (a Strava export row then keeps its CSV summary)."""

    def read() -> tuple[bytes, str] | None:
        budget.check_time(job.name)
        kind = activity_format(job.name)
        if kind is not None and not kind[1]:  # the stored size is the unpacked size
            budget.check_size(job.name, kind[0], job.size)
        payload = job.read()
        if payload is None:
            return None
        data, name = payload
        if (kind := activity_format(name)) is not None:
            size = unpacked_size(data, kind[1])
            budget.check_size(job.name, kind[0], size)
            budget.spend(size)
        return payload

    return replace(job, read=read)


def import_paths(
    ctx: ToolContext,
    paths: Iterable[str | Path],
    progress: ImportProgress | None = None,
    workers: int | None = None,
    limits: ImportLimits | None = None,
) -> ImportReport:
    """Import every activity under ``paths`` (files, folders, zips, Strava exports) for
    ``ctx.athlete_id``, acting as ``ctx.actor``. Files are parsed in ``workers`` processes
    (default: one per core for large imports, else in this process). ``limits`` (default: the
    settings') bound what the import may read; a file past them fails with the reason."""
    report = ImportReport()
    started = time.perf_counter()
    logs, paths = strength_logs(list(paths))
    for log_file in logs:
        try:
            done = import_log(ctx, log_file)
        except StrengthFileError as error:
            report.failed.append((log_file.name, str(error)))
            continue
        report.strength.append(done)
        report.warnings += [f"{log_file.name}: {warning}" for warning in done.warnings]
        report.failed += done.refused
        report.refused += len(done.refused)
        report.refused_workouts += len(done.refused)
    budget = ImportBudget(limits or ImportLimits.from_settings(ctx.settings))
    plan = plan_import(paths, budget)
    report.seconds["plan"] = time.perf_counter() - started
    report.failed.extend(plan.failed)
    for skip in plan.skipped:
        if skip.quiet:
            report.quiet_skips += 1
        else:
            report.skipped.append((skip.name, skip.reason))
    parse_s = store_s = 0.0
    total = len(plan.jobs)
    done = 0

    def new_jobs() -> Iterator[ImportJob]:
        """The jobs whose records are not already held (those count as repeats at once)."""
        nonlocal done
        for job in plan.jobs:
            if _already_held(ctx, job):
                report.duplicates += 1
                done += 1
                if progress is not None:
                    progress(done, total, job.name)
            else:
                yield within_budget(job, budget)

    try:
        tick = time.perf_counter()
        outcomes = parse_jobs(new_jobs(), workers or default_workers(total))
        for outcome in outcomes:
            tock = time.perf_counter()
            for new in _plausible(outcome.job, _finish(outcome, report), report):
                _store(ctx, outcome.job, new, report)
            parse_s += tock - tick
            tick = time.perf_counter()
            store_s += tick - tock
            done += 1
            if progress is not None:
                progress(done, total, outcome.job.name)
    finally:
        plan.close()
    report.seconds["parse"] = parse_s
    report.seconds["store"] = store_s
    report.seconds["total"] = time.perf_counter() - started
    from storage.monitoring import import_done  # prometheus_client: not on a chat turn's path

    import_done(report.imported, report.duplicates, len(report.failed), len(report.skipped))
    return report
