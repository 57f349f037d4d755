"""Metadata every materialisation reports, per partition (row count, a small preview), and the column
schemas every table-writing asset declares.

In a range run (a backfill is one run), Dagster records one materialisation per partition; each
asset calls `report_partition` once per day it built, so every partition carries its own figures.
"""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from analytics_pipeline.lib.columns import column_descriptions
from analytics_pipeline.lib.table_docs import column_types
from analytics_pipeline.progress import PARTITION_DONE


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


def table_metadata(table: pa.Table, preview_columns: list[str] | None = None) -> dict:
    """Row count and preview of one partition's (or a snapshot's) table."""
    return {
        "dagster/row_count": dg.MetadataValue.int(table.num_rows),
        "preview": preview(table, columns=preview_columns),
    }


def report_partition(context, key: str, per_asset: dict[str, dict]) -> None:
    """Attach each asset's metadata to its materialisation of partition `key`, and say it is done."""
    for asset, metadata in per_asset.items():
        context.add_asset_metadata(metadata, asset_key=asset, partition_key=key)
    summary = ", ".join(f"{a} {m['dagster/row_count'].value}" for a, m in per_asset.items() if "dagster/row_count" in m)
    context.log.info(f"{PARTITION_DONE} {key}" + (f": {summary}" if summary else ""))


def checked_partitions(keys) -> dict:
    """What an asset check result says it checked."""
    keys = list(keys)
    text = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]} ({len(keys)} partitions)"
    return {"partitions_checked": dg.MetadataValue.text(text)}
