"""One day of marts from the lake: register just the inputs each mart needs, write the outputs.

`viewer_progress` keeps its state as of every built day in `viewer_progress_history` (so an old
day can be rebuilt from the state before it) and publishes the latest as the snapshot.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.marts import (
    DAILY_MARTS, MART_SCHEMAS, build_daily_marts, build_day_insights, build_viewer_progress, input_days,
)
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS, PLAYED_RANGES, QUALITY_CHANGES
from analytics_pipeline.lib.storage import Storage

PROGRESS_HISTORY = "viewer_progress_history"
INPUT_SCHEMAS = {
    "playback_sessions": PLAYBACK_SESSIONS, "played_ranges": PLAYED_RANGES, "video_catalog": schemas.VIDEO_CATALOG,
    "ingest_audit": schemas.INGEST_AUDIT, "quality_changes": QUALITY_CHANGES, **MART_SCHEMAS,
}


def _register_inputs(con, storage: Storage, day: date, marts: tuple[str, ...]) -> None:
    for relation, (table, days) in input_days(day, marts).items():
        if relation == "events_day_counts":
            duck.register_partitions(con, "_events_d", storage, "events", [day], schemas.EVENTS)
            con.execute("CREATE OR REPLACE TEMP VIEW events_day_counts AS "
                        f"SELECT DATE '{day.isoformat()}' AS date, count(*) AS events FROM _events_d")
        elif relation == "prev_viewer_progress":
            # the newest state before D (D-1 normally; older if days were never built)
            before = [d for d in storage.partition_days(PROGRESS_HISTORY) if d < day][-1:]
            duck.register_partitions(con, relation, storage, PROGRESS_HISTORY, before, MART_SCHEMAS["viewer_progress"])
        elif days is None:
            duck.register_snapshot(con, relation, storage, table, INPUT_SCHEMAS[table])
        else:
            duck.register_partitions(con, relation, storage, table, days, INPUT_SCHEMAS[table])


def build_marts_day(storage: Storage, day: date, marts: tuple[str, ...] = DAILY_MARTS) -> dict[str, pa.Table]:
    """Write the day's partitions of `marts` (all daily marts by default); returns them, and with
    all of them the day's insights too (`DAY_INSIGHTS`, not written)."""
    con = duck.connect()
    _register_inputs(con, storage, day, marts)
    tables = build_daily_marts(con, day)
    insights = build_day_insights(con, tables) if set(marts) == set(DAILY_MARTS) else {}
    con.close()
    for name in marts:
        storage.write_partition(name, day, tables[name])
    return {**{name: tables[name] for name in marts}, **insights}


def build_progress_day(storage: Storage, day: date) -> pa.Table:
    """The viewer_progress state as of `day`; the snapshot follows the newest built day."""
    con = duck.connect()
    _register_inputs(con, storage, day, ("viewer_progress",))
    state = build_viewer_progress(con, day)
    con.close()
    storage.write_partition(PROGRESS_HISTORY, day, state)
    newest = max(storage.partition_days(PROGRESS_HISTORY))
    if newest == day:
        storage.write_snapshot("viewer_progress", state)
    return state
