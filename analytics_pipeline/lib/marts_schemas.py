"""Arrow schemas of the marts (metrics.md aggregates, heatmap, counters, visits, progress).

Every mart is cast to its schema, so a day without data still writes the same columns and
types, and readers of many partitions see one schema. Daily marts hold no `date` column: it is
the Hive partition key the caller writes.
"""

from __future__ import annotations

import pyarrow as pa

from analytics_pipeline.lib.schemas import TS  # millisecond UTC timestamps, as the events

# metrics.md "Aggregates", in the order the marts show them, plus the sums behind each rate so
# that ratios over several days or entities can be recomputed from sums.
AGGREGATE_FIELDS = [
    ("views", pa.int64()),
    ("unique_viewers", pa.int64()),
    ("engaged_views", pa.int64()),
    ("bot_views", pa.int64()),
    ("watch_time_s", pa.float64()),
    ("avg_watch_time_s", pa.float64()),
    ("content_watched_s", pa.float64()),
    ("completions", pa.int64()),
    ("completion_rate", pa.float64()),
    ("unique_completers", pa.int64()),
    ("avg_completion_ratio", pa.float64()),
    ("saves", pa.int64()),
    ("shares", pa.int64()),
    ("clicks", pa.int64()),
    ("skips", pa.int64()),
    ("engagement_rate", pa.float64()),
    ("engagement_score", pa.float64()),
    ("startup_time_ms_p50", pa.float64()),
    ("startup_time_ms_p95", pa.float64()),
    ("exits_before_start", pa.int64()),
    ("ebvs_rate", pa.float64()),
    ("startup_failures", pa.int64()),
    ("startup_failure_rate", pa.float64()),
    ("playback_failures", pa.int64()),
    ("playback_failure_rate", pa.float64()),
    ("rebuffer_count", pa.int64()),
    ("rebuffer_s", pa.float64()),
    ("rebuffer_ratio", pa.float64()),
    ("rebuffers_per_minute", pa.float64()),
    # insights.md, viewer experience scores: means over the views that have one
    ("playback_success_score", pa.float64()),
    ("startup_score", pa.float64()),
    ("smoothness_score", pa.float64()),
    ("experience_score", pa.float64()),
]

VIDEO_DAILY = pa.schema(
    [("video_id", pa.string()), ("course_id", pa.string()), ("creator_id", pa.string())]
    + AGGREGATE_FIELDS
    + [("peak_concurrent_views", pa.int64())]
    # insights.md, audience retention
    + [(name, pa.int64()) for name in ("plays_started", "reached_25", "reached_50", "reached_75", "reached_95")]
    # insights.md, quality_changes: the share of up and down switches
    + [(name, pa.int64()) for name in ("quality_switches", "up_switches", "down_switches")]
    + [("up_switch_share", pa.float64()), ("down_switch_share", pa.float64())]
)

COURSE_DAILY = pa.schema(
    [("course_id", pa.string())]
    + AGGREGATE_FIELDS
    + [
        ("videos_watched", pa.int64()),
        ("most_viewed_video_id", pa.string()),
        ("least_completed_video_id", pa.string()),
        ("learners_active", pa.int64()),
        ("learners_new", pa.int64()),
        ("learners_at_risk", pa.int64()),
    ]
)

CREATOR_DAILY = pa.schema(
    [("creator_id", pa.string())]
    + AGGREGATE_FIELDS
    + [("videos_watched", pa.int64()), ("top_video_id", pa.string())]
)

PLATFORM_DAILY = pa.schema(
    AGGREGATE_FIELDS
    + [
        ("videos_with_views", pa.int64()),
        ("videos_completion_high", pa.int64()),
        ("videos_completion_medium", pa.int64()),
        ("videos_completion_low", pa.int64()),
        ("peak_concurrent_views", pa.int64()),
        ("events_accepted", pa.int64()),
        ("duplicates", pa.int64()),
        ("quarantined", pa.int64()),
        ("late_events", pa.int64()),
        ("unknown_video_events", pa.int64()),
        ("new_viewers", pa.int64()),
        ("returning_viewers", pa.int64()),
    ]
)

QOE_DAILY = pa.schema(
    [(name, pa.string()) for name in ("device_type", "browser", "os", "country", "player")]
    + AGGREGATE_FIELDS
)

RENDITION_DAILY = pa.schema([
    ("video_id", pa.string()),
    ("rendition", pa.string()),
    ("views", pa.int64()),
    ("watch_time_s", pa.float64()),
    ("share_of_watch_time", pa.float64()),
])

VIDEO_HEATMAP_DAILY = pa.schema([
    ("video_id", pa.string()),
    ("segment_index", pa.int64()),
    ("segment_start_s", pa.float64()),
    ("segment_end_s", pa.float64()),
    ("views", pa.int64()),
    ("unique_viewers", pa.int64()),
    ("watch_time_s", pa.float64()),
    ("drop_offs", pa.int64()),
    ("retention_pct", pa.float64()),
    ("rewatch_s", pa.float64()),
    ("replay_views", pa.int64()),
])

