"""Events to views: `playback_sessions`, their `played_ranges` and `quality_changes`."""


from datetime import date

import dagster as dg

from analytics_pipeline.defs.metadata import checked_partitions, report_partition, table_metadata
from analytics_pipeline.defs.partitions import daily_partitions, single_run
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib.quality import duplicate_view_ids, ranges_faster_than_wall_time
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS, PLAYED_RANGES
from analytics_pipeline.lib.sessions_day import build_sessions_day
from analytics_pipeline.lib.side_by_side import days_at_once, file_sizes, in_day_order, memory_share

# A view of day D may have begun on D-1 (then it is not D's) and may run into D+1.
PREVIEW_COLUMNS = ["view_id", "video_id", "watch_time_s", "completion_ratio", "startup_time_ms", "rebuffer_count", "device_type"]
QUALITY_PREVIEW_COLUMNS = ["view_id", "position_s", "from_rendition", "to_rendition", "direction"]
neighbouring_days = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=1, allow_nonexistent_upstream_partitions=True)


@dg.multi_asset(
    specs=[
        dg.AssetSpec("playback_sessions", description="One row per view: watch time, completion, startup, rebuffering, engagement.",
                     deps=[dg.AssetDep("events", partition_mapping=neighbouring_days), "video_catalog"], kinds={"parquet"}),
        dg.AssetSpec("played_ranges", description="One row per counted played range of a view, with the rendition in force.",
                     deps=[dg.AssetDep("events", partition_mapping=neighbouring_days)], kinds={"parquet"}),
        dg.AssetSpec("quality_changes", description="One row per quality_change event of a view: from and to rendition, direction.",
                     deps=[dg.AssetDep("events", partition_mapping=neighbouring_days)], kinds={"parquet"}),
    ],
    check_specs=[
        dg.AssetCheckSpec("no_view_counted_twice", asset="playback_sessions", description="Every view_id appears once."),
        dg.AssetCheckSpec("watch_time_within_wall_time", asset="played_ranges",
                          description="No played range is longer than its wall time times the rate (+2 s)."),
    ],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    group_name="sessions",
    can_subset=False,
)
def sessionize(context: dg.AssetExecutionContext, lake: LakeResource):
    """Split each day's events into views exactly as metrics.md defines them."""
    settings = lake.get_settings()
    storage = lake.get_storage()
    days = [date.fromisoformat(k) for k in context.partition_keys]
    sizes = file_sizes(storage, "events")
    at_once = days_at_once([sizes.get(storage.partition_file("events", day), 0) for day in days])
    memory_limit = memory_share(settings.duckdb_memory_limit, at_once)
    for day, figures in in_day_order(
            lambda day: build_sessions_day(storage, day, settings.session_gap_minutes, memory_limit), days, at_once):
        key = day.isoformat()
        report_partition(context, key, {
            "playback_sessions": table_metadata(figures["sessions"], PREVIEW_COLUMNS),
            "played_ranges": {"dagster/row_count": dg.MetadataValue.int(figures["ranges"])},
            "quality_changes": table_metadata(figures["quality_changes"], QUALITY_PREVIEW_COLUMNS),
        })
    twice = duplicate_view_ids(storage, days, PLAYBACK_SESSIONS)
    too_fast = ranges_faster_than_wall_time(storage, days, PLAYED_RANGES)
    checked = checked_partitions(context.partition_keys)
    yield dg.MaterializeResult(asset_key="playback_sessions")
    yield dg.MaterializeResult(asset_key="played_ranges")
    yield dg.MaterializeResult(asset_key="quality_changes")
    yield dg.AssetCheckResult(asset_key="playback_sessions", check_name="no_view_counted_twice", passed=twice == 0,
                              metadata={**checked, "duplicate_views": twice})
    yield dg.AssetCheckResult(asset_key="played_ranges", check_name="watch_time_within_wall_time", passed=too_fast == 0,
                              metadata={**checked, "ranges_too_long": too_fast})
