"""What a report page is made of: headline figures, charts, tables; and how numbers are written.

Sections are plain data; templates only lay them out. Counts are written exactly (12,345, never
12.3k); every table keeps its raw values for its CSV file.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import date

from analytics_pipeline.lib.charts import Chart, chart_svg


def count(v) -> str:
    return "–" if v is None else f"{int(v):,}"


def pct(v, digits: int = 1) -> str:
    """A fraction (0..1) as a percentage."""
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v * 100:,.{digits}f} %"


def hours(seconds) -> str:
    return "–" if seconds is None else f"{seconds / 3600:,.1f} h"


def seconds(v) -> str:
    return "–" if v is None else f"{v:,.1f} s"


def number(v, digits: int = 1) -> str:
    return "–" if v is None else f"{v:,.{digits}f}"


def millis(v) -> str:
    return "–" if v is None else f"{v:,.0f} ms"


FORMATS = {"day": lambda v: "" if v is None else str(v), "count": count, "pct": pct, "hours": hours, "seconds": seconds, "number": number, "ms": millis,
           "text": lambda v: "" if v is None else str(v)}


def change(current, previous) -> str | None:
    """The relative change vs the previous range, as text; None when there is nothing to compare."""
    if current is None:
        return None
    if previous is None:
        return "no figure for the previous range"
    if previous == 0:
        return "new" if current else "±0 %"
    delta = (current - previous) / previous * 100
    return f"{delta:+,.1f} %"


def safe_name(entity_id: str) -> str:
    """A file name for an id: ids made of letters, digits, `_`, `-` and `.` are kept as they are."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", str(entity_id)).lstrip(".") or "_"
    return cleaned if cleaned == str(entity_id) else f"{cleaned}-{hashlib.sha1(str(entity_id).encode()).hexdigest()[:8]}"


@dataclass
class Figure:
    """One headline figure; `key` names the metric (a `data-metric` attribute the tests read)."""

    key: str
    label: str
    value: object
    fmt: str = "count"
    previous: object = None
    compare: bool = False

    @property
    def text(self) -> str:
        return FORMATS[self.fmt](self.value)

    @property
    def previous_text(self) -> str:
        return FORMATS[self.fmt](self.previous)

    @property
    def change(self) -> str | None:
        return change(self.value, self.previous) if self.compare else None


@dataclass
class Column:
    key: str
    label: str
    fmt: str = "text"
    link: str | None = None  # "video" | "course" | "creator": the cell links to that entity's page


@dataclass
class Table:
    name: str                # the CSV file's stem, unique within a page
    columns: list[Column]
    rows: list[dict]
    collapsed: bool = False  # long figure tables (a chart's text alternative) start folded

    def cell(self, row: dict, column: Column) -> str:
        return FORMATS[column.fmt](row.get(column.key))


@dataclass
class ChartSpec:
    """A chart to draw and its accessible description; drawn when the page is written (maybe in a worker)."""

    chart: Chart
    description: str

    def svg(self) -> str:
        return chart_svg(self.chart, self.description)


@dataclass
class ChartBlock:
    spec: ChartSpec
    caption: str


@dataclass
class Section:
    key: str
    title: str
    note: str = ""
    figures: list[Figure] = field(default_factory=list)
    chart: ChartBlock | None = None
    tables: list[Table] = field(default_factory=list)


@dataclass
class Page:
    kind: str                # index | video | course | creator
    entity_id: str | None
    title: str
    subtitle: str
    sections: list[Section]
    start: date
    end: date

    @property
    def path(self) -> str:
        if self.kind == "index":
            return "index.html"
        return f"{self.kind}s/{safe_name(self.entity_id)}.html"

    @property
    def root(self) -> str:
        """The relative way back to the site's root from this page."""
        return "" if self.kind == "index" else "../"
