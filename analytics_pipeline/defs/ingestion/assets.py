"""Landing files to the event lake: catalog, per-arrival ingestion, per-day events."""


from contextlib import closing
from datetime import date

import dagster as dg
import pyarrow as pa

from analytics_pipeline.defs.keys import INGEST_KEYS as INGEST_ASSETS
from analytics_pipeline.defs.metadata import checked_partitions, preview, report_partition, table_metadata
from analytics_pipeline.defs.partitions import daily_partitions, single_run
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.catalog import load_catalog, read_catalog
from analytics_pipeline.lib.contracts import events_contract_failures
from analytics_pipeline.lib.ingest.arrival import StagedArrival, finish_arrival, landing_complete, stage_arrival
from analytics_pipeline.lib.ingest.audit import audited_deliveries
from analytics_pipeline.lib.ingest.events_day import build_events_day, events_connection
from analytics_pipeline.lib.ingest.landing import landing_files
from analytics_pipeline.lib.ingest.staged import STAGED_TABLE, arrivals_by_event_day, staged_file
from analytics_pipeline.lib.providers.catalog import enrich_catalog, fetch_bunny_videos, stored_bunny_videos
from analytics_pipeline.lib.quality import clear_ips_in_events, clear_ips_in_quarantine, duplicate_event_ids, unaccounted_files
from analytics_pipeline.lib.side_by_side import days_at_once, file_sizes, in_day_order, memory_share

# Late events: day D's events can arrive on D-1 (clock skew) .. D+3 (typical late flush); later
# arrivals are still read (the lake records which arrivals touched D), this is lineage only.
AUDIT_TOTALS = ["lines_read", "accepted", "duplicates", "quarantined", "late_events"]
arrivals_of_event_day = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=3, allow_nonexistent_upstream_partitions=True)


