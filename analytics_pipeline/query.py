"""Read-only SQL against the warehouse, printed as a table or exported."""

from __future__ import annotations

import sys

import duckdb

from analytics_pipeline.errors import UsageError
from analytics_pipeline.lib.duck import connect, restrict_files
from analytics_pipeline.lib.storage import Storage

# COPY and EXPORT would write files (even inside the lake); everything else that changes
# something fails on the read-only warehouse or the locked configuration anyway
READ_ONLY_STATEMENTS = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN})


def _table(columns: list[str], rows: list[tuple], total: int) -> str:
    cells = [[("" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    if total > len(rows):
        out.append(f"({total} rows, {len(rows)} shown)")
    else:
        out.append(f"({total} rows)")
    return "\n".join(out)


def _read_only_statements(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    for statement in statements:
        if statement.type not in READ_ONLY_STATEMENTS:
            raise UsageError(f"query is read-only: {statement.type.name} statements are refused (use SELECT)")


def open_read_only(warehouse: str, storage: Storage) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, able to open files only under the lake (local or `s3://`)."""
    # with an s3:// root the views read the bucket through the same client as the pipeline
    con = connect(warehouse, read_only=True, storage=storage)
    restrict_files(con, [storage.uri("lake")])
    return con


def run_query(warehouse: str, sql: str, fmt: str, output: str | None, limit: int, storage: Storage) -> int:
    """Answer read-only `sql` from the warehouse, whose views may read only `storage`'s lake."""
    _read_only_statements(sql)
    con = open_read_only(warehouse, storage)
    try:  # closed at once: locked settings hold for every connection to the file while one is open
        return _answer(con, sql, fmt, output, limit)
    except duckdb.Error as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    finally:
        con.close()


def _answer(con: duckdb.DuckDBPyConnection, sql: str, fmt: str, output: str | None, limit: int) -> int:
    rel = con.sql(sql)
    if rel is None:
        return 0
    if fmt == "table":
        rows = rel.fetchall()
        print(_table(rel.columns, rows[:limit], len(rows)))
        return 0
    if fmt == "parquet" and not output:
        raise UsageError("--format parquet needs --output FILE")
    table = rel.to_arrow_table()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, output, compression="zstd")
    else:
        import polars as pl

        frame = pl.from_arrow(table)
        text = frame.write_csv() if fmt == "csv" else frame.write_json()
        if output:
            with open(output, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if output:
        print(f"wrote {table.num_rows} rows to {output}", file=sys.stderr)
    return 0
