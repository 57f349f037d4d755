"""Per-day marts: video, course, creator, platform, QoE, renditions, heatmap, counters, visits, progress,
learners and courses.

One asset step builds them all, day after day: a day's learner progress first (course_daily reads
it), then its daily marts. In a range run of small days the next day's progress is built beside
this day's marts, and a day's pictures and checks beside the next day's build (the pictures in a
process of their own from a week of days on).
"""

from contextlib import ExitStack, closing
from datetime import date

import dagster as dg

from analytics_pipeline.defs.marts.pictures import (
    DRAWING_PROCESS_DAYS, Draw, draw_here, drawing_process, experience_scores_markdown, heatmap_markdown,
    top_videos_markdown,
)
from analytics_pipeline.defs.metadata import checked_partitions, report_partition, table_metadata
from analytics_pipeline.defs.partitions import daily_partitions, single_run
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib import duck
from analytics_pipeline.lib.mart_checks import MART_CHECKS, mart_problems
from analytics_pipeline.lib.learners import at_risk_courses
from analytics_pipeline.lib.marts_day import (
    PROGRESS_HISTORY, build_marts_day, marts_connection, progress_days, publish_progress,
)
from analytics_pipeline.lib.prefetch import prefetched
from analytics_pipeline.lib.side_by_side import beside_next_day, days_at_once, file_sizes, memory_share

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
    "video_counted_views": "The views the seed counters count: a viewer's view of a video at most once in 24 hours.",
    "viewer_first_views": "One row per viewer, on the day of their first counted view ever.",
}
MART_KEYS = list(DESCRIPTIONS)
CHAINED_MARTS = ("video_counters", "video_counted_views")  # day D reads D-1's partition
PROGRESS_DESCRIPTIONS = {
    "viewer_progress": "Per learner and video, as of the newest built day: resume position, progress, completion.",
    "learner_course_progress": "Per learner and course, as of the newest built day: lectures, progress, status, next lecture.",
    "course_attendance_weekly": "Per course and ISO week: learners enrolled and attending.",
    "course_cohorts": "Per course, cohort week (of first view) and week number: cohort size and learners active.",
}
PROGRESS_KEYS = list(PROGRESS_DESCRIPTIONS)
AT_RISK_CHECK = "at_risk_share"


def mart_metadata(tables: dict, draw: Draw = draw_here) -> dict[str, dict]:
    """Each daily mart's row count and preview, and the day's three pictures."""
    metadata = {name: table_metadata(tables[name]) for name in MART_KEYS}
    metadata["video_daily"]["top_videos"] = top_videos_markdown(tables["video_daily"])
    metadata["video_heatmap_daily"]["heatmap"] = heatmap_markdown(
        tables["video_heatmap_daily"], tables["video_daily"], tables["key_moments"], draw)
    metadata["qoe_daily"]["experience_scores"] = experience_scores_markdown(tables["experience_scores"], draw)
    return metadata


def progress_metadata(key: str, tables: dict) -> dict[str, dict]:
    """Each progress table's row count and preview; which day the state is as of."""
    metadata = {name: table_metadata(table) for name, table in tables.items()}
    metadata["viewer_progress"] = {
        **table_metadata(tables["viewer_progress"], ["learner_id", "video_id", "progress_ratio", "completed",
                                                     "last_watched_at"]),
        "state_as_of": dg.MetadataValue.text(key),
    }
    return metadata



