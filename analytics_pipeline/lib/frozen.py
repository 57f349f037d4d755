"""Event days retention froze: their events are gone, so their marts are kept as they were.

Retention records each event day whose events or views it deletes in `retention_frozen_days`,
before deleting them (an interrupted run then leaves a day frozen with data still there, never
data gone from a day not frozen). A rebuild of such a day could only read what is left (nothing,
or a late event that arrived after) and would overwrite complete figures with partial ones.

So these days are kept, and so is the day after each: its views are split with the events of the
day before (a view that began before midnight is the earlier day's), and its peak concurrency and
visits read the earlier day's views; rebuilt without them, its views would rise. Later days are
rebuilt as usual, their chained marts (video_counters, viewer_progress) carrying on from the kept
state of the day before.

Erasure still cuts the person out of a kept day's person-level rows (its events and views where
left, visits, progress); the day's aggregates keep them only as anonymous counts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.marts import DAILY_MARTS
from analytics_pipeline.lib.storage import Storage

FROZEN_TABLE = "retention_frozen_days"
FROZEN_DAYS = pa.schema([("event_date", pa.date32()), ("frozen_at", schemas.TS)])
# retention deleting a partition of one of these freezes its day
FREEZING_TABLES = ("events", "playback_sessions", "played_ranges")
# per-person rows of a kept day, in the order erasure cuts them (played_ranges before the views it looks up)
# per-person rows of a day: by the person's id (viewer_id / user_id, or learner_id, which is one of
# them), or by the person's views for the tables keyed by view only
PERSON_TABLES = ("played_ranges", "quality_changes", "events", "playback_sessions", "viewer_sessions",
                 "viewer_progress_history", "learner_course_progress_history", "video_counted_views",
                 "viewer_first_views")
BY_VIEW = ("played_ranges", "quality_changes")
PERSON_SNAPSHOTS = ("viewer_progress", "learner_course_progress")
ANONYMOUS_MARTS = tuple(m for m in DAILY_MARTS if m not in PERSON_TABLES)


def frozen_days(storage: Storage) -> list[date]:
    """The event days retention froze, in order."""
    rel = storage.snapshot_path(FROZEN_TABLE)
    if not storage.exists(rel):
        return []
    return sorted(set(storage.read_parquet(rel, ["event_date"]).column("event_date").to_pylist()))


def record_frozen_days(storage: Storage, days, now: datetime) -> list[date]:
    """Add `days` to the frozen days (a day keeps the time it was first frozen); returns the new ones."""
    known = frozen_days(storage)
    new = sorted(set(days) - set(known))
    if new:
        rel = storage.snapshot_path(FROZEN_TABLE)
        old = storage.read_parquet(rel).cast(FROZEN_DAYS) if known else FROZEN_DAYS.empty_table()
        rows = pa.Table.from_pylist([{"event_date": d, "frozen_at": now} for d in new], schema=FROZEN_DAYS)
        storage.write_snapshot(FROZEN_TABLE, pa.concat_tables([old, rows]).sort_by("event_date"))
    return new


def kept_days(storage: Storage) -> set[date]:
    """Days no rebuild may rewrite: the frozen days and the day after each (module docstring)."""
    frozen = frozen_days(storage)
    return set(frozen) | {d + timedelta(days=1) for d in frozen}


def first_rebuildable_day(storage: Storage, start: date) -> date:
    """The first day a range rebuild may begin at: after the last kept day (they are, but for
    gaps, the oldest days), else `start`."""
    kept = kept_days(storage)
    return max(start, max(kept) + timedelta(days=1)) if kept else start


def kept_warning(skipped, frozen) -> str:
    """The warning of a build that left kept days out."""
    days = ", ".join(d.isoformat() for d in sorted(skipped))
    gone = sorted(set(skipped) & set(frozen))
    why = f"retention deleted the events of {', '.join(d.isoformat() for d in gone)}" if gone else \
        "retention deleted the events of the day before"
    return (f"kept as they were, not rebuilt: event days {days} ({why}; a rebuild would rewrite their figures "
            "from partial data). Later days carry on from their kept counters and progress.")


def _plain(table: pa.Table) -> pa.Table:
    """The table with dictionary-encoded columns decoded (played_ranges stores its ids so)."""
    fields = [pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))


def _without(table: pa.Table, column: str, values: set[str]) -> pa.Table:
    hit = pc.fill_null(pc.is_in(table.column(column), value_set=pa.array(sorted(values), pa.string())), False)
    return table.filter(pc.invert(hit))


def _cut(storage: Storage, rel: str, column: str, values: set[str]) -> int:
    """Rewrite one Parquet file without the rows whose `column` is in `values`; rows removed."""
    if not values or not storage.exists(rel):
        return 0
    table = _plain(storage.read_parquet(rel))
    if column not in table.column_names:
        return 0
    kept = _without(table, column, values)
    if kept.num_rows != table.num_rows:
        storage.write_parquet(rel, kept)
    return table.num_rows - kept.num_rows


def erase_from_kept_days(storage: Storage, column: str, subject_id: str, days) -> dict[str, int]:
    """Remove the person's rows (`column` = `subject_id`) from every person-level table of the kept
    `days`, and from the viewer_progress snapshot; returns rows removed per table."""
    removed: dict[str, int] = {}
    for day in sorted(days):
        views = set()
        for rel in storage.existing_partition_files("playback_sessions", [day]):
            sessions = storage.read_parquet(rel, ["view_id", column])
            views |= set(sessions.filter(pc.fill_null(pc.equal(sessions.column(column), subject_id), False))
                         .column("view_id").to_pylist())
        for table in PERSON_TABLES:
            for rel in storage.existing_partition_files(table, [day]):
                if table in BY_VIEW:
                    removed[table] = removed.get(table, 0) + _cut(storage, rel, "view_id", views)
                else:
                    removed[table] = removed.get(table, 0) + _cut_person(storage, rel, column, subject_id)
    for snapshot in PERSON_SNAPSHOTS:
        removed[snapshot] = _cut_person(storage, storage.snapshot_path(snapshot), column, subject_id)
    return {table: n for table, n in removed.items() if n}


def _cut_person(storage: Storage, rel: str, column: str, subject_id: str) -> int:
    """Rows whose `column` (viewer_id or user_id) is the person, then rows whose learner_id is."""
    return _cut(storage, rel, column, {subject_id}) + _cut(storage, rel, "learner_id", {subject_id})
