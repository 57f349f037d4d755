"""Dagster's SQLite instance storage with one SQLAlchemy engine kept per database file.

Dagster's `SqliteEventLogStorage` creates an engine for every connection it opens, which also
empties SQLAlchemy's cache of compiled statements: each event a run stores (two per asset and
partition) compiles its INSERTs afresh. A range run of the marts stores about 30 events a day
(benchmarks/README.md, "Where a backfill day goes"). The CLI's instance (instance.py) uses the
classes below instead of Dagster's when the instance keeps its storage in SQLite: the same files,
tables and locking (connections are still opened and closed for each use, `NullPool`), so
`dagster dev` with Dagster's own classes reads what the CLI wrote.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool


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
