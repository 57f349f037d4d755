"""Metadata every materialisation reports: row counts and a small preview."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa


def preview(table: pa.Table, rows: int = 5, columns: list[str] | None = None) -> dg.MetadataValue:
    cols = [c for c in (columns or table.column_names) if c in table.column_names][:8]
    head = table.select(cols).slice(0, rows).to_pylist()
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in head:
        lines.append("| " + " | ".join(_fmt(row[c]) for c in cols) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    s = "" if v is None else str(v)
    return s[:40].replace("|", "\\|")


def table_metadata(table: pa.Table, partitions: list[str], preview_columns: list[str] | None = None) -> dict:
    return {
        "dagster/row_count": dg.MetadataValue.int(table.num_rows),
        "partitions": dg.MetadataValue.text(", ".join(partitions) if len(partitions) <= 10 else f"{partitions[0]} .. {partitions[-1]} ({len(partitions)})"),
        "preview": preview(table, columns=preview_columns),
    }
