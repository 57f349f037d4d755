"""Small markdown previews of tables for asset metadata."""

from __future__ import annotations

import pyarrow as pa


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def markdown_preview(table: pa.Table, limit: int = 10, columns: list[str] | None = None) -> str:
    if columns:
        table = table.select([c for c in columns if c in table.column_names])
    names = table.column_names
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in table.slice(0, limit).to_pylist():
        lines.append("| " + " | ".join(_cell(row[n]) for n in names) + " |")
    if table.num_rows > limit:
        lines.append(f"\n... {table.num_rows - limit} more rows")
    if table.num_rows == 0:
        lines.append("\n(no rows)")
    return "\n".join(lines)
