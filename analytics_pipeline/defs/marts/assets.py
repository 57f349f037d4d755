"""Per-day marts: video, course, creator, platform, QoE, renditions, heatmap, counters, visits, progress."""

from datetime import date

import dagster as dg

from analytics_pipeline.defs.marts.pictures import experience_scores_markdown, heatmap_markdown, top_videos_markdown
from analytics_pipeline.defs.metadata import checked_partitions, report_partition, table_metadata
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
            name, description=text, kinds={"parquet"}, group_name="marts",
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
    problems: dict[str, list] = {check: [] for check in MART_CHECKS}
    for key in context.partition_keys:
        day = date.fromisoformat(key)
        tables = build_marts_day(storage, day)
        metadata = {name: table_metadata(tables[name]) for name in MART_KEYS}
        metadata["video_daily"]["top_videos"] = top_videos_markdown(tables["video_daily"])
        metadata["video_heatmap_daily"]["heatmap"] = heatmap_markdown(
            tables["video_heatmap_daily"], tables["video_daily"], tables["key_moments"])
        metadata["qoe_daily"]["experience_scores"] = experience_scores_markdown(tables["experience_scores"])
        report_partition(context, key, metadata)
        for check, bad in mart_problems(storage, day).items():
            problems[check] += [[key] + r for r in bad]
    for name in MART_KEYS:
        yield dg.MaterializeResult(asset_key=name)
    checked = checked_partitions(context.partition_keys)
    for check, (asset, _) in MART_CHECKS.items():
        yield dg.AssetCheckResult(asset_key=asset, check_name=check, passed=not problems[check],
                                  metadata={**checked, "violations": dg.MetadataValue.json(problems[check][:20])})


@dg.asset(
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    group_name="marts",
    kinds={"parquet"},
    deps=["playback_sessions", "played_ranges", "video_catalog"],
)
def viewer_progress(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Per viewer and video, as of the newest built day: resume position, progress, completion."""
    storage = lake.get_storage()
    for key in context.partition_keys:
        state = build_progress_day(storage, date.fromisoformat(key))
        report_partition(context, key, {"viewer_progress": {
            **table_metadata(state, ["viewer_id", "video_id", "progress_ratio", "completed", "last_watched_at"]),
            "state_as_of": dg.MetadataValue.text(key),
        }})
    newest = max(storage.partition_days(PROGRESS_HISTORY))
    return dg.MaterializeResult(metadata={"snapshot_as_of": dg.MetadataValue.text(newest.isoformat())})
