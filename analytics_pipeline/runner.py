"""The one build plan below the commands: which assets, over which days, in which order.

`materialize` ingests every arrival day of the range (and again the later arrivals whose
duplicates depend on them, when an earlier day is built after later ones), then rebuilds every
event day those arrivals touched (the range's own days, and other days that got late or early
events), the views of those days and of the day before each, the marts of those days and of the later days whose counters and
progress carry on from them, the providers, and the warehouse once. `erase` removes a person and
rebuilds what held them with the same steps. Each step is a Dagster run on the shared instance
(instance.py), so the UI shows what the command built, partition by partition.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
from filelock import FileLock

from analytics_pipeline.defs import keys as K
from analytics_pipeline.instance import instance_for
from analytics_pipeline.lib import erasure, frozen
from analytics_pipeline.lib.ingest.arrival import landing_complete
from analytics_pipeline.lib.plan import (arrivals_to_reingest, chained_days, contiguous, days_between,
                                         touched_event_days, with_day_before)
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.progress import Progress, dagster_logger
from analytics_pipeline.run_guard import PoolBusy, command_tags, release_dead_runs, wait_for_pool
from analytics_pipeline.settings import Settings


WAREHOUSE_POOL_KEY = "warehouse"  # the asset and its Dagster pool (one slot: the file's single writer)


class RunFailed(RuntimeError):
    pass


@dataclass
class BuildReport:
    days: list[date]
    arrivals: list[date] = field(default_factory=list)      # arrival days ingested
    reingested: list[date] = field(default_factory=list)    # later arrivals ingested again after them
    other_days: list[date] = field(default_factory=list)    # event days outside the range the arrivals touched
    view_days: list[date] = field(default_factory=list)
    mart_days: list[date] = field(default_factory=list)
    kept_days: list[date] = field(default_factory=list)     # frozen by retention: left as they were
    warnings: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


class Runner:
    def __init__(self, settings: Settings, progress: Progress | None = None, verbose: bool = False,
                 defs: dg.Definitions | None = None):
        if defs is None:
            from analytics_pipeline.definitions import build_defs

            defs = build_defs(settings)
        self.settings = settings
        self.defs = defs
        self.progress = progress or Progress(tty=False, stream=_Null())
        self.verbose = verbose
        self.instance = instance_for(settings)
        self.storage = Storage.from_settings(settings)
        self.asset_keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
        self.failed_checks: list[str] = []
        self.check_warnings: list[str] = []  # checks of WARN severity that did not pass (e.g. at-risk courses)
        self._jobs: dict[frozenset, dg.JobDefinition] = {}
        # what a killed run left: its runs marked failed, its pool slots freed, its temporary files
        for run_id in release_dead_runs(self.instance):
            self.progress.note(f"run {run_id} was left unfinished by a process that is gone: marked failed")
        self.storage.clean_staging()

    # -- running assets -----------------------------------------------------------------
    def _job(self, phase: str, keys: list[str]) -> dg.JobDefinition:
        """A job of these assets and their checks, less the freshness checks (their own schedule runs them)."""
        wanted = frozenset(keys)
        if wanted not in self._jobs:
            from analytics_pipeline.defs.automation.health import FRESH_MARTS, FRESHNESS_CHECK_NAME

            freshness = [dg.AssetCheckKey(dg.AssetKey(k), FRESHNESS_CHECK_NAME) for k in keys if k in FRESH_MARTS]
            selection = dg.AssetSelection.assets(*keys) - dg.AssetSelection.checks(*freshness)
            name = "cli_" + "".join(c if c.isalnum() else "_" for c in phase)  # named in the UI's run list
            defs = dg.Definitions(
                assets=self.defs.assets, asset_checks=self.defs.asset_checks, resources=self.defs.resources,
                jobs=[dg.define_asset_job(name, selection=selection)],
                loggers={"console": dg.colored_console_logger, "progress": dagster_logger(self.progress)},
            )
            self._jobs[wanted] = defs.resolve_job_def(name)
        return self._jobs[wanted]

    def _run(self, phase: str, keys: list[str], span: tuple[date, date] | None) -> None:
        tags = command_tags()
        if span is not None:
            tags |= {"dagster/asset_partition_range_start": span[0].isoformat(),
                     "dagster/asset_partition_range_end": span[1].isoformat()}
        if WAREHOUSE_POOL_KEY in keys:
            try:
                wait_for_pool(self.instance, WAREHOUSE_POOL_KEY, self.settings.pool_wait_s, self.progress.note)
            except PoolBusy as exc:
                raise RunFailed(str(exc)) from None
        level = "INFO" if self.verbose else "CRITICAL"
        run_config = {"loggers": {"console": {"config": {"log_level": level}}, "progress": {}}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self._job(phase, keys).execute_in_process(
                instance=self.instance, tags=tags, run_config=run_config, raise_on_error=False)
        for evaluation in result.get_asset_check_evaluations():
            if not evaluation.passed:
                where = f" {span[0]}..{span[1]}" if span else ""
                name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}{where}"
                if evaluation.severity == dg.AssetCheckSeverity.WARN:
                    self.check_warnings.append(f"{name} did not pass (a warning check)")
                else:
                    self.failed_checks.append(name)
        if not result.success:
            raise RunFailed(_failure_line(result, keys, span))

    def run_phase(self, name: str, keys: list[str], days: list[date] | None, per_day: bool = False) -> float:
        """Run `keys` over `days`: one run per contiguous span (or per day), or once if unpartitioned."""
        keys = [k for k in keys if k in self.asset_keys]
        started = time.monotonic()
        if days is None:
            spans = [None]
        else:
            spans = [(d, d) for d in sorted(set(days))] if per_day else contiguous(days)
        self.progress.phase(name, 0 if days is None else len(set(days)))
        for span in spans:
            self._run(name, keys, span)
        seconds = time.monotonic() - started
        self.progress.phase_done(seconds)
        return seconds

    # -- what a range needs -------------------------------------------------------------
    def first_data_day(self) -> date | None:
        """The earliest event day any ingested arrival brought events for."""
        arrivals = self.storage.partition_days("arrival_event_days")
        touched = touched_event_days(self.storage, arrivals[:3]) if arrivals else []
        return min(touched) if touched else None

    def arrivals_with_data(self, days: list[date]) -> list[date]:
        """The days of the range with a landing folder, or with an ingestion to keep (after retention)."""
        landed = set(self.storage.list_dirs("landing/events"))
        audited = set(self.storage.partition_days("ingest_audit"))
        return [d for d in days if d.isoformat() in landed or d in audited]

    def rebuild(self, report: BuildReport, event_days: list[date], touched: list[date]) -> None:
        """Events of `event_days`, views of those days and the day before each touched one, chained marts."""
        first, last = self.settings.start_date, today_utc()
        floor = self.first_data_day()
        if floor is None:
            return
        event_days = [d for d in event_days if max(first, floor) <= d <= last]
        view_days = sorted(set(event_days) | set(with_day_before(touched, max(first, floor), last)))
        kept = self.leave_out_kept(report, view_days)
        event_days = [d for d in event_days if d not in kept]
        view_days = [d for d in view_days if d not in kept]
        report.timings["events"] = self.run_phase("events", K.EVENTS_KEYS, event_days)
        # a day before a touched day that has no events has no view to rebuild (and gets no empty one)
        with_events = set(self.storage.partition_days("events"))
        report.view_days = view_days = [d for d in view_days if d in with_events]
        report.timings["sessions"] = self.run_phase("sessions", K.SESSION_KEYS, view_days)
        # (called under lake_lock: a concurrent process picks its chain of days after this one has written)
        chain = chained_days(view_days, self.storage.partition_days("video_counters"))
        report.mart_days = [d for d in chain if d not in kept]
        report.timings["marts"] = self.run_phase("marts", K.MART_KEYS, report.mart_days)

    def leave_out_kept(self, report: BuildReport, days: list[date]) -> set[date]:
        """The days no rebuild may rewrite (lib/frozen.py); those among `days` are warned about."""
        kept = frozen.kept_days(self.storage)
        skipped = sorted(set(days) & kept)
        if skipped:
            report.kept_days = sorted(set(report.kept_days) | set(skipped))
            report.warnings.append(frozen.kept_warning(skipped, frozen.frozen_days(self.storage)))
        return kept

    def materialize(self, start: date, end: date) -> BuildReport:
        """Build every asset for [start, end] and what its arrivals and the chained tables need."""
        report = BuildReport(days=days_between(start, end))
        report.timings["catalog"] = self.run_phase("catalog", K.CATALOG_KEYS, None)
        report.arrivals = self.arrivals_with_data(report.days)
        if not report.arrivals:
            report.warnings.append(f"no landing data for {start}..{end} (nothing under "
                                   f"{self.storage.uri('landing/events')}/<day>/): nothing to build")
            return report
        with self.lake_lock():
            touched = self.ingest(report)
            report.other_days = sorted(set(touched) - set(report.days))
            floor = self.first_data_day()
            if floor is not None and start < floor:
                report.warnings.append(f"no events before {floor}: days {start}..{min(end, floor)} before it were not built")
            self.rebuild(report, sorted(set(report.days) | set(touched)), touched)
        if self.providers_in_use():
            report.timings["providers"] = self.run_phase("providers", K.PROVIDER_KEYS, report.days, per_day=True)
        report.timings["warehouse"] = self.run_phase("warehouse", K.WAREHOUSE_KEYS, None)
        report.failed_checks = list(self.failed_checks)
        report.warnings += self.check_warnings
        return report

    def lake_lock(self) -> FileLock:
        """Held while a process (re)writes ingestion, events, views and marts of a data root.

        Two processes building days that share event days would otherwise each read the other's
        half-done work: an arrival deduplicated against staging being replaced, views built
        from events replaced meanwhile. Serialised, each sees the other's finished days.
        """
        lock = Path(self.settings.warehouse_path).parent / ".lake.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(lock))

    def ingest(self, report: BuildReport) -> list[date]:
        """Ingest `report.arrivals`, then the later arrivals whose duplicates depend on them
        (none when days are built in order); returns the event days they touched, before or after."""
        before = touched_event_days(self.storage, report.arrivals)
        report.timings["ingest"] = self.run_phase("ingest", K.INGEST_KEYS, report.arrivals)
        report.reingested = arrivals_to_reingest(self.storage, report.arrivals, before)
        if report.reingested:
            before += touched_event_days(self.storage, report.reingested)
            report.timings["re-ingest"] = self.run_phase("re-ingest", K.INGEST_KEYS, report.reingested)
        ingested = sorted(set(report.arrivals) | set(report.reingested))
        return sorted(set(before) | set(touched_event_days(self.storage, ingested)))

    def providers_in_use(self) -> bool:
        providers = self.settings.providers
        return bool(providers.bunny or providers.cloudflare or self.storage.is_dir("landing/providers"))

    # -- erasure ------------------------------------------------------------------------
    def erase(self, kind: str, subject_id: str) -> dict:
        """Erase `subject_id` (kind "viewer" or "user") everywhere, rebuild what held it, log it."""
        storage, settings = self.storage, self.settings
        fp = erasure.find_footprint(storage, kind, subject_id)
        summary = {"landing_files": len(fp.landing_files), "staged_events": fp.staged_events,
                   "quarantine_rows": fp.quarantine_rows, "rebuilt_days": [],
                   "unreadable_files": dict(fp.unreadable_files), "partly_read_files": dict(fp.partly_read_files)}
        if fp.empty:
            summary["logged"] = erasure.record_erasure(storage, settings.ip_hash_key, kind, subject_id, fp, 0)
            return summary
        self.progress.note(f"found {len(fp.landing_files)} landing files, {fp.staged_events} staged events, "
                           f"{fp.quarantine_rows} quarantine rows")
        with self.lake_lock():
            lines = erasure.rewrite_landing(storage, fp, kind, subject_id)
            arrivals = sorted(d for d in fp.arrival_days if settings.start_date <= d)
            # an arrival never ingested needs only its landing rewritten
            in_lake = [a for a in arrivals if a in fp.staged or a in fp.quarantine_days
                       or storage.exists(storage.partition_file("ingest_audit", a))]
            again = [a for a in in_lake if landing_complete(storage, a)]
            for arrival in sorted(set(in_lake) - set(again)):
                erasure.filter_arrival_in_place(storage, arrival, kind, subject_id)
            if again:
                self.run_phase("re-ingest", K.INGEST_KEYS, again, per_day=True)
            event_days = sorted(fp.event_days | fp.derived_days)
            summary.update(self.erase_from_kept_days(kind, subject_id, event_days))
            if event_days:
                report = BuildReport(days=event_days)
                self.rebuild(report, event_days, event_days)
                summary["rebuilt_days"] = [d.isoformat() for d in report.view_days]
        self.run_phase("warehouse", K.WAREHOUSE_KEYS, None)
        summary["landing_lines"] = lines
        summary["logged"] = erasure.record_erasure(storage, settings.ip_hash_key, kind, subject_id, fp, lines)
        return summary

    def erase_from_kept_days(self, kind: str, subject_id: str, days: list[date]) -> dict:
        """Cut the person out of the days retention froze, which no rebuild rewrites: their person-level
        rows go, their aggregates keep the person as anonymous counts."""
        # the day after a kept day can hold events of a view that began on it
        near = {x for d in days for x in (d, d + timedelta(days=1))}
        kept = sorted(near & frozen.kept_days(self.storage))
        if not kept:
            return {}
        removed = frozen.erase_from_kept_days(self.storage, erasure.KINDS[kind], subject_id, kept)
        return {"kept_days": [d.isoformat() for d in kept], "kept_rows_removed": removed,
                "kept_anonymous_marts": list(frozen.ANONYMOUS_MARTS)}


class _Null:
    def write(self, _text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _failure_line(result: dg.ExecuteInProcessResult, keys: list[str], span) -> str:
    where = f" for {span[0]}..{span[1]}" if span else ""
    for event in result.all_events:
        if event.is_step_failure:
            err = event.step_failure_data.error
            message = (err.message or "").strip().splitlines()
            cause = err.cause.message.strip().splitlines()[0] if err.cause and err.cause.message else ""
            first = message[0] if message else "failed"
            return f"asset step {event.step_key}{where} failed: {cause or first}"
    return f"materialising {', '.join(keys)}{where} failed"
