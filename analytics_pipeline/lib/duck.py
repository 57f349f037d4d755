"""DuckDB connections and the lake relations SQL models read from.

SQL files in `sql/` refer to inputs by plain relation names (`events`, `video_catalog`, ...);
`register_partitions` binds such a name to lake partitions, the way dbt's `ref` binds a model.
DuckDB reads both kinds of root itself; for an `s3://` root (no `httpfs` here) it is handed
pyarrow's S3 client as a filesystem (`lib/s3.py`).
"""

from __future__ import annotations

import re
import shutil
import warnings
from contextlib import contextmanager
from datetime import date
from typing import Iterable, Iterator

import duckdb
import pyarrow as pa

from analytics_pipeline.lib.lake_schemas import common_columns
from analytics_pipeline.lib.s3 import register_lake_filesystem
from analytics_pipeline.lib.scratch import work_dir
from analytics_pipeline.lib.storage import Storage
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
# installed: site-packages/analytics_pipeline/sql; in the checkout: sql/ beside the package
SQL_DIR = _PACKAGE / "sql" if (_PACKAGE / "sql").is_dir() else _PACKAGE.parent / "sql"


def connect(
    database: str = ":memory:", read_only: bool = False, threads: int | None = None, storage: Storage | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC; with a remote `storage`, `s3://` paths of its bucket resolve."""
    con = duckdb.connect(database, read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if storage is not None:
        register_lake_filesystem(con, storage)
    return con


def cursor(con: duckdb.DuckDBPyConnection, storage: Storage | None = None) -> duckdb.DuckDBPyConnection:
    """Another connection to `con`'s database, in UTC: its own temporary views and tables, the
    database's settings, memory and filesystems. For a day's work beside the run's: opening a
    database of its own cost 15 to 25 ms, a cursor under 1 ms (`benchmarks/fixed_costs.py`).
    With a remote `storage`, its filesystem is registered on the database first, before two
    threads can bind views at once."""
    if storage is not None:
        register_lake_filesystem(con, storage)
    other = con.cursor()
    other.execute("SET TimeZone = 'UTC'")  # a session setting: a cursor starts from the default
    return other


_UNITS = {"KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def part_of_memory_limit(memory_limit: str, share: float) -> str:
    """`share` of a DuckDB size such as `2GB` or `1500MiB` (settings.memory_limit checked it), in MiB."""
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*([A-Za-z]+)\s*", memory_limit).groups()
    return f"{max(1, int(float(number) * _UNITS[unit.upper()] * share / 2**20))}MiB"


@contextmanager
def spilling_connection(storage: Storage, step: str, memory_limit: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection that holds at most `memory_limit` (settings.duckdb_memory_limit) and
    spills the rest to a fresh work folder of the root (lib/scratch.py), removed on exit."""
    spill = work_dir(storage, f"{step}-")
    con = connect()
    try:
        con.execute(f"SET temp_directory = {sql_string(spill)}")
        con.execute(f"SET memory_limit = {sql_string(memory_limit)}")
        # hand freed memory back to the system: otherwise what a sort or window freed stays with
        # DuckDB's allocator, on top of what Polars or Arrow take next
        con.execute("SET allocator_background_threads = true")
        con.execute("SET enable_progress_bar = false")
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def connect_warehouse(settings) -> duckdb.DuckDBPyConnection:
    """The warehouse file, read-only, able to follow its views into the data root (local or S3)."""
    return connect(settings.warehouse_path, read_only=True, storage=Storage.from_settings(settings))


def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql` (name may contain a sub-folder, e.g. `marts/video_daily`)."""
    return (SQL_DIR / f"{name}.sql").read_text()


def arrow_of(con: duckdb.DuckDBPyConnection, query: str) -> pa.Table:
    """The rows of one statement as Arrow, the statement bound once.

    `con.sql(q).to_arrow_table()` binds `q` to make the relation, then again to run it: for the
    marts' SQL on a small day that second binding was a fifth of the time (plans of many joins
    and windows over almost nothing). The result's extra copy DuckDB warns of costs less for
    results of a mart's size (tens of thousands of rows at 100 k events a day).
    """
    # that one warning silenced for the process, again on each call (pytest resets the filters
    # for each test): `warnings.catch_warnings` is not thread-safe, and the marts, the progress
    # built ahead and the pictures' checks call this from three threads at once
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
    return con.execute(query).to_arrow_table()


def sql_string(text: str) -> str:
    """`text` as a SQL string literal, for paths in statements that take no parameters (COPY TO, SET)."""
    return "'" + text.replace("'", "''") + "'"


def restrict_files(con: duckdb.DuckDBPyConnection, directories: list[str]) -> None:
    """From now on `con` opens files only under `directories`, and its settings cannot change.

    DuckDB still lets it write there (COPY, EXPORT): a read-only caller refuses those statements
    itself. Filesystems handed to DuckDB (the lake's `s3://`) must be registered before.
    """
    con.execute(f"SET allowed_directories = [{', '.join(sql_string(d.rstrip('/') + '/') for d in directories)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def register_partitions(
    con: duckdb.DuckDBPyConnection,
    name: str,
    storage: Storage,
    table: str,
    days: Iterable[date | str],
    empty_schema: pa.Schema | None = None,
) -> int:
    """Bind `name` to the given day partitions of a lake table, with a `date` column.

    Returns the number of partition files found. With none, `name` is an empty relation of
    `empty_schema` (plus `date`), so SQL over a missing day runs and yields nothing.
    """
    entries = storage.existing_partition_entries(table, days)
    con.execute(f"DROP VIEW IF EXISTS {name}")
    try:
        con.unregister(name)
    except Exception:
        pass
    if entries:
        # The same DuckDB reader for both roots (same types and nullability); a bucket is read
        # through pyarrow's S3 client handed to DuckDB as a filesystem (no httpfs needed).
        register_lake_filesystem(con, storage)
        uris = [storage.uri(e.path) for e in entries]
        paths = ", ".join(sql_string(uri) for uri in uris)
        # files of one schema need only the first footer read at each binding (lib/lake_schemas.py)
        columns = common_columns(storage, entries)
        source = (f"read_parquet([{paths}], hive_partitioning = true, "
                  f"union_by_name = {'false' if columns is not None else 'true'})")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {source}")
        if columns is not None:
            present = set(columns) | {key for uri in uris for key in _hive_keys(uri)}
        else:
            present = {row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()}
        if empty_schema is not None and set(empty_schema.names) - present:
            # partitions written before a column was added: the column reads as null, so an older
            # lake keeps working until its days are rebuilt
            con.register(f"__{name}_columns", empty_schema.empty_table())
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {source} "
                        f"UNION ALL BY NAME SELECT * FROM __{name}_columns")
        return len(entries)
    schema = empty_schema if empty_schema is not None else pa.schema([])
    if "date" not in schema.names:
        schema = schema.append(pa.field("date", pa.date32()))
    arrow = schema.empty_table()
    con.register(f"__{name}_arrow", arrow)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM __{name}_arrow")
    return 0


def _hive_keys(path: str) -> list[str]:
    """The columns `hive_partitioning` adds for a file's folders (`date` for `.../date=2026-06-01/`)."""
    return [part.split("=", 1)[0] for part in path.split("/")[:-1] if "=" in part]


def register_snapshot(
    con: duckdb.DuckDBPyConnection, name: str, storage: Storage, table: str, empty_schema: pa.Schema
) -> bool:
    """Bind `name` to a snapshot table (`lake/<table>/data.parquet`), empty when absent."""
    rel = storage.snapshot_path(table)
    arrow = storage.read_parquet(rel) if storage.exists(rel) else empty_schema.empty_table()
    con.register(f"__{name}_arrow", arrow)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM __{name}_arrow")
    return arrow.num_rows > 0
