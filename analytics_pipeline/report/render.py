"""Pages to files: HTML through Jinja2 templates, each table's CSV beside its page, one stylesheet.

Jinja2 (already installed with Dagster) escapes every value by default, so a title in the
catalog cannot inject markup, and keeps the layout in templates rather than in Python strings.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from analytics_pipeline.report.model import Page, Table, safe_name

TEMPLATES = Path(__file__).resolve().parent / "templates"
ID_KEYS = {"video": "video_id", "course": "course_id", "creator": "creator_id"}

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                          lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def csv_text(table: Table) -> str:
    """The table's raw values (not the formatted ones), one header row of column keys."""
    buf = io.StringIO()
    keys = [c.key for c in table.columns]
    id_keys = [ID_KEYS[c.link] for c in table.columns if c.link and ID_KEYS[c.link] not in keys]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(id_keys + keys)
    for row in table.rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k in id_keys + keys])
    return buf.getvalue()


def csv_file_name(page: Page, table: Table) -> str:
    stem = "index" if page.kind == "index" else safe_name(page.entity_id)
    return f"{stem}.{table.name}.csv"


def render_page(page: Page, linked: dict[str, set[str]], built: str) -> str:
    """The page's HTML; a cell links to an entity's page only when the site has that page."""

    def link(kind: str, row: dict) -> str | None:
        entity_id = row.get(ID_KEYS[kind])
        if entity_id is None or entity_id not in linked.get(kind, ()):
            return None
        return f"{page.root}{kind}s/{safe_name(entity_id)}.html"

    template = _env.get_template("page.html")
    return template.render(page=page, built=built, link=link, csv_name=lambda t: csv_file_name(page, t))


def write_page(output: Path, page: Page, linked: dict[str, set[str]], built: str) -> None:
    target = output / page.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_page(page, linked, built), encoding="utf-8")
    for section in page.sections:
        for table in section.tables:
            (target.parent / csv_file_name(page, table)).write_text(csv_text(table), encoding="utf-8")


def write_stylesheet(output: Path) -> None:
    (output / "style.css").write_text((TEMPLATES / "style.css").read_text(), encoding="utf-8")


def built_at() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
