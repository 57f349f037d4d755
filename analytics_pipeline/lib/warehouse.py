"""The analysts' DuckDB file: one view per lake table plus the period macros.

Built under a temporary name and moved into place, so a reader holding the old file keeps a
consistent view and the next `connect` sees the new one. Only the `warehouse` asset calls this
(Dagster pool `warehouse`, one slot); a file lock beside the warehouse also serialises builds
of runs that do not share a Dagster instance, e.g. two `analytics-pipeline materialize` at once.

With an `s3://` data root the file stays local and its views keep `s3://` paths. DuckDB binds a
view's `read_parquet` when the view is created, so the building connection reads the bucket
through pyarrow (`lib/s3.py`); an analyst's DuckDB reads the same paths with `httpfs` and an S3
secret (`_warehouse_info.analyst_setup` holds the statements, keys left to the credential chain).

A view globs its partitions when it is queried, so a new day needs no new warehouse. A build whose
inputs are those of the file in place (the same tables and file schemas, the same code and root:
`_build_key`) keeps that file: at a year of partitions that saves most of a second a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa
from filelock import FileLock

from analytics_pipeline.lib.duck import SQL_DIR, load_sql, sql_string
from analytics_pipeline.lib.lake_schemas import save_json, snapshot_schema, table_schemas
from analytics_pipeline.lib.s3 import analyst_setup_sql, register_lake_filesystem
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.lib.table_docs import comment_statements, with_partition_key

LOCK_TIMEOUT_S = 15 * 60  # a warehouse build takes seconds; waiting longer means a stuck holder
# sql/warehouse files, in order, and the tables each needs (DuckDB binds a macro's tables at creation)
MACRO_FILES = (
    ("macros", {"playback_sessions"}),
    ("retention_macros", {"playback_sessions", "video_catalog", "video_daily", "video_heatmap_daily"}),
    ("learners_at_risk", {"learner_course_progress", "video_catalog"}),
)


def lake_tables(storage: Storage) -> dict[str, str]:
    """Lake table name -> 'daily' or 'snapshot'."""
    out = {}
    for name in storage.list_dirs("lake"):
        if name.startswith("."):
            continue
        if any(d.startswith("date=") for d in storage.list_dirs(f"lake/{name}")):
            out[name] = "daily"
        elif storage.exists(storage.snapshot_path(name)):
            out[name] = "snapshot"
    return out


def view_sql(storage: Storage, table: str, kind: str, one_schema: bool = False) -> str:
    """The view over a lake table; `one_schema`: every partition file has the same columns, so
    DuckDB needs to read only the first file's footer (see lib/lake_schemas.py)."""
    if kind == "daily":
        glob = storage.uri(f"lake/{table}/*/*.parquet")  # a partition may hold several files
        return (f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({sql_string(glob)}, "
                f"hive_partitioning = true, union_by_name = {str(not one_schema).lower()})")
    return f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({sql_string(storage.uri(storage.snapshot_path(table)))})"


class Warehouse(NamedTuple):
    tables: dict[str, str]  # lake table -> 'daily' or 'snapshot'
    rebuilt: bool  # False: the file in place was made from the same inputs and is kept


def build_warehouse(storage: Storage, path: str, empty_tables: dict[str, pa.Schema] | None = None) -> Warehouse:
    """Write the warehouse file at `path` (or keep the one in place, see the module docstring)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.with_name(target.name + ".lock")), timeout=LOCK_TIMEOUT_S):
        # holding the lock, no other build is under way: any temporary file beside it is a killed build's
        for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
            leftover.unlink(missing_ok=True)
        return _build(storage, target, empty_tables or {})


def _build(storage: Storage, target: Path, empty_tables: dict[str, pa.Schema]) -> Warehouse:
    tables = lake_tables(storage)
    schemas = table_schemas(storage, [t for t, kind in tables.items() if kind == "daily"],
                            target.with_name(target.name + ".schemas.json"))
    key = _build_key(storage, tables, schemas, empty_tables)
    built = target.with_name(target.name + ".build.json")
    if _built_with(target, built) == key:
        return Warehouse(tables, rebuilt=False)
    _write(storage, target, tables, {t for t, found in schemas.items() if len(found) <= 1}, empty_tables)
    save_json(built, {"key": key, "file": _stamp(target)})
    return Warehouse(tables, rebuilt=True)


def _write(storage: Storage, target: Path, tables: dict[str, str], one_schema: set[str],
           empty_tables: dict[str, pa.Schema]) -> None:
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        con = duckdb.connect(str(tmp))
        con.execute("SET TimeZone = 'UTC'")
        if register_lake_filesystem(con, storage):
            setup = analyst_setup_sql(storage.root, storage.endpoint_url, storage.region)
            con.execute(
                "CREATE OR REPLACE TABLE _warehouse_info AS SELECT 'remote' AS lake, ? AS root, ? AS analyst_setup",
                [storage.root, setup],
            )
        con.execute("BEGIN")  # one transaction: a file database commits each statement otherwise
        for table, kind in sorted(tables.items()):
            con.execute(view_sql(storage, table, kind, table in one_schema))
        for table, schema in empty_tables.items():
            if table not in tables:
                con.register("_empty", with_partition_key(table, schema).empty_table())  # a daily table has `date` even empty
                con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _empty")
                con.unregister("_empty")
        exposed = tables | empty_tables.keys()
        for macros, needs in MACRO_FILES:
            if (SQL_DIR / "warehouse" / f"{macros}.sql").exists() and needs <= exposed:
                con.execute(load_sql(f"warehouse/{macros}"))
        describe(con)
        con.execute("COMMIT")
        con.close()
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            if leftover.exists():
                leftover.unlink()


# the code whose output the warehouse file is: its statements, the dictionary's comments, the macros
_BUILDING_MODULES = ("analytics_pipeline.lib.warehouse", "analytics_pipeline.lib.table_docs",
                     "analytics_pipeline.lib.columns", "analytics_pipeline.lib.s3")


def _build_key(storage: Storage, tables: dict[str, str], schemas: dict[str, list[str]],
               empty_tables: dict[str, pa.Schema]) -> str:
    """What the warehouse file is made from: the lake's tables and their file schemas, the empty
    tables, the data root and the building code."""
    code = hashlib.sha256()
    for module in _BUILDING_MODULES:
        code.update(Path(sys.modules[module].__file__).read_bytes())
    for path in sorted((SQL_DIR / "warehouse").glob("*.sql")):
        code.update(path.read_bytes())
    snapshots = {t: snapshot_schema(storage, storage.snapshot_path(t)) for t, kind in tables.items() if kind == "snapshot"}
    inputs = {
        "code": code.hexdigest(), "duckdb": duckdb.__version__,
        "root": [storage.root, storage.endpoint_url, storage.region],
        "tables": tables, "schemas": {**schemas, **snapshots},
        "empty": {t: str(schema) for t, schema in sorted(empty_tables.items())},
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _stamp(path: Path) -> list:
    info = path.stat()
    return [info.st_ino, info.st_size, info.st_mtime_ns]


def _built_with(target: Path, built: Path) -> str | None:
    """The build key of the warehouse file in place, None when it is missing or was changed since."""
    try:
        record = json.loads(built.read_text())
        return record["key"] if record["file"] == _stamp(target) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def describe(con: duckdb.DuckDBPyConnection) -> None:
    """Comment every view, table, column and macro the data dictionary (lib/columns.py) describes,
    so `duckdb_views()`, `duckdb_columns()` and `duckdb_functions()` tell an analyst what they mean."""
    here = "database_name = current_database() AND schema_name = 'main'"
    kinds = dict(con.execute(
        f"SELECT view_name, 'VIEW' FROM duckdb_views() WHERE NOT internal AND {here} "
        f"UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE {here}"
    ).fetchall())
    columns = dict(con.execute(
        f"SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() WHERE {here} GROUP BY table_name"
    ).fetchall())
    relations = {name: (kind, columns.get(name, [])) for name, kind in kinds.items()}
    macros = dict(con.execute(
        "SELECT DISTINCT function_name, CASE function_type WHEN 'table_macro' THEN 'MACRO TABLE' ELSE 'MACRO' END "
        f"FROM duckdb_functions() WHERE NOT internal AND function_type IN ('macro', 'table_macro') AND {here}"
    ).fetchall())
    for statement in comment_statements(relations, macros):
        con.execute(statement)
