"""Materialise the asset graph for a date range in this process, through Dagster's own APIs.

The order is what late data needs: ingest every arrival day of the range, then rebuild every
event day those arrivals touched (the range's own days and earlier days that got late events),
then the views and marts of those days, then the warehouse once.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import dagster as dg
import yaml
from filelock import FileLock

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import PROJECT_ROOT, Settings

INGEST_KEYS = ["event_arrivals", "events_quarantine", "ingest_audit", "arrival_event_days"]
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class RunFailed(RuntimeError):
    pass


@dataclass
class Phase:
    name: str
    keys: list[str]
    days: list[date] = field(default_factory=list)


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """DAGSTER_HOME's instance, or one in the git-ignored `.dagster_home/` of the checkout."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = Path(settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        repo_config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text()) or {}
        for key in ("storage", "local_artifact_storage", "compute_logs"):
            repo_config.pop(key, None)  # default to folders inside `home`
        config.write_text(yaml.safe_dump(repo_config))
    from dagster._core.instance.ref import InstanceRef

    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))


def contiguous(days: list[date]) -> list[tuple[date, date]]:
    spans: list[tuple[date, date]] = []
    for d in sorted(set(days)):
        if spans and d == spans[-1][1] + timedelta(days=1):
            spans[-1] = (spans[-1][0], d)
        else:
            spans.append((d, d))
    return spans


def touched_event_days(storage: Storage, arrivals: list[date]) -> list[date]:
    con = duck.connect()
    duck.register_partitions(con, "t", storage, "arrival_event_days", arrivals, schemas.ARRIVAL_EVENT_DAYS)
    return [r[0] for r in con.sql("SELECT DISTINCT event_date FROM t ORDER BY 1").fetchall()]


class Runner:
    def __init__(self, settings: Settings, defs: dg.Definitions | None = None, progress: Callable[[str], None] | None = None):
        if defs is None:
            from analytics_pipeline.defs.resources import LakeResource
            from analytics_pipeline.definitions import build_defs

            defs = build_defs(LakeResource(data_root=settings.data_root, warehouse_path=settings.warehouse_path))
        self.settings = settings
        self.defs = defs
        self._jobs: dict[frozenset, dg.JobDefinition] = {}
        self.instance = instance_for(settings)
        self.progress = progress or (lambda msg: None)
        self.storage = Storage.from_settings(settings)
        self.asset_keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}

    def _job(self, keys: list[str]) -> dg.JobDefinition:
        """A job of these assets and their checks, less the freshness checks (their own schedule runs them)."""
        wanted = frozenset(keys)
        if wanted not in self._jobs:
            from analytics_pipeline.defs.automation import asset_checks as scheduled_checks

            selection = dg.AssetSelection.assets(*keys) - dg.AssetSelection.checks(*scheduled_checks)
            name = f"analytics_pipeline_cli_{len(self._jobs)}"
            defs = dg.Definitions(assets=self.defs.assets, asset_checks=self.defs.asset_checks,
                                  resources=self.defs.resources, jobs=[dg.define_asset_job(name, selection=selection)])
            self._jobs[wanted] = defs.resolve_job_def(name)
        return self._jobs[wanted]

    def _run(self, keys: list[str], span: tuple[date, date] | None = None) -> dg.ExecuteInProcessResult:
        keys = [k for k in keys if k in self.asset_keys]
        tags = {}
        if span is not None:
            tags = {"dagster/asset_partition_range_start": span[0].isoformat(),
                    "dagster/asset_partition_range_end": span[1].isoformat()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self._job(keys).execute_in_process(
                instance=self.instance, tags=tags, run_config=QUIET, raise_on_error=False,
            )
        if not result.success:
            raise RunFailed(_failure_line(result, keys, span))
        return result

    def run_phase(self, name: str, keys: list[str], days: list[date] | None, per_day: bool = False) -> float:
        """Run `keys` over `days`: one run per contiguous span (or per day), or once if unpartitioned."""
        started = time.monotonic()
        if days is None:
            spans = [None]
        else:
            spans = [(d, d) for d in sorted(set(days))] if per_day else contiguous(days)
        for i, span in enumerate(spans, 1):
            label = f"{span[0]}..{span[1]}" if span and span[0] != span[1] else (str(span[0]) if span else "")
            self.progress(f"{name} {label} ({i}/{len(spans)})")
            self._run(keys, span)
        return time.monotonic() - started

    def materialize(self, start: date, end: date, mart_keys: list[str] | None = None,
                    extra_phases: list[tuple[str, list[str]]] | None = None) -> dict:
        """Build every asset for [start, end] plus the earlier days its arrivals brought late events for."""
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        timings = {"catalog": self.run_phase("catalog", ["video_catalog"], None)}
        timings["ingest"] = self.run_phase("ingest", INGEST_KEYS, days)
        first, today = self.settings.start_date, date.today()
        touched = [d for d in touched_event_days(self.storage, days) if first <= d <= today]
        event_days = sorted(set(days) | set(touched))
        # a view of D-1 may run into a late-touched day D, so D-1's views are rebuilt too
        view_days = sorted({d for d in event_days} | {d - timedelta(days=1) for d in touched if d - timedelta(days=1) >= first})
        timings["events"] = self.run_phase("events", ["events"], event_days)
        timings["sessions"] = self.run_phase("sessions", ["playback_sessions", "played_ranges"], view_days)
        if mart_keys:
            # Two processes must not each pick their chain of days before the other has written:
            # the lock makes the second one see the first one's days (see chained_days).
            lock = Path(self.settings.warehouse_path).parent / ".marts.lock"
            lock.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(lock)):
                timings["marts"] = self.run_phase("marts", mart_keys, self.chained_days(view_days))
        for name, keys in (extra_phases or []):
            if name == "providers" and not self.providers_in_use():
                self.progress("providers: not configured and nothing stored under landing/providers, skipped")
                continue
            timings[name] = self.run_phase(name, keys, days, per_day=True)
        timings["warehouse"] = self.run_phase("warehouse", ["warehouse"], None)
        return {"days": days, "late_days": sorted(set(touched) - set(days)), "view_days": view_days, "timings": timings}


    def providers_in_use(self) -> bool:
        from analytics_pipeline.lib.providers.config import providers_config

        config = providers_config(self.settings.extra)
        return bool(config.bunny or config.cloudflare or self.storage.is_dir("landing/providers"))

    def chained_days(self, days: list[date]) -> list[date]:
        """The days whose marts to build so counters and progress stay one unbroken chain.

        Day D carries D-1's totals: rebuilding D means rebuilding every built day after it, and
        building D after a gap means building the gap's days first (from the last built day), so
        a day's totals never depend on which days happened to be built before it.
        """
        if not days:
            return days
        built = self.storage.partition_days("video_counters")
        earlier = [d for d in built if d < min(days)]
        first = max(earlier) + timedelta(days=1) if earlier else min(days)
        last = max([max(days)] + [d for d in built if d > max(days)])
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


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
