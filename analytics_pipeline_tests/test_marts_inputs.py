"""Hand-made inputs for the mart tests: views, played ranges, a catalog, and a connection
holding them under the relation names the marts read (no tests here)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pyarrow as pa

from analytics_pipeline.lib import marts_schemas
from analytics_pipeline.lib.duck import connect
from analytics_pipeline.lib.marts import build_daily_marts

D = date(2024, 3, 10)
TS = pa.timestamp("ms", tz="UTC")

SESSIONS = pa.schema([
    ("view_id", pa.string()), ("session_id", pa.string()), ("view_seq", pa.int64()),
    ("viewer_id", pa.string()), ("user_id", pa.string()), ("learner_id", pa.string()), ("video_id", pa.string()),
    ("course_id", pa.string()), ("creator_id", pa.string()),
    ("started_at", TS), ("ended_at", TS), ("wall_time_s", pa.float64()), ("event_count", pa.int64()),
    ("counts_as_view", pa.bool_()), ("is_bot", pa.bool_()), ("duration_s", pa.float64()),
    ("watch_time_s", pa.float64()), ("content_watched_s", pa.float64()),
    ("completion_ratio", pa.float64()), ("completed", pa.bool_()), ("startup_time_ms", pa.float64()),
    ("exited_before_start", pa.bool_()), ("startup_failed", pa.bool_()), ("playback_failed", pa.bool_()),
    ("rebuffer_count", pa.int64()), ("rebuffer_s", pa.float64()), ("seek_count", pa.int64()),
    ("play_count", pa.int64()), ("pause_count", pa.int64()), ("error_count", pa.int64()),
    ("quality_change_count", pa.int64()), ("last_position_s", pa.float64()),
    ("max_position_s", pa.float64()), ("saves", pa.int64()), ("shares", pa.int64()),
    ("clicks", pa.int64()), ("skips", pa.int64()), ("engaged", pa.bool_()),
    ("device_type", pa.string()), ("browser", pa.string()), ("os", pa.string()),
    ("country", pa.string()), ("player", pa.string()), ("unknown_video", pa.bool_()),
    ("playback_success_score", pa.float64()), ("startup_score", pa.float64()),
    ("smoothness_score", pa.float64()), ("experience_score", pa.float64()), ("date", pa.date32()),
])
RANGES = pa.schema([
    ("view_id", pa.string()), ("session_id", pa.string()), ("viewer_id", pa.string()),
    ("video_id", pa.string()), ("range_start_s", pa.float64()), ("range_end_s", pa.float64()),
    ("played_s", pa.float64()), ("rate", pa.float64()), ("rendition", pa.string()),
    ("bitrate_kbps", pa.int64()), ("from_at", TS), ("to_at", TS), ("date", pa.date32()),
])
QUALITY = pa.schema([
    ("view_id", pa.string()), ("video_id", pa.string()), ("occurred_at", TS), ("position_s", pa.float64()),
    ("from_rendition", pa.string()), ("to_rendition", pa.string()), ("from_bitrate_kbps", pa.int64()),
    ("to_bitrate_kbps", pa.int64()), ("direction", pa.string()), ("date", pa.date32()),
])
CATALOG = pa.schema([
    ("video_id", pa.string()), ("title", pa.string()), ("duration_s", pa.float64()),
    ("course_id", pa.string()), ("creator_id", pa.string()), ("is_preview", pa.bool_()),
    ("published_at", TS), ("position", pa.int64()),
])
AUDIT = pa.schema([
    ("arrival_date", pa.date32()), ("source_file", pa.string()), ("lines_read", pa.int64()),
    ("accepted", pa.int64()), ("duplicates", pa.int64()), ("quarantined", pa.int64()),
    ("late_events", pa.int64()), ("unknown_video_events", pa.int64()), ("date", pa.date32()),
])
DAY_COUNTS = pa.schema([("date", pa.date32()), ("events", pa.int64())])

VIDEOS = [  # video_id, duration_s, course_id, creator_id, is_preview
    ("v1", 100.0, "c1", "k1", False),
    ("v2", 50.0, "c1", "k1", False),
    ("v3", 25.0, "c2", "k2", False),
    ("vp", 60.0, None, "k2", True),
    ("vh", 70.0, None, "k3", False),
]


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc) + timedelta(hours=hh, minutes=mm)


def view(view_id, video_id, viewer_id, start, end, **kw) -> dict:
    catalog = {v[0]: v for v in VIDEOS}.get(video_id, (video_id, None, None, None, False))
    row = dict(
        view_id=view_id, session_id=view_id, view_seq=1, viewer_id=viewer_id, video_id=video_id,
        course_id=catalog[2], creator_id=catalog[3], started_at=start, ended_at=end,
        wall_time_s=(end - start).total_seconds(), event_count=5, counts_as_view=True, is_bot=False,
        duration_s=catalog[1], watch_time_s=0.0, content_watched_s=0.0, completion_ratio=0.0,
        completed=False, startup_time_ms=None, exited_before_start=False, startup_failed=False,
        playback_failed=False, rebuffer_count=0, rebuffer_s=0.0, seek_count=0, play_count=1,
        pause_count=0, error_count=0, quality_change_count=0, last_position_s=0.0, max_position_s=0.0,
        saves=0, shares=0, clicks=0, skips=0, engaged=False, device_type="desktop", browser="Chrome",
        os="Linux", country="FR", player="html5", unknown_video=False, playback_success_score=None,
        startup_score=None, smoothness_score=None, experience_score=None, date=start.date(),
    )
    row.update(kw)
    row.setdefault("learner_id", row["user_id"] if row.get("user_id") else row["viewer_id"])
    return row


def played(view_row: dict, start_s: float, end_s: float, rendition: str | None = None) -> dict:
    return dict(
        view_id=view_row["view_id"], session_id=view_row["session_id"], viewer_id=view_row["viewer_id"],
        video_id=view_row["video_id"], range_start_s=start_s, range_end_s=end_s, played_s=end_s - start_s,
        rate=1.0, rendition=rendition, bitrate_kbps=None, from_at=view_row["started_at"],
        to_at=view_row["ended_at"], date=view_row["date"],
    )


def register(con, name: str, rows: list[dict], schema: pa.Schema) -> None:
    con.register(f"__{name}_arrow", pa.Table.from_pylist(rows, schema=schema))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM __{name}_arrow")


def register_table(con, name: str, table: pa.Table | None, schema: pa.Schema) -> None:
    """`name` over an Arrow table (empty of `schema` when None)."""
    con.register(f"__{name}", table if table is not None else schema.empty_table())
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM __{name}")


def make_con(sessions=(), ranges=(), audit=(), day_counts=(), prev_counters=None, prev_progress=None,
             catalog=None, prev_counted=None, earlier_first_views=None, learner_progress_day=None,
             prev_learner_progress=None, quality_changes=()):
    con = connect()
    register(con, "playback_sessions", list(sessions), SESSIONS)
    register(con, "played_ranges", list(ranges), RANGES)
    register(con, "quality_changes", list(quality_changes), QUALITY)
    register(con, "video_catalog", catalog if catalog is not None else [
        dict(video_id=v, title=f"Title {v}", duration_s=d, course_id=c, creator_id=k, is_preview=p)
        for v, d, c, k, p in VIDEOS
    ], CATALOG)
    register(con, "ingest_audit", list(audit), AUDIT)
    register(con, "events_day_counts", list(day_counts), DAY_COUNTS)
    con.register("__prev_video_counters", prev_counters if prev_counters is not None
                 else marts_schemas.VIDEO_COUNTERS.empty_table())
    con.execute("CREATE OR REPLACE TEMP VIEW prev_video_counters AS SELECT * FROM __prev_video_counters")
    con.register("__prev_viewer_progress", prev_progress if prev_progress is not None
                 else marts_schemas.VIEWER_PROGRESS.empty_table())
    con.execute("CREATE OR REPLACE TEMP VIEW prev_viewer_progress AS SELECT * FROM __prev_viewer_progress")
    partition_key = pa.field("date", pa.date32())
    register_table(con, "prev_counted_views", prev_counted, marts_schemas.VIDEO_COUNTED_VIEWS.append(partition_key))
    register_table(con, "earlier_first_views", earlier_first_views, marts_schemas.VIEWER_FIRST_VIEWS.append(partition_key))
    register_table(con, "learner_course_progress_day", learner_progress_day, marts_schemas.LEARNER_COURSE_PROGRESS)
    register_table(con, "prev_learner_course_progress", prev_learner_progress, marts_schemas.LEARNER_COURSE_PROGRESS)
    return con


def rows_by(table: pa.Table, *keys: str) -> dict:
    out = {}
    for row in table.to_pylist():
        out[row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)] = row
    return out


def marts_of(day: date, **inputs) -> dict[str, pa.Table]:
    return build_daily_marts(make_con(**inputs), day)