@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, description=text, kinds={"parquet"}, group_name="marts",
                     deps=["playback_sessions", "played_ranges", "video_catalog"])
        for name, text in PROGRESS_DESCRIPTIONS.items()
    ] + [
        dg.AssetSpec(
            name, description=text, kinds={"parquet"}, group_name="marts",
            deps=[dg.AssetDep("playback_sessions", partition_mapping=sessions_around), "played_ranges", "video_catalog",
                  "ingest_audit", "events"]
            + ["learner_course_progress"]  # course_daily's new and at-risk learners of the day
            + ([dg.AssetDep(name, partition_mapping=previous_day)] if name in CHAINED_MARTS else []),
        )
        for name, text in DESCRIPTIONS.items()
    ],
    check_specs=[dg.AssetCheckSpec(check, asset=asset, description=text) for check, (asset, text) in MART_CHECKS.items()]
    + [dg.AssetCheckSpec(
        AT_RISK_CHECK, asset="learner_course_progress", blocking=False,
        description="Warns when a course's at_risk learners reach the alert share (ANALYTICS_AT_RISK_ALERT_SHARE, "
                    "default 25 %) of its enrolled learners (started, not completed).")],
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    can_subset=False,
)
def marts_and_progress(context: dg.AssetExecutionContext, lake: LakeResource):
    """Each partition day's learner progress (as of that day), then its daily marts, which read it."""
    storage, settings = lake.get_storage(), lake.get_settings()
    days = [date.fromisoformat(k) for k in context.partition_keys]
    sizes = file_sizes(storage, "events")
    at_once = days_at_once([sizes.get(storage.partition_file("events", day), 0) for day in days])
    memory_limit = memory_share(settings.duckdb_memory_limit, at_once)
    problems: dict[str, list] = {check: [] for check in MART_CHECKS}
    newest: dict = {}

    with ExitStack() as stack:  # on the way out: the progress thread stopped, then the connections closed
        progress_con = stack.enter_context(marts_connection(storage, memory_limit))
        marts_con = stack.enter_context(marts_connection(storage, memory_limit))
        progress = stack.enter_context(closing(progress_days(storage, days, progress_con)))
        if at_once > 1:  # small days: the next day's progress is built beside this day's marts
            progress = stack.enter_context(closing(prefetched(progress, depth=1)))
        draw = stack.enter_context(drawing_process(at_once > 1 and len(days) >= DRAWING_PROCESS_DAYS))
        checks_con = stack.enter_context(closing(duck.cursor(marts_con, storage)))  # for the thread beside the builds

        def build(day: date) -> tuple[dict, dict]:
            progress_day, day_progress = next(progress)
            assert progress_day == day, (progress_day, day)
            newest.update(day=day, tables=day_progress)
            return day_progress, build_marts_day(storage, day, con=marts_con)

        def checked_and_drawn(day: date, built: tuple[dict, dict]) -> tuple[dict, dict]:
            day_progress, tables = built
            metadata = {**progress_metadata(day.isoformat(), day_progress), **mart_metadata(tables, draw)}
            return metadata, mart_problems(storage, day, checks_con)

        # A day's checks and pictures run beside the next day's build: mostly Python, on the other core.
        for day, (metadata, day_problems) in beside_next_day(days, build, checked_and_drawn):
            key = day.isoformat()
            report_partition(context, key, metadata)
            for check, bad in day_problems.items():
                problems[check] += [[key] + r for r in bad]
    publish_progress(storage, newest["day"])
    for name in PROGRESS_KEYS + MART_KEYS:
        yield dg.MaterializeResult(asset_key=name)
    checked = checked_partitions(context.partition_keys)
    for check, (asset, _) in MART_CHECKS.items():
        yield dg.AssetCheckResult(asset_key=asset, check_name=check, passed=not problems[check],
                                  metadata={**checked, "violations": dg.MetadataValue.json(problems[check][:20])})
    yield at_risk_result(context.partition_keys[-1], storage, newest["tables"], settings.at_risk_alert_share)


def at_risk_result(as_of: str, storage, progress: dict, share: float) -> dg.AssetCheckResult:
    """The at-risk warning, from learner_course_progress as of the last day built."""
    alerts = at_risk_courses(progress["learner_course_progress"], share)
    newest = max(storage.partition_days(PROGRESS_HISTORY))
    return dg.AssetCheckResult(
        asset_key="learner_course_progress", check_name=AT_RISK_CHECK, passed=not alerts,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"as_of": dg.MetadataValue.text(as_of),
                  "snapshot_as_of": dg.MetadataValue.text(newest.isoformat()),
                  "alert_share": dg.MetadataValue.float(share),
                  "courses": dg.MetadataValue.int(len(alerts)),
                  "at_risk_courses": dg.MetadataValue.json(alerts[:50])},
    )