VIDEO_COUNTERS = pa.schema([
    ("video_id", pa.string()),
    ("views_today", pa.int64()),
    ("counted_views_today", pa.int64()),
    ("views_month_to_date", pa.int64()),
    ("views_total", pa.int64()),
])

VIEWER_SESSIONS = pa.schema([
    ("visit_id", pa.string()),
    ("viewer_id", pa.string()),
    ("user_id", pa.string()),
    ("started_at", TS),
    ("ended_at", TS),
    ("duration_s", pa.float64()),
    ("videos_viewed", pa.int64()),
    ("views", pa.int64()),
    ("completions", pa.int64()),
    ("saves", pa.int64()),
    ("shares", pa.int64()),
    ("clicks", pa.int64()),
    ("skips", pa.int64()),
    ("watch_time_s", pa.float64()),
    ("avg_watch_time_s", pa.float64()),
    ("engagement_rate", pa.float64()),
])

WATCHED_RANGE = pa.struct([("start_s", pa.float64()), ("end_s", pa.float64())])

VIEWER_PROGRESS = pa.schema([
    ("learner_id", pa.string()),
    ("video_id", pa.string()),
    ("viewer_id", pa.string()),
    ("user_id", pa.string()),
    ("last_position_s", pa.float64()),
    ("content_watched_s", pa.float64()),
    ("duration_s", pa.float64()),
    ("progress_ratio", pa.float64()),
    ("completed", pa.bool_()),
    ("first_watched_at", TS),
    ("last_watched_at", TS),
    ("views", pa.int64()),
    ("watch_time_s", pa.float64()),
    ("watched_ranges", pa.list_(WATCHED_RANGE)),
    ("as_of_date", pa.date32()),
])

# The seed counters' rule: a viewer's view of a video counts at most once in 24 hours.
VIDEO_COUNTED_VIEWS = pa.schema([
    ("view_id", pa.string()),
    ("viewer_id", pa.string()),
    ("video_id", pa.string()),
    ("started_at", TS),
])

VIEWER_FIRST_VIEWS = pa.schema([
    ("viewer_id", pa.string()),
    ("first_view_at", TS),
])

LEARNER_COURSE_PROGRESS = pa.schema([
    ("learner_id", pa.string()),
    ("course_id", pa.string()),
    ("lectures_total", pa.int64()),
    ("lectures_started", pa.int64()),
    ("lectures_completed", pa.int64()),
    ("progress_pct", pa.float64()),
    ("first_active_date", pa.date32()),
    ("last_active_date", pa.date32()),
    ("active_days", pa.int64()),
    ("watch_time_s", pa.float64()),
    ("next_lecture_id", pa.string()),
    ("status", pa.string()),
    ("completed_date", pa.date32()),
    ("progress_grew_on", pa.date32()),
    ("days_inactive", pa.int64()),
    ("as_of_date", pa.date32()),
])

COURSE_ATTENDANCE_WEEKLY = pa.schema([
    ("course_id", pa.string()),
    ("week_start", pa.date32()),
    ("learners_enrolled", pa.int64()),
    ("learners_attending", pa.int64()),
    ("attendance_rate", pa.float64()),
])

COURSE_COHORTS = pa.schema([
    ("course_id", pa.string()),
    ("cohort_week", pa.date32()),
    ("week_number", pa.int64()),
    ("cohort_size", pa.int64()),
    ("learners_active", pa.int64()),
    ("retention_pct", pa.float64()),
])

# the warehouse view of the risk alert list (sql/warehouse/learners_at_risk.sql), not a lake table
LEARNERS_AT_RISK = pa.schema([
    ("learner_id", pa.string()),
    ("course_id", pa.string()),
    ("course_title", pa.string()),
    ("last_active_date", pa.date32()),
    ("days_inactive", pa.int64()),
    ("progress_pct", pa.float64()),
    ("lectures_completed", pa.int64()),
    ("lectures_total", pa.int64()),
    ("next_lecture_id", pa.string()),
    ("next_lecture_title", pa.string()),
    ("as_of_date", pa.date32()),
])

MART_SCHEMAS: dict[str, pa.Schema] = {
    "video_daily": VIDEO_DAILY,
    "course_daily": COURSE_DAILY,
    "creator_daily": CREATOR_DAILY,
    "platform_daily": PLATFORM_DAILY,
    "qoe_daily": QOE_DAILY,
    "rendition_daily": RENDITION_DAILY,
    "video_heatmap_daily": VIDEO_HEATMAP_DAILY,
    "video_counters": VIDEO_COUNTERS,
    "viewer_sessions": VIEWER_SESSIONS,
    "viewer_progress": VIEWER_PROGRESS,
    "video_counted_views": VIDEO_COUNTED_VIEWS,
    "viewer_first_views": VIEWER_FIRST_VIEWS,
    "learner_course_progress": LEARNER_COURSE_PROGRESS,
    "course_attendance_weekly": COURSE_ATTENDANCE_WEEKLY,
    "course_cohorts": COURSE_COHORTS,
}


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with exactly the columns of `schema`, in its order and types."""
    from analytics_pipeline.lib.schemas import round_floats

    return round_floats(table.select(schema.names).cast(schema))
