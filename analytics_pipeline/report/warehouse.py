"""Read-only access to the warehouse for the report: rows as dicts, and what the warehouse offers.

A section whose table, column or macro has not been built into this warehouse yet is left out;
`Offers` answers that from `information_schema` and `duckdb_functions()`, once per report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from analytics_pipeline.lib.duck import load_sql


@dataclass(frozen=True)
class Offers:
    relations: frozenset[str]
    macros: frozenset[str]
    columns: frozenset[tuple[str, str]]  # (relation, column)

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection) -> "Offers":
        relations = {r for (r,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        macros = {f for (f,) in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type IN ('table_macro', 'macro')").fetchall()}
        columns = {(t, c) for t, c in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns").fetchall()}
        return cls(frozenset(relations), frozenset(macros), frozenset(columns))

    def has(self, name: str) -> bool:
        return name in self.relations or name in self.macros

    def has_column(self, relation: str, column: str) -> bool:
        return (relation, column) in self.columns


class Warehouse:
    """A warehouse connection and the report's date range, with the range bound into every query."""

    def __init__(self, con: duckdb.DuckDBPyConnection, start: date, end: date):
        self.con = con
        self.start = start
        self.end = end
        self.offers = Offers.of(con)
        self._macro_columns: dict[str, set[str]] = {}

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    def macro_rows(self, macro: str, *extra, start: date | None = None, end: date | None = None) -> list[dict]:
        """Every row of a period macro, e.g. `video_stats(start, end)`, over the report's range by default."""
        args = [start or self.start, end or self.end, *extra]
        marks = ", ".join("?" for _ in args)
        return self.rows(f"SELECT * FROM {macro}({marks})", args)

    def query(self, name: str) -> list[dict]:
        """A report query, `sql/report/<name>.sql`, whose `$start` and `$end` are the range."""
        return self.rows(load_sql(f"report/{name}"), {"start": self.start, "end": self.end})

    def macro_has_column(self, macro: str, column: str, *extra) -> bool:
        if macro not in self._macro_columns:
            args = ", ".join(["?", "?"] + ["?" for _ in extra])
            cursor = self.con.execute(f"SELECT * FROM {macro}({args}) LIMIT 0", [self.start, self.end, *extra])
            self._macro_columns[macro] = {d[0] for d in cursor.description}
        return column in self._macro_columns[macro]
