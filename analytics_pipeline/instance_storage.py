"""Dagster's SQLite instance storage with one SQLAlchemy engine kept per database file.

Dagster's `SqliteEventLogStorage` creates an engine for every connection it opens, which also
empties SQLAlchemy's cache of compiled statements: each event a run stores (two per asset and
partition) compiles its INSERTs afresh. A range run of the marts stores about 30 events a day
(benchmarks/README.md, "Where a backfill day goes"). It also pays, per run, for alembic reading
its migration scripts twice to stamp the run's new database file, and per asset event for looking
up tables and columns that, once there, stay; and it stores one by one the events Dagster sends in
batches (a range run's planned events and per-partition materializations), which
`KeptEngineInstance` has it store a batch at a time. The CLI's instance (instance.py) uses the classes
below instead of Dagster's when the instance keeps its storage in SQLite: the same files, tables,
stamps and locking (connections are still opened and closed for each use, `NullPool`), so
`dagster dev` with Dagster's own classes reads what the CLI wrote.
"""

from __future__ import annotations

import functools
import sqlite3
from contextlib import contextmanager
from typing import Iterator, Sequence

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dagster import DagsterInstance
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, BATCH_WRITABLE_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.schema import SqlEventLogStorageMetadata
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from dagster._core.storage.sql import get_alembic_config, safe_commit
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._core.storage.sqlalchemy_compat import db_result
from sqlalchemy import create_engine, exc as db_exc, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool


@functools.cache
def _event_log_migrations() -> ScriptDirectory:
    """Dagster's alembic scripts for the event log, read once per process (revision map loaded)."""
    scripts = ScriptDirectory.from_config(get_alembic_config(sqlite_event_log.__file__))
    scripts.get_current_head()
    return scripts


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that keeps each shard's engine (so its compiled statements)."""

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def _initdb(self, engine: Engine, for_index_shard: bool = False) -> None:
        """Dagster's initialisation (tables, WAL, the alembic stamp of the head revision) with the
        migration scripts read once per process; Dagster's own, with its retries, if that fails
        (another process initialising the same file) and for a new index."""
        if not for_index_shard:
            try:
                with engine.connect() as connection:
                    context = MigrationContext.configure(connection)
                    if context.get_current_revision() is None:
                        SqlEventLogStorageMetadata.create_all(engine)
                        connection.execute(text("PRAGMA journal_mode=WAL;"))
                        context.stamp(_event_log_migrations(), "head")
                        safe_commit(connection)
                return
            except (db_exc.DatabaseError, sqlite3.DatabaseError):
                pass
        super()._initdb(engine, for_index_shard=for_index_shard)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Dagster's `store_event` for each event of a run's batch, each file in one transaction.

        Batches (`KeptEngineInstance`): a run's planned events, one per asset and partition (5,400
        for the marts of a year), and the materializations Dagster makes from a step's output, one
        per partition; each otherwise a transaction in the run's file and one in the index. The
        same rows, in the same order in each file; the checks' planned events are stored as
        `store_event` stores them. Should a write fail after the run's file is committed, Dagster
        stores the batch again one by one, and the run's log shows those events twice.
        """
        runs = {event.run_id for event in events}
        if len(runs) != 1 or not all(e.is_dagster_event and e.dagster_event_type in BATCH_WRITABLE_EVENTS
                                     for e in events):
            super().store_event_batch(events)
            return
        inserts = [self.prepare_insert_event(event) for event in events]
        with self.run_connection(runs.pop()) as conn:
            for insert in inserts:
                conn.execute(insert)
        assets = [(e, i) for e, i in zip(events, inserts) if e.dagster_event_type in ASSET_EVENTS]
        if assets:
            with self.index_transaction() as conn:
                event_ids = []
                for _, insert in assets:
                    with db_result(conn, insert) as result:
                        event_ids.append(result.inserted_primary_key[0])
                self._store_asset_event_tags(conn, [e for e, _ in assets], event_ids)
                for (event, _), event_id in zip(assets, event_ids):
                    self._store_asset_event(conn, event, event_id)
        for event, insert in zip(events, inserts):
            if event.dagster_event_type in ASSET_CHECK_EVENTS:
                with self.index_connection() as conn, db_result(conn, insert) as result:
                    event_id = result.inserted_primary_key[0]
                self.store_asset_check_event(event, event_id)

    def has_table(self, table_name: str) -> bool:
        """Dagster asks for each asset event; a table, once there, stays."""
        present = self.__dict__.setdefault("_tables_present", set())
        if table_name not in present and super().has_table(table_name):
            present.add(table_name)
        return table_name in present

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        present = self.__dict__.setdefault("_asset_key_columns_present", set())
        if column_name not in present and super()._has_asset_key_col_on_connection(conn, column_name):
            present.add(column_name)
        return column_name in present

    def _engine(self, shard: str) -> Engine:
        engines = self.__dict__.setdefault("_engines", {})
        if shard not in engines:
            engines[shard] = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                                           connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        return engines[shard]


class KeptEngineSqliteStorage(DagsterSqliteStorage):
    """`DagsterSqliteStorage` (runs, events, schedules under one folder) with the event log above."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = KeptEngineSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptEngineSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


class KeptEngineInstance(DagsterInstance):
    """The CLI's instance over `KeptEngineSqliteStorage`: Dagster stores the events it sends as a
    batch (a run's planned events, the materializations it makes from an output) with
    `store_event_batch` instead of one by one. Dagster asks
    the instance for a batch size (`DAGSTER_EVENT_BATCH_SIZE`, 0 by default: no batches); a batch
    ends at its last event anyway, so the size only bounds what is held before a write."""

    def _get_event_batch_size(self) -> int:
        return 20_000
