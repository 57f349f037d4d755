"""The analysts' DuckDB file: one view per lake table plus the period macros.

Built under a temporary name and moved into place, so a reader holding the old file keeps a
consistent view and the next `connect` sees the new one. Only the `warehouse` asset calls this.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics_pipeline.lib.storage import PARQUET_NAME, Storage
from analytics_pipeline.settings import SQL_DIR


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


def view_sql(storage: Storage, table: str, kind: str) -> str:
    if kind == "daily":
        glob = storage.uri(f"lake/{table}/*/{PARQUET_NAME}")
        return f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
    return f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet('{storage.uri(storage.snapshot_path(table))}')"


def build_warehouse(storage: Storage, path: str, empty_tables: dict[str, pa.Schema] | None = None) -> dict[str, str]:
    """Write the warehouse file at `path`; returns the tables it exposes and how."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    tables = lake_tables(storage)
    try:
        con = duckdb.connect(str(tmp))
        con.execute("SET TimeZone = 'UTC'")
        if storage.remote:
            # Analysts need httpfs (INSTALL httpfs; LOAD httpfs; CREATE SECRET ... TYPE s3) to query these.
            con.execute("CREATE OR REPLACE TABLE _warehouse_info AS SELECT 'remote' AS lake, ? AS root", [storage.root])
        for table, kind in sorted(tables.items()):
            if storage.remote:
                con.execute(view_sql(storage, table, kind).replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE VIEW", 1))
            else:
                con.execute(view_sql(storage, table, kind))
        for table, schema in (empty_tables or {}).items():
            if table not in tables:
                con.register("_empty", schema.empty_table())
                con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _empty")
                con.unregister("_empty")
        macros = SQL_DIR / "warehouse" / "macros.sql"
        if macros.exists() and "playback_sessions" in tables | (empty_tables or {}).keys():
            con.execute(macros.read_text())
        con.close()
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
    return tables
