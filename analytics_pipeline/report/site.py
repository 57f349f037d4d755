"""The report site for a date range: warehouse connection -> page data -> HTML files."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from datetime import date
from pathlib import Path

import duckdb
from markupsafe import escape

from analytics_pipeline.lib.child_process import map_in_children
from analytics_pipeline.report import sections_course, sections_creator, sections_platform, sections_video
from analytics_pipeline.report.data import ReportData
from analytics_pipeline.report.model import Page, safe_name
from analytics_pipeline.report.render import built_at, write_page, write_stylesheet
from analytics_pipeline.report.warehouse import Warehouse

HEADLINE_KEYS = ("views", "unique_viewers", "watch_time_s", "completion_rate")
MAX_WORKERS = 4
PAGES_PER_WORKER = 60  # below this, starting worker processes costs more than it saves


@dataclass
class SiteSummary:
    output: Path
    start: date
    end: date
    pages: dict[str, int]                     # page kind -> pages written
    headline: dict[str, object]               # the platform's figures for the range
    seconds: float = 0.0
    sections_left_out: dict[str, list[str]] = field(default_factory=dict)  # kind -> sections with no data

    @property
    def index(self) -> Path:
        return self.output / "index.html"


def _sections(functions, *args) -> tuple[list, list[str]]:
    made, left_out = [], []
    for fn in functions:
        section = fn(*args)
        (made if section is not None else left_out).append(section if section is not None else fn.__name__)
    return made, left_out


def _link(kind: str, entity_id, label, pages: dict[str, set]) -> str:
    if entity_id is None:
        return ""
    text = escape(label or entity_id)
    if entity_id in pages.get(kind, ()):
        return f'{kind}: <a href="../{kind}s/{escape(safe_name(entity_id))}.html">{text}</a>'
    return f"{kind}: {text}"


def site_pages(data: ReportData) -> dict[str, set]:
    """The entities that get a page: those the period macros have a row for."""
    return {"video": set(data.videos), "course": set(data.courses), "creator": set(data.creators)}


def build_pages(data: ReportData, left_out: dict[str, set[str]]):
    """Every page of the site, in order: the overview, then each video, course and creator with figures.

    Sections that had nothing to show (or whose table or macro the warehouse lacks) go into `left_out`.
    """
    pages = site_pages(data)

    def page(kind, entity_id, title, subtitle, functions, *args):
        sections, skipped = _sections(functions, data, *args)
        left_out.setdefault(kind, set()).update(skipped)
        return Page(kind, entity_id, title, subtitle, sections, data.start, data.end)

    yield page("index", None, "Platform overview", "", sections_platform.SECTIONS)
    for video_id, v in sorted(data.videos.items()):
        subtitle = " · ".join(filter(None, [
            _link("course", v["course_id"], data.course_titles.get(v["course_id"]), pages),
            _link("creator", v["creator_id"], data.creator_names.get(v["creator_id"]), pages)]))
        yield page("video", video_id, v["title"] or video_id, subtitle, sections_video.SECTIONS, video_id)
    for course_id in sorted(data.courses):
        creator = next((v["creator_id"] for v in data.catalog.values() if v["course_id"] == course_id), None)
        subtitle = _link("creator", creator, data.creator_names.get(creator), pages)
        yield page("course", course_id, data.course_titles.get(course_id) or course_id, subtitle,
                   sections_course.SECTIONS, course_id)
    for creator_id in sorted(data.creators):
        yield page("creator", creator_id, data.creator_names.get(creator_id) or creator_id, "",
                   sections_creator.SECTIONS, creator_id)


def build_site(con: duckdb.DuckDBPyConnection, start: date, end: date, output: Path | str) -> SiteSummary:
    """Write the static site for [start, end] into `output`, replacing what was there."""
    began = time.monotonic()
    output = Path(output).resolve()
    if output.exists() and any(output.iterdir()) and not (output / "index.html").is_file():
        raise FileExistsError(f"{output} holds files but no report (no index.html): not replacing it")
    staging = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.tmp")
    staging.mkdir(parents=True)
    try:
        data = ReportData(Warehouse(con, start, end))
        left_out: dict[str, set[str]] = {}
        pages = list(build_pages(data, left_out))
        write_pages(staging, pages, site_pages(data), built_at())
        written: dict[str, int] = {}
        for page in pages:
            written[page.kind] = written.get(page.kind, 0) + 1
        write_stylesheet(staging)
        _replace(output, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    headline = {k: data.platform.get(k) for k in HEADLINE_KEYS}
    return SiteSummary(output, start, end, written, headline, time.monotonic() - began,
                       {k: sorted(v) for k, v in left_out.items()})


def _write_chunk(output: Path, linked: dict[str, set], built: str, pages: list[Page]) -> None:
    for page in pages:
        write_page(output, page, linked, built)


def write_pages(output: Path, pages: list[Page], linked: dict[str, set], built: str) -> None:
    """Draw and write the pages, in parallel worker processes when there are many (charts take the time)."""
    workers = min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if workers < 2 or len(pages) < PAGES_PER_WORKER:
        return _write_chunk(output, linked, built, pages)
    chunks = [pages[i::workers * 4] for i in range(workers * 4)]
    map_in_children(partial(_write_chunk, output, linked, built), chunks, workers)


def _replace(output: Path, staging: Path) -> None:
    """Swap the new site in, so a reader never sees half of one."""
    if output.exists():
        old = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.old")
        output.rename(old)
        staging.rename(output)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(output)
