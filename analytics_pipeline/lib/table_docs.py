"""The data dictionary (`lib/columns.py`) joined with the lake tables' Arrow schemas: column
types as DuckDB shows them, the DuckDB `COMMENT ON` statements, and `docs/tables.md`.

Regenerate the docs with `python -m analytics_pipeline.lib.table_docs` (a test fails when the
committed file differs from what this writes).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.columns import MACROS, TABLES, column_descriptions
from analytics_pipeline.lib.erasure import ERASURE_LOG, LOG_TABLE
from analytics_pipeline.lib.frozen import FROZEN_DAYS, FROZEN_TABLE
from analytics_pipeline.lib.marts_day import LEARNER_HISTORY, PROGRESS_HISTORY
from analytics_pipeline.lib.marts_schemas import LEARNER_COURSE_PROGRESS, LEARNERS_AT_RISK, MART_SCHEMAS, VIEWER_PROGRESS
from analytics_pipeline.lib.providers.parse import PROVIDER_COUNTRY_DAILY, PROVIDER_HEATMAP, PROVIDER_VIDEO_DAILY
from analytics_pipeline.lib.providers.reconcile import RECONCILIATION
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS, PLAYED_RANGES, QUALITY_CHANGES

DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "tables.md"

# Every lake table's file columns (a daily table's `date` is its Hive key, not in the files),
# and the warehouse file's own table.
LAKE_SCHEMAS: dict[str, pa.Schema] = {
    "events": schemas.EVENTS,
    "event_arrivals": schemas.EVENTS,
    "events_quarantine": schemas.EVENTS_QUARANTINE,
    "ingest_audit": schemas.INGEST_AUDIT,
    "arrival_event_days": schemas.ARRIVAL_EVENT_DAYS,
    "video_catalog": schemas.VIDEO_CATALOG,
    "playback_sessions": PLAYBACK_SESSIONS,
    "played_ranges": PLAYED_RANGES,
    "quality_changes": QUALITY_CHANGES,
    **MART_SCHEMAS,
    PROGRESS_HISTORY: VIEWER_PROGRESS,
    LEARNER_HISTORY: LEARNER_COURSE_PROGRESS,
    "learners_at_risk": LEARNERS_AT_RISK,
    "provider_video_daily": PROVIDER_VIDEO_DAILY,
    "provider_country_daily": PROVIDER_COUNTRY_DAILY,
    "provider_heatmap": PROVIDER_HEATMAP,
    "provider_reconciliation_daily": RECONCILIATION,
    LOG_TABLE: ERASURE_LOG,
    FROZEN_TABLE: FROZEN_DAYS,
    "_warehouse_info": schemas.WAREHOUSE_INFO,
}


def with_partition_key(table: str, schema: pa.Schema) -> pa.Schema:
    """`schema` plus the `date` column a daily table's warehouse view shows (its Hive key)."""
    entry = TABLES.get(table)
    if entry is None or entry.date is None or "date" in schema.names:
        return schema
    return schema.append(pa.field("date", pa.date32()))


@lru_cache(maxsize=1)
def _type_database() -> duckdb.DuckDBPyConnection:
    # one in-memory database for every table: opening one costs 15 ms, a cursor on it microseconds
    return duckdb.connect()


@lru_cache(maxsize=None)
def column_types(table: str) -> dict[str, str]:
    """Column -> DuckDB type name, as an analyst sees it in the warehouse view."""
    with _type_database().cursor() as con:
        relation = con.from_arrow(with_partition_key(table, LAKE_SCHEMAS[table]).empty_table())
        return {name: str(kind) for name, kind in zip(relation.columns, relation.types)}


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_statements(relations: dict[str, tuple[str, list[str]]], macros: dict[str, str]) -> list[str]:
    """`COMMENT ON` statements for the relations (name -> ('VIEW' or 'TABLE', its columns)) and
    macros (name -> 'MACRO' or 'MACRO TABLE') the dictionary describes. A column the dictionary
    does not know (an extra column of a newer file) is left without a comment."""
    out = []
    for name, (kind, columns) in sorted(relations.items()):
        if name not in TABLES:
            continue
        entry = TABLES[name]
        out.append(f"COMMENT ON {kind} {quote_identifier(name)} IS {quote_literal(f'{entry.description} Grain: {entry.grain}.')}")
        described = column_descriptions(name)
        for column in columns:
            if column in described:
                out.append(f"COMMENT ON COLUMN {quote_identifier(name)}.{quote_identifier(column)} IS {quote_literal(described[column])}")
    for name, kind in sorted(macros.items()):
        if name in MACROS:
            macro = MACROS[name]
            out.append(f"COMMENT ON {kind} {quote_identifier(name)} IS {quote_literal(f'{macro.signature}: {macro.description}')}")
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    lines = [
        "# Warehouse tables and macros",
        "",
        "Generated from `analytics_pipeline/lib/columns.py` by `python -m analytics_pipeline.lib.table_docs`;",
        "do not edit by hand. The same descriptions are the DuckDB comments of the warehouse",
        "(`SELECT table_name, column_name, comment FROM duckdb_columns()`) and the Dagster column schemas.",
        "",
        "## Tables",
        "",
    ]
    lines += [f"- [`{name}`](#{name}): {TABLES[name].description}" for name in TABLES]
    for name, entry in TABLES.items():
        kind = "daily, partitioned by `date`" if entry.date else "snapshot"
        types = column_types(name)
        lines += ["", f"### {name}", "", entry.description, "", f"Grain: {entry.grain} ({kind}).", "",
                  "| column | type | description |", "|---|---|---|"]
        lines += [f"| `{column}` | {_cell(types[column])} | {_cell(text)} |" for column, text in column_descriptions(name).items()]
    lines += ["", "## Macros", "", "| macro | description |", "|---|---|"]
    lines += [f"| `{m.signature}` | {_cell(m.description)} |" for m in MACROS.values()]
    return "\n".join(lines) + "\n"


def write_docs(path: Path = DOCS_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown())
    return path


if __name__ == "__main__":
    print(write_docs(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_PATH))