@dg.asset(group_name="ingestion", kinds={"parquet"})
def video_catalog(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """The platform's videos with course, creator and provider ids (landing/catalog/*.csv)."""
    storage = lake.get_storage()
    table, problems = load_catalog(storage)
    for p in problems:
        context.log.warning(p)
    bunny = bunny_videos(context, lake)
    if bunny:
        table = enrich_catalog(table, bunny)
    storage.write_snapshot("video_catalog", table)
    meta = table_metadata(table, ["video_id", "title", "duration_s", "course_id", "creator_id"])
    meta["problems"] = dg.MetadataValue.int(len(problems))
    return dg.MaterializeResult(metadata=meta)


def bunny_videos(context, lake: LakeResource) -> list[dict] | None:
    """Bunny's video list when Bunny is configured (else the last stored one); never fails the catalog."""
    storage = lake.get_storage()
    try:
        videos = fetch_bunny_videos(lake.get_settings().providers, logger=context.log)
    except Exception as exc:  # the provider's errors are built without secrets
        context.log.warning(f"Bunny video list unavailable, using the last stored one: {exc}")
        videos = None
    return videos if videos is not None else stored_bunny_videos(storage)


@dg.multi_asset(
    specs=[
        dg.AssetSpec("event_arrivals", description="Accepted, deduplicated events as staged by the arrival day that brought them.", deps=["video_catalog"], kinds={"parquet"}),
        dg.AssetSpec("events_quarantine", description="Rejected landing lines and files of an arrival day, each with its reason.", kinds={"parquet"}),
        dg.AssetSpec("ingest_audit", description="One row per landing file: lines read, accepted, duplicates, quarantined.", kinds={"parquet"}),
        dg.AssetSpec("arrival_event_days", description="Which event days each arrival day brought events for (drives late-data rebuilds).", kinds={"parquet"}),
    ],
    check_specs=[
        dg.AssetCheckSpec("lines_accounted_for", asset="ingest_audit", description="Per file: lines read = accepted + duplicates + quarantined."),
        dg.AssetCheckSpec("no_clear_ip", asset="events_quarantine", description="No quarantined line keeps a clear IP address."),
    ],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    group_name="ingestion",
    can_subset=False,
)
def ingest_arrivals(context: dg.AssetExecutionContext, lake: LakeResource):
    """Parse, validate, deduplicate and hash the landing files of each arrival day."""
    settings = lake.get_settings()
    storage = lake.get_storage()
    catalog = read_catalog(storage)
    audits, quarantines = [], []
    arrivals = arrivals_by_event_day(storage)  # read once; finish_arrival keeps it current
    deliveries = audited_deliveries(storage)  # likewise
    complete = {key: landing_complete(storage, date.fromisoformat(key)) for key in context.partition_keys}
    to_ingest = [date.fromisoformat(key) for key in context.partition_keys if complete[key]]
    # the next arrival's lines are parsed while this one is finished (the finishing half runs in order)
    at_once = days_at_once([sum(f.size for f in landing_files(storage, day)) for day in to_ingest])
    memory_limit = memory_share(settings.duckdb_memory_limit, at_once)

    def stage(day: date) -> StagedArrival:
        return stage_arrival(storage, day, catalog, memory_limit=memory_limit)

    with closing(in_day_order(stage, to_ingest, at_once, discard=StagedArrival.close)) as staged:
        for key in context.partition_keys:
            if not complete[key]:
                reason = "landing files were removed by retention; the data ingested before is kept"
                context.log.warning(f"arrival {key}: {reason}")
                report_partition(context, key, {asset: {"skipped": dg.MetadataValue.text(reason)} for asset in INGEST_ASSETS})
                continue
            _, arrival_lines = next(staged)
            result = finish_arrival(storage, arrival_lines, settings.ip_hash_key, arrivals, deliveries)
            for row in result.audit.to_pylist():
                if row["redelivery"]:
                    context.log.warning(f"{row['source_file']}: {row['redelivery']}")
                if row["file_error"]:
                    context.log.warning(f"{row['source_file']}: {row['file_error']}")
            audits.append(result.audit)
            quarantines.append(result.quarantine)
            touched = dg.MetadataValue.json(sorted({d.isoformat() for d in result.event_days.column("event_date").to_pylist()}))
            totals = {c: sum(result.audit.column(c).to_pylist()) for c in AUDIT_TOTALS}
            report_partition(context, key, {
                "event_arrivals": {"dagster/row_count": dg.MetadataValue.int(result.accepted), "touched_event_days": touched,
                                   "late_events": dg.MetadataValue.int(totals["late_events"])},
                "events_quarantine": table_metadata(result.quarantine, ["source_file", "line_number", "reason"]),
                "ingest_audit": {**table_metadata(result.audit, ["source_file", *AUDIT_TOTALS]),
                                 **{k: dg.MetadataValue.int(v) for k, v in totals.items()}},
                "arrival_event_days": {**table_metadata(result.event_days), "touched_event_days": touched},
            })
    audit = pa.concat_tables(audits) if audits else schemas.INGEST_AUDIT.empty_table()
    quarantine = pa.concat_tables(quarantines) if quarantines else schemas.EVENTS_QUARANTINE.empty_table()
    checked = checked_partitions(context.partition_keys)
    for asset in INGEST_ASSETS:
        yield dg.MaterializeResult(asset_key=asset)
    unaccounted = unaccounted_files(audit)
    yield dg.AssetCheckResult(
        asset_key="ingest_audit", check_name="lines_accounted_for", passed=not unaccounted,
        metadata={**checked, "unaccounted_files": dg.MetadataValue.json(unaccounted)},
    )
    clear = clear_ips_in_quarantine(quarantine)
    yield dg.AssetCheckResult(
        asset_key="events_quarantine", check_name="no_clear_ip", passed=clear == 0,
        metadata={**checked, "rows_with_clear_ip": dg.MetadataValue.int(clear)},
    )


@dg.asset(
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    group_name="ingestion",
    kinds={"parquet"},
    deps=[dg.AssetDep("event_arrivals", partition_mapping=arrivals_of_event_day)],
    check_specs=[
        dg.AssetCheckSpec("unique_event_id", asset="events", description="No event_id appears twice in the built days."),
        dg.AssetCheckSpec("no_clear_ip", asset="events", description="Events carry only keyed IP hashes."),
        dg.AssetCheckSpec("events_contract", asset="events", blocking=True,
                          description="pandera: every accepted event meets player-events.md (types, ranges, ids)."),
    ],
)
def events(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Accepted, deduplicated player events by the UTC day they happened (IPs as keyed hashes)."""
    storage = lake.get_storage()
    arrivals = arrivals_by_event_day(storage)  # ingestion is done: one read serves every day of the run
    columns = ["event_id", "event_type", "occurred_at", "session_id", "video_id", "device_type", "is_bot"]
    days = [date.fromisoformat(k) for k in context.partition_keys]
    sizes = file_sizes(storage, STAGED_TABLE)
    at_once = days_at_once([sum(sizes.get(staged_file(a, day), 0) for a in arrivals.get(day, [])) for day in days])

    def build(day: date, con) -> tuple[dict, pa.Table]:
        with closing(duck.cursor(con)) as day_con:  # days built side by side need a connection each
            figures = build_events_day(storage, day, arrivals.get(day, []), day_con)
        return figures, storage.read_parquet_head(storage.partition_file("events", day), 5, columns)

    with events_connection(storage) as con:  # one database for the run's days
        for day, (figures, sample) in in_day_order(lambda day: build(day, con), days, at_once):
            key = day.isoformat()
            report_partition(context, key, {"events": {
                "dagster/row_count": dg.MetadataValue.int(figures["rows"]),
                "arrivals": dg.MetadataValue.json(figures["arrivals"]),
                "preview": preview(sample, columns=columns),
            }})
    contract = [failure for day in days for failure in events_contract_failures(storage, day)]
    duplicates = duplicate_event_ids(storage, days)
    clear = clear_ips_in_events(storage, days)
    checked = checked_partitions(context.partition_keys)
    return dg.MaterializeResult(check_results=[
        dg.AssetCheckResult(check_name="unique_event_id", passed=duplicates == 0, metadata={**checked, "duplicates": duplicates}),
        dg.AssetCheckResult(check_name="no_clear_ip", passed=clear == 0, metadata={**checked, "rows_with_clear_ip": clear}),
        dg.AssetCheckResult(check_name="events_contract", passed=not contract,
                            metadata={**checked, "failures": dg.MetadataValue.json(contract[:20])}),
    ])
