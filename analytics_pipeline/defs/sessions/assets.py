"""Events to views: `playback_sessions` and their `played_ranges`."""


from datetime import date

import dagster as dg
import pyarrow as pa

from analytics_pipeline.defs.metadata import column_schema, preview
from analytics_pipeline.defs.partitions import daily_partitions, single_run
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib.quality import duplicate_view_ids, ranges_faster_than_wall_time
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS, PLAYED_RANGES
from analytics_pipeline.lib.sessions_day import build_sessions_day

# A view of day D may have begun on D-1 (then it is not D's) and may run into D+1.
neighbouring_days = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=1, allow_nonexistent_upstream_partitions=True)


@dg.multi_asset(
    specs=[
        dg.AssetSpec("playback_sessions", description="One row per view: watch time, completion, startup, rebuffering, engagement.",
                     deps=[dg.AssetDep("events", partition_mapping=neighbouring_days), "video_catalog"], kinds={"parquet"}, metadata={"dagster/column_schema": column_schema("playback_sessions")}),
        dg.AssetSpec("played_ranges", description="One row per counted played range of a view, with the rendition in force.",
                     deps=[dg.AssetDep("events", partition_mapping=neighbouring_days)], kinds={"parquet"}, metadata={"dagster/column_schema": column_schema("played_ranges")}),
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
    views, ranges, last = 0, 0, None
    for key in context.partition_keys:
        figures = build_sessions_day(storage, date.fromisoformat(key), settings.session_gap_minutes)
        views += figures["views"]
        ranges += figures["ranges"]
        last = figures["sessions"]
        context.log.info(f"sessions {key}: {figures['views']} views, {figures['ranges']} played ranges")
    days = [date.fromisoformat(k) for k in context.partition_keys]
    twice = duplicate_view_ids(storage, days, PLAYBACK_SESSIONS)
    too_fast = ranges_faster_than_wall_time(storage, days, PLAYED_RANGES)
    cols = ["view_id", "video_id", "watch_time_s", "completion_ratio", "startup_time_ms", "rebuffer_count", "device_type"]
    yield dg.MaterializeResult(asset_key="playback_sessions", metadata={
        "dagster/row_count": dg.MetadataValue.int(views),
        "preview": preview(last if last is not None else pa.table({}), columns=cols),
    })
    yield dg.MaterializeResult(asset_key="played_ranges", metadata={"dagster/row_count": dg.MetadataValue.int(ranges)})
    yield dg.AssetCheckResult(asset_key="playback_sessions", check_name="no_view_counted_twice", passed=twice == 0,
                              metadata={"duplicate_views": twice})
    yield dg.AssetCheckResult(asset_key="played_ranges", check_name="watch_time_within_wall_time", passed=too_fast == 0,
                              metadata={"ranges_too_long": too_fast})
