"""Per-day marts: video, course, creator, platform, QoE, renditions, heatmap, counters, visits, progress."""

from datetime import date

import dagster as dg

from analytics_pipeline.defs.marts.pictures import heatmap_markdown, top_videos_markdown
from analytics_pipeline.defs.metadata import column_schema
from analytics_pipeline.defs.partitions import daily_partitions, single_run
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib.mart_checks import MART_CHECKS, mart_problems
from analytics_pipeline.lib.marts_day import PROGRESS_HISTORY, build_marts_day, build_progress_day

sessions_around = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=1, allow_nonexistent_upstream_partitions=True)
previous_day = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1, allow_nonexistent_upstream_partitions=True)

DESCRIPTIONS = {
    "video_daily": "Per video and day: views, uniques, watch time, completion, engagement, QoE, peak concurrency.",
    "course_daily": "Per course and day: aggregates over its videos, most viewed and least completed video.",
    "creator_daily": "Per creator and day: aggregates over their videos and the top video by engagement score.",
    "platform_daily": "Per day: platform aggregates, completion buckets, peak concurrency, ingestion figures.",
    "qoe_daily": "Per day and device, browser, OS, country, player: views and quality of experience.",
    "rendition_daily": "Per video, day and rendition: played seconds and their share of watch time.",
    "video_heatmap_daily": "Per video, day and 10 s segment: views, watch time, drop-offs, retention.",
    "video_counters": "Per video and day: views today, month to date and all time.",
    "viewer_sessions": "One row per visit: a viewer's views with no 30-minute gap, across videos.",
}
MART_KEYS = list(DESCRIPTIONS)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name, description=text, kinds={"parquet"}, group_name="marts", metadata={"dagster/column_schema": column_schema(name)},
            deps=[dg.AssetDep("playback_sessions", partition_mapping=sessions_around), "played_ranges", "video_catalog",
                  "ingest_audit", "events"]
            + ([dg.AssetDep("video_counters", partition_mapping=previous_day)] if name == "video_counters" else []),
        )
        for name, text in DESCRIPTIONS.items()
    ],
    check_specs=[dg.AssetCheckSpec(check, asset=asset, description=text) for check, (asset, text) in MART_CHECKS.items()],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    can_subset=False,
)
def daily_marts(context: dg.AssetExecutionContext, lake: LakeResource):
    """Build every daily mart of each partition day from that day's views (and its neighbours')."""
    storage = lake.get_storage()
    rows = {name: 0 for name in MART_KEYS}
    problems: dict[str, list] = {check: [] for check in MART_CHECKS}
    last = {}
    for key in context.partition_keys:
        day = date.fromisoformat(key)
        last = build_marts_day(storage, day)
        for name, table in last.items():
            rows[name] += table.num_rows
        for check, bad in mart_problems(storage, day).items():
            problems[check] += [[key] + r for r in bad]
        context.log.info(f"marts {key}: " + ", ".join(f"{n} {t.num_rows}" for n, t in last.items()))
    for name in MART_KEYS:
        meta = {"dagster/row_count": dg.MetadataValue.int(rows[name])}
        if name == "video_daily" and last:
            meta["top_videos"] = top_videos_markdown(last["video_daily"])
        if name == "video_heatmap_daily" and last:
            meta["heatmap"] = heatmap_markdown(last["video_heatmap_daily"], last["video_daily"])
        yield dg.MaterializeResult(asset_key=name, metadata=meta)
    for check, (asset, _) in MART_CHECKS.items():
        yield dg.AssetCheckResult(asset_key=asset, check_name=check, passed=not problems[check],
                                  metadata={"violations": dg.MetadataValue.json(problems[check][:20])})


@dg.asset(
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    group_name="marts",
    kinds={"parquet"},
    metadata={"dagster/column_schema": column_schema("viewer_progress")},
    deps=["playback_sessions", "played_ranges", "video_catalog"],
)
def viewer_progress(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Per viewer and video, as of the newest built day: resume position, progress, completion."""
    storage = lake.get_storage()
    state = None
    for key in context.partition_keys:
        state = build_progress_day(storage, date.fromisoformat(key))
    newest = max(storage.partition_days(PROGRESS_HISTORY))
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(state.num_rows if state is not None else 0),
        "snapshot_as_of": dg.MetadataValue.text(newest.isoformat()),
    })
