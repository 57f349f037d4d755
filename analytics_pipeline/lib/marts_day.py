"""One day of marts from the lake: register just the inputs each mart needs, write the outputs.

`viewer_progress` and `learner_course_progress` keep their state as of every built day in
`<name>_history` (so an old day can be rebuilt from the state before it) and publish the latest
as the snapshot. A run over several days carries each day's state to the next in memory and
publishes once, after its last day. The weekly course tables are written under the Monday of the
day's week.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.learners import WEEKLY_TABLES, build_learner_tables, week_start
from analytics_pipeline.lib.marts import (
    DAILY_MARTS, MART_SCHEMAS, build_daily_marts, build_day_insights, build_viewer_progress, input_days,
)
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS, PLAYED_RANGES, QUALITY_CHANGES
from analytics_pipeline.lib.side_by_side import beside_next_day
from analytics_pipeline.lib.storage import Storage

PROGRESS_HISTORY = "viewer_progress_history"
LEARNER_HISTORY = "learner_course_progress_history"
INPUT_SCHEMAS = {
    "playback_sessions": PLAYBACK_SESSIONS, "played_ranges": PLAYED_RANGES, "video_catalog": schemas.VIDEO_CATALOG,
    "ingest_audit": schemas.INGEST_AUDIT, "quality_changes": QUALITY_CHANGES, **MART_SCHEMAS,
    LEARNER_HISTORY: MART_SCHEMAS["learner_course_progress"],
}
# snapshot -> the history that keeps its state as of every built day
STATE_HISTORIES = {"viewer_progress": PROGRESS_HISTORY, "learner_course_progress": LEARNER_HISTORY}
# state relation -> (history table, schema): the newest state before D (D-1 normally)
_PREVIOUS_STATES = {f"prev_{name}": (history, MART_SCHEMAS[name]) for name, history in STATE_HISTORIES.items()}


def _register_inputs(con, storage: Storage, day: date, marts: tuple[str, ...],
                     previous: dict[str, pa.Table] | None = None) -> None:
    for relation, (table, days) in input_days(day, marts).items():
        if previous is not None and relation in _PREVIOUS_STATES:
            # the state as of D-1 that the same run has just built and written to history
            con.execute(f"DROP VIEW IF EXISTS {relation}")
            con.register(relation, previous[relation.removeprefix("prev_")])
            continue
        if relation == "events_day_counts":
            duck.register_partitions(con, "_events_d", storage, "events", [day], schemas.EVENTS)
            con.execute("CREATE OR REPLACE TEMP VIEW events_day_counts AS "
                        f"SELECT DATE '{day.isoformat()}' AS date, count(*) AS events FROM _events_d")
        elif relation in _PREVIOUS_STATES:
            # the newest state before D (D-1 normally; older if days were never built)
            history, schema = _PREVIOUS_STATES[relation]
            before = [d for d in storage.partition_days(history) if d < day][-1:]
            duck.register_partitions(con, relation, storage, history, before, schema)
        elif relation == "earlier_first_views":
            earlier = [d for d in storage.partition_days(table) if d < day]
            duck.register_partitions(con, relation, storage, table, earlier, INPUT_SCHEMAS[table])
        elif days is None:
            duck.register_snapshot(con, relation, storage, table, INPUT_SCHEMAS[table])
        else:
            duck.register_partitions(con, relation, storage, table, days, INPUT_SCHEMAS[table])


@contextmanager
def marts_connection(storage: Storage, memory_limit: str = "2GB",
                     con: duckdb.DuckDBPyConnection | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """`con` when the caller has one for all the days of its run (each day rebinds every input,
    the macros are created once), else a connection of this day's own."""
    if con is not None:
        yield con
        return
    # bounded: the heatmap's windows over a 50 M-event day's ranges held 5 GiB unbounded
    with duck.spilling_connection(storage, "marts", memory_limit) as own:
        yield own


