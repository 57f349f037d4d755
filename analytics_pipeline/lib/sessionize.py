"""Sessionisation: accepted player events -> one row per view and one row per played range.

The rules are metrics.md, "Views" and "Playback within a view". The steps, in view order:
`intermediate/int_delivery_files` and `intermediate/int_session_events` (SQL: the day's
sessions, sorted once into a temp table that spills, read back a chunk of sessions at a time);
in Polars, chunk by chunk, `int_view_events` (`lib/view_events.py`: view assignment and the
player state after each event, as forward fills), `int_view_clients` (which event holds each
client field of a view), `int_played_ranges` and `int_view_watching` (`lib/played_ranges.py`);
each chunk's view events and played ranges are reduced at once in DuckDB to `int_rebuffers`,
`int_view_summaries`, `int_quality_changes` and the sorted `marts/played_ranges` (SQL); the
other tables are registered with DuckDB, which builds `marts/playback_sessions` and
`marts/quality_changes`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analytics_pipeline.lib import storage
from analytics_pipeline.lib.duck import load_sql
from analytics_pipeline.lib.prefetch import prefetched
from analytics_pipeline.lib.storage import row_groups
from analytics_pipeline.lib.view_events import INPUT_COLUMNS, view_events_in_chunks

TS = pa.timestamp("ms", tz="UTC")

# One view (`date`, the view's first-event day, is added by the caller as the partition key).
PLAYBACK_SESSIONS = pa.schema([
    ("view_id", pa.string()),
    ("session_id", pa.string()),
    ("view_seq", pa.int64()),
    ("viewer_id", pa.string()),
    ("user_id", pa.string()),
    ("learner_id", pa.string()),
    ("video_id", pa.string()),
    ("course_id", pa.string()),
    ("creator_id", pa.string()),
    ("started_at", TS),
    ("ended_at", TS),
    ("wall_time_s", pa.float64()),
    ("event_count", pa.int64()),
    ("counts_as_view", pa.bool_()),
    ("is_bot", pa.bool_()),
    ("duration_s", pa.float64()),
    ("watch_time_s", pa.float64()),
    ("content_watched_s", pa.float64()),
    ("completion_ratio", pa.float64()),
    ("completed", pa.bool_()),
    ("startup_time_ms", pa.float64()),
    ("exited_before_start", pa.bool_()),
    ("startup_failed", pa.bool_()),
    ("playback_failed", pa.bool_()),
    ("rebuffer_count", pa.int64()),
    ("rebuffer_s", pa.float64()),
    ("seek_count", pa.int64()),
    ("play_count", pa.int64()),
    ("pause_count", pa.int64()),
    ("error_count", pa.int64()),
    ("quality_change_count", pa.int64()),
    ("last_position_s", pa.float64()),
    ("max_position_s", pa.float64()),
    ("saves", pa.int64()),
    ("shares", pa.int64()),
    ("clicks", pa.int64()),
    ("skips", pa.int64()),
    ("engaged", pa.bool_()),
    ("device_type", pa.string()),
    ("browser", pa.string()),
    ("os", pa.string()),
    ("country", pa.string()),
    ("player", pa.string()),
    ("unknown_video", pa.bool_()),
    ("playback_success_score", pa.float64()),
    ("startup_score", pa.float64()),
    ("smoothness_score", pa.float64()),
    ("experience_score", pa.float64()),
])

# One counted played range of a view (the heatmap and rendition tables are built from these).
PLAYED_RANGES = pa.schema([
    ("view_id", pa.string()),
    ("session_id", pa.string()),
    ("viewer_id", pa.string()),
    ("video_id", pa.string()),
    ("range_start_s", pa.float64()),
    ("range_end_s", pa.float64()),
    ("played_s", pa.float64()),
    ("rate", pa.float64()),
    ("rendition", pa.string()),
    ("bitrate_kbps", pa.int64()),
    ("from_at", TS),
    ("to_at", TS),
])

# One quality_change event of a view, with the switch it made (sql/marts/quality_changes.sql).
QUALITY_CHANGES = pa.schema([
    ("view_id", pa.string()),
    ("video_id", pa.string()),
    ("occurred_at", TS),
    ("position_s", pa.float64()),
    ("from_rendition", pa.string()),
    ("to_rendition", pa.string()),
    ("from_bitrate_kbps", pa.int64()),
    ("to_bitrate_kbps", pa.int64()),
    ("direction", pa.string()),
])

VIEW_IDS = ("view_id", "session_id", "viewer_id", "video_id")
# `marts/played_ranges` as DuckDB sorts it: the view's key in place of its ids
RANGE_VALUES = pa.schema([pa.field("view_key", pa.int64())] + [f for f in PLAYED_RANGES if f.name not in VIEW_IDS])
# PLAYED_RANGES as streamed to the writer: the view's ids dictionary-encoded (see with_view_ids)
PLAYED_RANGES_ENCODED = pa.schema([
    pa.field(f.name, pa.dictionary(pa.int32(), f.type)) if f.name in VIEW_IDS else f for f in PLAYED_RANGES
])

# sessions are read into Polars in chunks of about this many events: at 10 M events, 2 M-row
# chunks peaked at 3.55 GiB in this step, 500 k-row ones at 3.2 GiB, in the same time
CHUNK_ROWS = 500_000
# the day's session events, stored sorted (DuckDB, spillable); read through `int_session_events`
_STORED_EVENTS = "int_session_events_stored"
# the day's sorted played ranges without their views' ids (RANGE_VALUES), stored chunk by chunk
_RANGE_VALUES = "int_range_values"
# SQL models of one chunk's int_view_events, appended chunk by chunk into temp tables
CHUNK_MODELS = ("int_rebuffers", "int_view_summaries", "int_quality_changes")
# Arrow tables registered with DuckDB: what Polars makes of the session events
_ARROW_TABLES = ("int_view_events", "int_view_clients", "int_played_ranges", "int_view_watching")


def _select_as(schema: pa.Schema, relation: str) -> str:
    """The schema's columns of `relation`: floats rounded as `round_floats` does (bit for bit),
    timestamps as whole epoch milliseconds (the schema's unit; an event time with microseconds
    made Arrow's cast to milliseconds fail the whole day)."""
    def column(f: pa.Field) -> str:
        if pa.types.is_floating(f.type):
            return f'round_even("{f.name}" * 1e9, 0) / 1e9 AS "{f.name}"'
        if pa.types.is_timestamp(f.type):
            return f'epoch_ms("{f.name}") AS "{f.name}"'
        return f'"{f.name}"'

    return f"SELECT {', '.join(column(f) for f in schema)} FROM {relation}"


def with_view_ids(ranges: pa.Table | pa.RecordBatch, view_ids: pa.Table) -> pa.RecordBatch:
    """Played ranges (RANGE_VALUES) with their view's ids from `view_ids` (`view_key` and
    VIEW_IDS, sorted by `view_key`), as PLAYED_RANGES_ENCODED.

    Each id column is a dictionary of the ids of the views at hand, so the Parquet writer stores
    it as given instead of hashing an id string per range: give it one row group at a time.
    """
    keys = view_ids.column("view_key").to_numpy()
    wanted = ranges.column("view_key").to_numpy()
    rows = np.searchsorted(keys, wanted)
    if len(wanted) and (rows.max() >= len(keys) or not np.array_equal(keys[rows], wanted)):
        raise ValueError("a played range whose view is not among the day's views")
    first = int(rows.min()) if len(rows) else 0
    views = view_ids.slice(first, int(rows.max()) + 1 - first if len(rows) else 0)
    local = pa.array(rows - first, pa.int32())
    columns = []
    for field in PLAYED_RANGES_ENCODED:
        if field.name in VIEW_IDS:
            ids = pc.dictionary_encode(views.column(field.name).combine_chunks())
            columns.append(pa.DictionaryArray.from_arrays(ids.indices.take(local), ids.dictionary))
        else:
            columns.append(pa.array(ranges.column(field.name)) if isinstance(ranges, pa.RecordBatch)
                           else ranges.column(field.name).combine_chunks())
    return pa.RecordBatch.from_arrays(columns, names=PLAYED_RANGES_ENCODED.names).cast(PLAYED_RANGES_ENCODED)


def _drop(con: duckdb.DuckDBPyConnection, *models: str) -> None:
    for model in models:
        if model in _ARROW_TABLES:
            try:
                con.unregister(model)
            except Exception:  # not registered yet
                pass
        elif model == "int_session_events":  # the view over the stored events
            con.execute(f"DROP VIEW IF EXISTS {model}")
        else:
            con.execute(f"DROP TABLE IF EXISTS temp.main.{model}")


def _store_session_events(con: duckdb.DuckDBPyConnection, day: date) -> np.ndarray:
    """`intermediate/int_session_events` sorted into a temp table, in its order; returns the
    number of events of each session (`session_no` 1, 2, ...).

    A DuckDB table, not Arrow: it spills to the temp folder past the memory limit, so the day's
    events (0.8 GiB as Arrow at 10 M) are never all in memory; the view `int_session_events`
    adds `event_index` (1-based position: the table's row id, rows being stored in order).
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_STORED_EVENTS} AS {load_sql('intermediate/int_session_events')}",
                {"day": day})
    con.execute(f"CREATE OR REPLACE TEMP VIEW int_session_events AS "
                f"SELECT rowid + 1 AS event_index, * FROM {_STORED_EVENTS}")
    return con.execute(f"SELECT count(*) FROM {_STORED_EVENTS} GROUP BY session_no ORDER BY session_no").fetchnumpy()[
        "count_star()"]


def _session_event_chunks(con: duckdb.DuckDBPyConnection, session_sizes: np.ndarray) -> Iterator[tuple[int, pa.Table]]:
    """The stored session events (INPUT_COLUMNS) as (offset, table) chunks of whole sessions of at
    least CHUNK_ROWS events (the last may be smaller); at least one chunk, even of no events."""
    columns = ", ".join(INPUT_COLUMNS)
    ends = np.cumsum(session_sizes)
    first, offset = 0, 0
    while True:
        last = min(int(np.searchsorted(ends, offset + CHUNK_ROWS, "left")), len(ends) - 1)
        chunk = con.sql(f"SELECT event_index, {columns} FROM int_session_events "
                        f"WHERE session_no BETWEEN {first + 1} AND {last + 1}").to_arrow_table()
        index = chunk.column("event_index")
        if len(index) and (index[0].as_py() != offset + 1 or index[-1].as_py() != offset + len(index)):
            raise RuntimeError("int_session_events was not read back in the order it was stored")
        yield offset, chunk
        offset += chunk.num_rows
        first = last + 1
        if first >= len(ends):
            return


def _reduce_chunks(con: duckdb.DuckDBPyConnection, chunks) -> None:
    """Reduce each chunk's view events to the per-view models (CHUNK_MODELS, temp tables) and its
    played ranges to `marts/played_ranges` (the temp table `int_range_values`: RANGE_VALUES in
    order), then let them go; bind the other Polars-made tables to all their chunks, in order
    (Arrow, read in place).

    Views never span chunks and view keys increase from chunk to chunk, so each result is the
    same as over the whole day, and the day's 10 M view events (1 GiB) and 7.6 M ranges are
    never held at once, nor sorted together; the temp tables spill past the memory limit.
    """
    models = {model: load_sql(f"intermediate/{model}") for model in CHUNK_MODELS}
    # floats rounded and timestamps in milliseconds in SQL
    models[_RANGE_VALUES] = (_select_as(RANGE_VALUES, f"({load_sql('marts/played_ranges')})")
                             + " ORDER BY view_key, from_at, range_start_s")
    parts: dict[str, list[pa.Table]] = {}
    for number, tables in enumerate(chunks):
        con.register("int_view_events", tables.pop("int_view_events"))
        con.register("int_played_ranges", tables.pop("int_played_ranges"))
        for model, sql in models.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {model} AS {sql}" if number == 0
                        else f"INSERT INTO {model} {sql}")
        con.unregister("int_view_events")
        con.unregister("int_played_ranges")
        for name, table in tables.items():
            parts.setdefault(name, []).append(table)
    for name, tables in parts.items():
        con.register(name, pa.concat_tables(tables))


def build_playback_sessions(
    con: duckdb.DuckDBPyConnection, day: date, gap_minutes: int = 60,
    write_ranges: Callable[[pa.RecordBatchReader], Any] | None = None,
    write_quality_changes: Callable[[pa.Table], Any] | None = None,
    memory_limit_after_sort: str | None = None,
) -> tuple[pa.Table, Any]:
    """Views whose first event is on `day` (UTC) and their played ranges.

    `con` must hold the relations `events` (accepted events of `day` - 1 .. `day` + 1, with
    `date`) and `video_catalog`. Returns (playback_sessions, played_ranges) with the schemas
    PLAYBACK_SESSIONS and PLAYED_RANGES, without a `date` column. With `write_ranges`, the
    played ranges are streamed to it instead (millions of rows: never held whole) and its result
    is returned in their place. `write_quality_changes`, when given, receives the views'
    quality_changes (QUALITY_CHANGES, in view and event order). `memory_limit_after_sort`, when
    given, is DuckDB's memory limit once the day's events are sorted and stored.
    """
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE int_delivery_files AS {load_sql('intermediate/int_delivery_files')}")
        session_sizes = _store_session_events(con, day)
        if memory_limit_after_sort:
            # from here DuckDB streams its tables a chunk at a time: what it keeps beyond that is
            # a cache of spilled blocks, 2 GB of it at 50 M events beside the ranges' writer
            con.execute(f"SET memory_limit = '{memory_limit_after_sort}'")
        # forward fills in Polars (lib/view_events.py), a chunk of sessions at a time
        _reduce_chunks(con, view_events_in_chunks(_session_event_chunks(con, session_sizes), day, int(gap_minutes)))
        con.execute(f"CREATE OR REPLACE TEMP TABLE playback_sessions_day AS {load_sql('marts/playback_sessions')}")
        if write_quality_changes:  # a few rows: one pass over the event types already in memory
            write_quality_changes(con.sql(
                _select_as(QUALITY_CHANGES, f"({load_sql('marts/quality_changes')})") + " ORDER BY view_key, event_index"
            ).to_arrow_table().cast(QUALITY_CHANGES))
        # their memory serves the fetches
        _drop(con, "int_session_events", _STORED_EVENTS, "int_view_clients", "int_view_watching", *CHUNK_MODELS)
        view_ids = con.sql(f"SELECT view_key, {', '.join(VIEW_IDS)} FROM playback_sessions_day ORDER BY view_key")
        view_ids = view_ids.to_arrow_table()
        # the view's ids are attached after the sort, which took about 3 s with four id strings in
        # every row (0.4 s without)
        # streamed in the order stored; nothing else runs on `con` until it is read
        batches = con.sql(f"SELECT * FROM {_RANGE_VALUES}").to_arrow_reader(storage.ROW_GROUP_ROWS)
        # A thread gathers the next row group and attaches its ids while the writer encodes this
        # one: done in turn, the two took about 4 s of the 10 M-event day
        groups = (with_view_ids(group, view_ids) for group in row_groups(batches, storage.ROW_GROUP_ROWS))
        ranges = pa.RecordBatchReader.from_batches(PLAYED_RANGES_ENCODED, prefetched(groups, depth=1))
        ranges = write_ranges(ranges) if write_ranges else ranges.read_all().cast(PLAYED_RANGES)
        # fetched once the ranges are written and let go: at 50 M events the views (0.6 GiB of
        # Arrow) held beside the ranges' stream made this step's peak
        del view_ids
        _drop(con, _RANGE_VALUES)
        sessions = con.sql(
            _select_as(PLAYBACK_SESSIONS, "playback_sessions_day") + " ORDER BY started_at, view_id"
        ).to_arrow_table()
    finally:
        _drop(con, "playback_sessions_day", "int_delivery_files", "int_session_events", _STORED_EVENTS,
              _RANGE_VALUES, *CHUNK_MODELS, *_ARROW_TABLES)
    return sessions.cast(PLAYBACK_SESSIONS), ranges
