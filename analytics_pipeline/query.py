"""Read-only SQL against the warehouse, printed as a table or exported."""

from __future__ import annotations

import sys

import duckdb

from analytics_pipeline.errors import UsageError
from analytics_pipeline.lib.duck import connect


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


def run_query(warehouse: str, sql: str, fmt: str, output: str | None, limit: int) -> int:
    from analytics_pipeline.lib.storage import Storage
    from analytics_pipeline.settings import load_settings

    # with an s3:// root the views read the bucket through the same client as the pipeline
    con = connect(warehouse, read_only=True, storage=Storage.from_settings(load_settings()))
    try:
        rel = con.sql(sql)
    except duckdb.Error as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
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