def build_marts_day(
    storage: Storage, day: date, marts: tuple[str, ...] = DAILY_MARTS, memory_limit: str = "2GB",
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, pa.Table]:
    """Write the day's partitions of `marts` (all daily marts by default); returns them, and with
    all of them the day's insights too (`DAY_INSIGHTS`, not written). `con`: see `marts_connection`."""
    with marts_connection(storage, memory_limit, con) as con:
        _register_inputs(con, storage, day, marts)
        tables = build_daily_marts(con, day)
        insights = build_day_insights(con, tables) if set(marts) == set(DAILY_MARTS) else {}
    for name in marts:
        storage.write_partition(name, day, tables[name])
    return {**{name: tables[name] for name in marts}, **insights}


def build_progress_day(storage: Storage, day: date, memory_limit: str = "2GB",
                       previous: dict[str, pa.Table] | None = None, publish: bool = True,
                       con: duckdb.DuckDBPyConnection | None = None) -> dict[str, pa.Table]:
    """Write `progress_tables` of `day` (`write_progress_day`); the snapshots follow the newest
    built day unless `publish=False` leaves them to `publish_progress` after a run's last day."""
    tables = progress_tables(storage, day, memory_limit, previous, con)
    write_progress_day(storage, day, tables)
    if publish:
        publish_progress(storage, day)
    return tables


def progress_tables(storage: Storage, day: date, memory_limit: str = "2GB",
                    previous: dict[str, pa.Table] | None = None,
                    con: duckdb.DuckDBPyConnection | None = None) -> dict[str, pa.Table]:
    """viewer_progress and learner_course_progress as of `day`, and the rows of its week in the
    weekly course tables (nothing written).

    `previous`: what this returned for the day before, when the caller has just built it (a run
    over consecutive days), instead of reading that state back from history. `con`: see
    `marts_connection`."""
    with marts_connection(storage, memory_limit, con) as con:
        _register_inputs(con, storage, day, ("viewer_progress", "learner_course_progress"), previous)
        state = build_viewer_progress(con, day)
        return {"viewer_progress": state, **build_learner_tables(con, day, state)}


def progress_days(storage: Storage, days: list[date],
                  con: duckdb.DuckDBPyConnection) -> Iterator[tuple[date, dict[str, pa.Table]]]:
    """(day, `progress_tables` of the day) for each of `days` in order, once the day's writes are
    done. Each day's SQL starts from the state the day before left in memory (read back from
    history for the first day), and a day's writes run beside the next day's SQL."""
    last: dict = {"day": None, "tables": None}

    def build(day: date) -> dict[str, pa.Table]:
        carried = last["tables"] if last["day"] == day - timedelta(days=1) else None
        last.update(day=day, tables=progress_tables(storage, day, previous=carried, con=con))
        return last["tables"]

    def written(day: date, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        write_progress_day(storage, day, tables)
        return tables

    yield from beside_next_day(days, build, written)


def write_progress_day(storage: Storage, day: date, tables: dict[str, pa.Table]) -> None:
    """The day's states into their histories, the week's rows into the weekly course tables."""
    for name, history in STATE_HISTORIES.items():
        storage.write_partition(history, day, tables[name])
    for name in WEEKLY_TABLES:
        storage.write_partition(name, week_start(day), tables[name])


def publish_progress(storage: Storage, day: date) -> None:
    """Publish the state as of the newest built day as the viewer_progress and
    learner_course_progress snapshots: a copy of its history file. `day`: the last day built.
    When a newer day is built, the snapshots stay, unless they are behind that day (a run stopped
    after writing history and before publishing)."""
    for name, history in STATE_HISTORIES.items():
        newest = max(storage.partition_days(history))
        if newest == day or _snapshot_as_of(storage, name) != newest:
            # the same bytes a second write of the state would give, without encoding it again
            storage.copy(storage.partition_file(history, newest), storage.snapshot_path(name))


def _snapshot_as_of(storage: Storage, name: str) -> date | None:
    rel = storage.snapshot_path(name)
    if not storage.exists(rel):
        return None
    return pc.max(storage.read_parquet(rel, ["as_of_date"])["as_of_date"]).as_py()
