"""Metadata every materialisation reports (row counts, a small preview) and the column schemas
every table-writing asset declares."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from analytics_pipeline.lib.columns import column_descriptions
from analytics_pipeline.lib.table_docs import column_types


def column_schema(table_name: str) -> dg.TableSchema:
    """The lake table's columns, DuckDB types and dictionary descriptions, for `dagster/column_schema`."""
    types = column_types(table_name)
    return dg.TableSchema(columns=[
        dg.TableColumn(name, types[name], description=text) for name, text in column_descriptions(table_name).items()
    ])


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
