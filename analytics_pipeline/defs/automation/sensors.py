"""Event-driven runs in two steps, each with a cursor Dagster stores (so a daemon restart resumes).

1. `landing_sensor` lists `landing/events/<arrival day>/` and requests one ingestion run per
   arrival day with new files (at most `max_runs_per_tick` days per tick; the rest wait for the
   next tick). Its cursor holds the names already seen, per arrival day, pruned to the files
   still in landing, so it stays as small as the landing zone retention keeps.
2. `touched_days_sensor` follows the materialisations of `arrival_event_days` (whoever ran the
   ingestion) and requests one rebuild run covering every event day those arrivals touched, the
   day before each (a view may run over midnight) and the later days whose counters and
   progress carry on from them. Its cursor is the last event-log storage id it handled.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone

import dagster as dg

from analytics_pipeline.defs.automation.config import AutomationConfig, sensor_status
from analytics_pipeline.defs.automation.jobs import ingest_arrival_job, rebuild_event_days_job
from analytics_pipeline.defs.automation.schedules import PARTIAL_TAG
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib.frozen import first_rebuildable_day
from analytics_pipeline.lib.plan import touched_event_days, with_day_before
from analytics_pipeline.lib.storage import FileEntry, Storage

LANDING_EVENTS = "landing/events"
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def _today() -> date:
    return datetime.now(timezone.utc).date()


# -- step 1: landing files -> ingestion of their arrival day ---------------------------------
def landing_by_day(entries: list[FileEntry], first: date, last: date) -> dict[str, set[str]]:
    """File names per valid arrival-day folder; hidden (in-flight) files and stray paths are left out."""
    out: dict[str, set[str]] = {}
    for e in entries:
        parts = e.path[len(LANDING_EVENTS) + 1:].split("/")
        if len(parts) != 2 or parts[1].startswith("."):
            continue
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            continue
        if first <= day <= last:
            out.setdefault(parts[0], set()).add(parts[1])
    return out


def plan_ingestion(present: dict[str, set[str]], cursor: str | None, max_runs: int) -> tuple[list[tuple[str, list[str]]], str]:
    """(arrival day, its new files) for at most `max_runs` days, oldest first, and the next cursor."""
    seen = {d: set(names) for d, names in (json.loads(cursor)["seen"] if cursor else {}).items()}
    new = {d: sorted(names - seen.get(d, set())) for d, names in present.items()}
    due = [(d, names) for d, names in sorted(new.items()) if names][:max_runs]
    for d, names in due:
        seen.setdefault(d, set()).update(names)
    # keep only what still exists: a file deleted by retention can't come back under its old name
    pruned = {d: sorted(seen[d] & present[d]) for d in sorted(seen) if d in present and seen[d] & present[d]}
    return due, json.dumps({"seen": pruned}, separators=(",", ":"))


def build_landing_sensor(config: AutomationConfig = AutomationConfig()) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_sensor",
        job=ingest_arrival_job,
        minimum_interval_seconds=config.sensor_interval_s,
        default_status=sensor_status(config),
        description="New files under landing/events/<day>/ start the ingestion of that arrival day "
                    f"(one run per day, at most {config.max_runs_per_tick} per tick).",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, lake: LakeResource):
        settings = lake.get_settings()
        storage = Storage.from_settings(settings)
        present = landing_by_day(storage.list_files(LANDING_EVENTS, recursive=True), settings.start_date, _today())
        due, cursor = plan_ingestion(present, context.cursor, config.max_runs_per_tick)
        requests = [
            dg.RunRequest(
                run_key=f"ingest:{day}:{hashlib.sha1('/'.join(names).encode()).hexdigest()[:12]}",
                partition_key=day,
                tags={"analytics/trigger": "landing", "analytics/new_files": str(len(names))},
            )
            for day, names in due
        ]
        if not requests:
            return dg.SensorResult(skip_reason="no new landing files", cursor=cursor)
        context.log.info("new landing files: " + ", ".join(f"{d} ({len(n)})" for d, n in due))
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return landing_sensor


# -- step 2: ingested arrivals -> rebuild of the event days they touched ----------------------
def rebuild_range(touched: list[date], last_built: date | None, first: date, today: date) -> tuple[date, date] | None:
    """The one range to rebuild for these touched event days (see the module docstring)."""
    days = with_day_before(touched, first, today)
    if not days:
        return None
    end = max(days)
    if last_built is not None:
        end = max(end, min(last_built, today))
    return min(days), end


def _partial_runs(instance: dg.DagsterInstance, run_ids: set[str]) -> set[str]:
    partial = set()
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.tags.get(PARTIAL_TAG) == "true":
            partial.add(run_id)
    return partial


def build_touched_days_sensor(config: AutomationConfig = AutomationConfig(), batch: int = 200) -> dg.SensorDefinition:
    @dg.sensor(
        name="touched_days_sensor",
        job=rebuild_event_days_job,
        minimum_interval_seconds=config.sensor_interval_s,
        default_status=sensor_status(config),
        description="After an arrival day is ingested, rebuild every event day it touched (late data included), "
                    "with one run per tick.",
    )
    def touched_days_sensor(context: dg.SensorEvaluationContext, lake: LakeResource):
        after = json.loads(context.cursor)["after"] if context.cursor else None
        result = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("arrival_event_days"), after_storage_id=after),
            limit=batch, ascending=True,
        )
        records = [r for r in result.records if r.partition_key]
        if not result.records:
            return dg.SensorResult(skip_reason="no new ingestion", cursor=context.cursor)
        cursor = json.dumps({"after": result.records[-1].storage_id})
        partial = _partial_runs(context.instance, {r.run_id for r in records})
        arrivals = sorted({date.fromisoformat(r.partition_key) for r in records if r.run_id not in partial})
        settings = lake.get_settings()
        storage = Storage.from_settings(settings)
        touched = touched_event_days(storage, arrivals) if arrivals else []
        built = storage.partition_days("video_counters")
        # days retention froze (and the day after each) are never rebuilt: lib/frozen.py
        first = first_rebuildable_day(storage, settings.start_date)
        span = rebuild_range(touched, built[-1] if built else None, first, _today())
        if span is None:
            return dg.SensorResult(skip_reason="the new ingestions touched no event day to rebuild (or only days "
                                               f"before {first}, kept as retention froze them)", cursor=cursor)
        first_id, last_id = result.records[0].storage_id, result.records[-1].storage_id
        context.log.info(f"arrivals {[a.isoformat() for a in arrivals]} touched {[t.isoformat() for t in touched]}: "
                         f"rebuilding {span[0]}..{span[1]}")
        request = dg.RunRequest(
            run_key=f"rebuild:{first_id}-{last_id}",
            tags={RANGE_START: span[0].isoformat(), RANGE_END: span[1].isoformat(), "analytics/trigger": "touched_days",
                  "analytics/arrivals": ",".join(a.isoformat() for a in arrivals)[:200]},
        )
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    return touched_days_sensor

