"""One day of `playback_sessions`, `played_ranges` and `quality_changes` from the lake (events of D-1..D+1)."""

from __future__ import annotations

from datetime import date, timedelta

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.sessionize import build_playback_sessions
from analytics_pipeline.lib.storage import Storage


def build_sessions_day(storage: Storage, day: date, gap_minutes: int = 60, memory_limit: str = "2GB") -> dict:
    """Write the day's views and played ranges; returns row counts.

    A view belongs to the day of its first event, so D-1 tells which sessions were already
    running at midnight and D+1 completes views that run past midnight.
    """
    # bounded: the intermediate tables of a 10 M-event day spill to disk instead of growing
    with duck.spilling_connection(storage, "sessions", memory_limit) as con:
        return _build(con, storage, day, gap_minutes, duck.part_of_memory_limit(memory_limit, 0.5))


def _build(con, storage: Storage, day: date, gap_minutes: int, memory_limit_after_sort: str) -> dict:
    # the day itself first: DuckDB estimates a multi-file relation from its first file, and a
    # tiny neighbour day would make joins hash `events` instead of the few rows looked up in it
    duck.register_partitions(
        con, "events", storage, "events", [day, day - timedelta(days=1), day + timedelta(days=1)], schemas.EVENTS
    )
    duck.register_snapshot(con, "video_catalog", storage, "video_catalog", schemas.VIDEO_CATALOG)
    ranges_file = storage.partition_file("played_ranges", day)
    changes = []
    sessions, ranges = build_playback_sessions(
        con, day, gap_minutes, write_ranges=lambda batches: storage.write_parquet_batches(ranges_file, batches),
        write_quality_changes=changes.append, memory_limit_after_sort=memory_limit_after_sort,
    )
    storage.write_partition("playback_sessions", day, sessions)
    storage.write_partition("quality_changes", day, changes[0])
    return {"views": sessions.num_rows, "ranges": ranges, "sessions": sessions, "quality_changes": changes[0]}
