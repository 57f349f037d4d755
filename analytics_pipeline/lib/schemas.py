"""Arrow schemas of the lake tables other code reads before they exist (empty relations)."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")  # what DuckDB writes for TIMESTAMPTZ

PLAYBACK_EVENT_TYPES = (
    "view_start", "play", "playing", "pause", "seek", "heartbeat", "buffer_start", "buffer_end",
    "quality_change", "rate_change", "error", "ended", "view_end",
)
ENGAGEMENT_EVENT_TYPES = ("save", "share", "click", "skip")
EVENT_TYPES = PLAYBACK_EVENT_TYPES + ENGAGEMENT_EVENT_TYPES

# `events`: one accepted, deduplicated event. Files hold no `date`: it is the Hive key.
EVENTS = pa.schema([
    ("event_id", pa.string()),
    ("event_type", pa.string()),
    ("occurred_at", TS),
    ("received_at", TS),
    ("session_id", pa.string()),
    ("viewer_id", pa.string()),
    ("user_id", pa.string()),
    ("video_id", pa.string()),
    ("position_s", pa.float64()),
    ("from_position_s", pa.float64()),
    ("duration_s", pa.float64()),
    ("playback_rate", pa.float64()),
    ("bitrate_kbps", pa.int64()),
    ("rendition", pa.string()),
    ("error_code", pa.string()),
    ("error_message", pa.string()),
    ("error_fatal", pa.bool_()),
    ("user_agent", pa.string()),
    ("ip_hash", pa.string()),
    ("country", pa.string()),
    ("referrer", pa.string()),
    ("player", pa.string()),
    ("properties", pa.string()),  # JSON text
    ("device_type", pa.string()),
    ("browser", pa.string()),
    ("os", pa.string()),
    ("is_bot", pa.bool_()),
    ("unknown_video", pa.bool_()),
    ("event_date", pa.date32()),
    ("arrival_date", pa.date32()),
    ("source_file", pa.string()),
    ("line_number", pa.int64()),
])

VIDEO_CATALOG = pa.schema([
    ("video_id", pa.string()),
    ("title", pa.string()),
    ("duration_s", pa.float64()),
    ("course_id", pa.string()),
    ("creator_id", pa.string()),
    ("is_preview", pa.bool_()),
    ("provider", pa.string()),
    ("provider_video_id", pa.string()),
    ("published_at", TS),
    ("course_title", pa.string()),
    ("creator_name", pa.string()),
    ("source", pa.string()),
    ("position", pa.int64()),
])

EVENTS_QUARANTINE = pa.schema([
    ("arrival_date", pa.date32()),
    ("source_file", pa.string()),
    ("line_number", pa.int64()),  # null for a whole-file fault
    ("reason", pa.string()),
    ("raw", pa.string()),
])

INGEST_AUDIT = pa.schema([
    ("arrival_date", pa.date32()),
    ("source_file", pa.string()),
    ("file_bytes", pa.int64()),
    ("file_sha256", pa.string()),
    ("lines_read", pa.int64()),
    ("blank_lines", pa.int64()),
    ("accepted", pa.int64()),
    ("duplicates", pa.int64()),
    ("quarantined", pa.int64()),
    ("late_events", pa.int64()),
    ("unknown_video_events", pa.int64()),
    ("file_error", pa.string()),
    ("redelivery", pa.string()),
])

# Which event days an arrival day brought events for: what a sensor reads to rebuild them.
ARRIVAL_EVENT_DAYS = pa.schema([
    ("arrival_date", pa.date32()),
    ("event_date", pa.date32()),
    ("events", pa.int64()),
    ("late", pa.bool_()),
])

# The warehouse file's own table when the lake is remote (s3://): how an analyst reaches the lake.
WAREHOUSE_INFO = pa.schema([("lake", pa.string()), ("root", pa.string()), ("analyst_setup", pa.string())])


def round_floats(table: pa.Table, digits: int = 9) -> pa.Table:
    """Round every float column: parallel sums differ in their last bits from run to run, and a
    re-run must leave every table identical. 1e-9 is far below any figure's meaning."""
    import pyarrow.compute as pc

    scale = 10.0 ** digits
    # x * 10^d rounded to an integer and divided back: pc.round(x, d) leaves some neighbours apart
    columns = [
        pc.divide(pc.round(pc.multiply(col, scale)), scale).cast(col.type) if pa.types.is_floating(col.type) else col
        for col in table.columns
    ]
    return pa.Table.from_arrays(columns, schema=table.schema)
