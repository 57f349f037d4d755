"""The report site from a real warehouse: figures equal the period macros, CSV beside every table,
the command, the weekly asset, sections that appear when the warehouse gains insights.md's macros,
and the matplotlib heatmap in the marts' metadata."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pytest

from analytics_pipeline.cli import main
from analytics_pipeline.report import build_site
from analytics_pipeline.report.data import ReportData
from analytics_pipeline.report.model import safe_name
from analytics_pipeline.report.render import render_page
from analytics_pipeline.report.site import build_pages, site_pages
from analytics_pipeline.report.warehouse import Warehouse

METRIC = re.compile(r'data-metric="(\w+)">([^<]*)<')


def figures(html: str) -> dict[str, str]:
    """The first figure of each metric on a page (the headline comes first)."""
    out: dict[str, str] = {}
    for key, text in METRIC.findall(html):
        out.setdefault(key, text)
    return out


def exact(n) -> str:
    return f"{n:,}"


def test_every_page_shows_its_entitys_views_and_viewers_as_the_macros_give_them(report_site):
    summary, con = report_site
    start, end = summary.start, summary.end
    platform = con.execute("SELECT views, unique_viewers FROM platform_stats(?, ?)", [start, end]).fetchone()
    index = figures((summary.output / "index.html").read_text())
    assert platform[0] > 1000  # real data, with separators to check
    assert (index["views"], index["unique_viewers"]) == (exact(platform[0]), exact(platform[1]))
    for macro, key, folder in (("video_stats", "video_id", "videos"), ("course_stats", "course_id", "courses"),
                               ("creator_stats", "creator_id", "creators")):
        rows = con.execute(f"SELECT {key}, views, unique_viewers FROM {macro}(?, ?) WHERE {key} IS NOT NULL",
                           [start, end]).fetchall()
        assert rows
        pages = sorted((summary.output / folder).glob("*.html"))
        assert len(pages) == len(rows) == summary.pages[folder[:-1]]
        for entity_id, views, viewers in rows:
            shown = figures((summary.output / folder / f"{safe_name(entity_id)}.html").read_text())
            assert (shown["views"], shown["unique_viewers"]) == (exact(views), exact(viewers)), entity_id


def test_overview_compares_with_the_previous_range_of_equal_length(report_site):
    summary, con = report_site
    before = con.execute("SELECT views FROM platform_stats(?, ?)",
                         [summary.start - timedelta(days=7), summary.start - timedelta(days=1)]).fetchone()[0]
    now = summary.headline["views"]
    html = (summary.output / "index.html").read_text()
    change = re.search(r'data-change="views">([^<]*)<', html).group(1).strip()
    assert before > 0
    assert change == f"{(now - before) / before * 100:+,.1f} %"
    assert f"(was {exact(before)})" in html


def test_every_table_has_its_csv_beside_the_page_with_the_same_rows(report_site):
    summary, con = report_site
    pages = [summary.output / "index.html", *sorted(summary.output.glob("*/*.html"))[:40]]
    checked = 0
    for page in pages:
        html = page.read_text()
        tables = re.findall(r'<a href="([^"]+\.csv)" download>[^<]*</a> \((\d+) rows\)', html)
        assert len(tables) == html.count("<table"), page
        for name, rows in tables:
            with open(page.parent / name, newline="") as f:
                body = list(csv.reader(f))
            assert len(body) - 1 == int(rows), (page, name)
            checked += 1
    assert checked > 40
    top = list(csv.DictReader(io.StringIO((summary.output / "index.top-videos.csv").read_text())))
    expected = con.execute("SELECT video_id, views FROM popular_videos(?, ?, 10)", [summary.start, summary.end]).fetchall()
    assert [(r["video_id"], int(r["views"])) for r in top] == [(v, n) for v, n in expected]


def test_report_command_writes_the_site_and_refuses_a_folder_that_is_not_a_report(report_warehouse, tmp_path, capsys):
    """The command's own part: arguments, the message, replacing a report, refusing anything else.
    A range with no views keeps it quick (an overview alone); build_site's pages are checked above."""
    settings, start, end = report_warehouse
    out = tmp_path / "weekly"
    quiet = ["--start", str(start - timedelta(days=400)), "--end", str(start - timedelta(days=390))]
    args = ["report", "--data-root", settings.data_root]
    assert main(args + quiet + ["--output", str(out)]) == 0
    assert "open: file://" in capsys.readouterr().out
    assert (out / "index.html").is_file() and (out / "style.css").is_file()
    (out / "videos").mkdir()
    (out / "videos" / "stale.html").write_text("from an older report")
    assert main(args + quiet + ["--output", str(out)]) == 0
    assert not (out / "videos").exists()  # a report folder is replaced, not merged into
    assert figures((out / "index.html").read_text())["views"] == "0"
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    assert main(args + quiet + ["--output", str(precious)]) == 2
    assert "no index.html" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"
    assert main(["report", "--data-root", settings.data_root, "--start", str(end), "--end", str(start),
                 "--output", str(out)]) == 2


def test_a_range_without_views_still_builds_a_readable_overview(report_warehouse, tmp_path):
    settings, start, _ = report_warehouse
    con = duckdb.connect(settings.warehouse_path, read_only=True)
    summary = build_site(con, start - timedelta(days=400), start - timedelta(days=390), tmp_path / "empty")
    con.close()
    assert summary.pages == {"index": 1}
    assert figures((tmp_path / "empty" / "index.html").read_text())["views"] == "0"


def test_weekly_report_asset_writes_the_week_under_the_data_root_and_shows_its_figures(report_warehouse):
    from analytics_pipeline.definitions import build_defs

    settings, _, end = report_warehouse
    monday = end - timedelta(days=end.weekday() + 7)  # the last whole ISO week
    defs = build_defs(settings)
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def("weekly_report_job").execute_in_process(partition_key=monday.isoformat(),
                                                                          instance=instance)
    assert result.success
    index = Path(settings.data_root) / "reports" / monday.isoformat() / "index.html"
    assert index.is_file()
    con = duckdb.connect(settings.warehouse_path, read_only=True)
    views, viewers = con.execute("SELECT views, unique_viewers FROM platform_stats(?, ?)",
                                 [monday, monday + timedelta(days=6)]).fetchone()
    con.close()
    event = instance.get_latest_materialization_event(dg.AssetKey("weekly_report"))
    metadata = event.asset_materialization.metadata
    assert event.asset_materialization.partition == monday.isoformat()
    assert (metadata["views"].value, metadata["unique_viewers"].value) == (views, viewers)
    assert metadata["site"].value == str(index)
    assert figures(index.read_text())["views"] == exact(views)
    schedule = defs.resolve_schedule_def("weekly_report_schedule")
    assert schedule.cron_schedule == f"0 {settings.automation.lateness_hours + 2} * * 1"


INSIGHT_STUBS = """
CREATE OR REPLACE MACRO key_moments(start_date, end_date) AS TABLE
    SELECT video_id, 'spike' AS kind, 2 AS segment_index, 42.0 AS value FROM video_stats(start_date, end_date) WHERE views >= 20;
CREATE OR REPLACE MACRO creator_top_videos(start_date, end_date, n) AS TABLE
    SELECT * FROM (SELECT creator_id, video_id, views, unique_viewers, watch_time_s, completion_rate, engagement_score,
        row_number() OVER (PARTITION BY creator_id ORDER BY views DESC, watch_time_s DESC) AS rank
        FROM video_stats(start_date, end_date) WHERE NOT is_preview) WHERE rank <= n;
CREATE OR REPLACE MACRO relative_retention(start_date, end_date) AS TABLE
    SELECT video_id, avg_completion_ratio, '3-10m' AS length_bucket, 0.5 AS bucket_median_completion,
           avg_completion_ratio / 0.5 AS relative_retention, 'above_typical' AS label
    FROM video_stats(start_date, end_date) WHERE views >= 10;
CREATE OR REPLACE MACRO course_report(start_date, end_date) AS TABLE
    SELECT s.course_id, 7 AS lectures_total, 3 AS learners_active, 2 AS learners_new, 'rising' AS engagement_trend,
           (SELECT list(video_id ORDER BY views DESC, video_id) FROM video_stats(start_date, end_date) v
            WHERE v.course_id = s.course_id)[1:3] AS most_watched_lectures, [] AS struggle_lectures
    FROM course_stats(start_date, end_date) AS s;
DROP VIEW IF EXISTS learners_at_risk; DROP VIEW IF EXISTS learner_course_progress;
CREATE OR REPLACE TABLE learner_course_progress AS
    SELECT 'learner-1' AS learner_id, course_id, 'at_risk' AS status, 12.5 AS progress_pct,
           DATE '2026-01-01' AS last_active_date, NULL AS next_lecture_id FROM course_stats('2000-01-01', '2100-01-01');
"""


def test_sections_of_insight_macros_appear_once_the_warehouse_has_them(report_warehouse, tmp_path):
    """Stand-ins shaped as insights.md describes them, in place of the real macros so the figures are
    known: the pages show what the macros return. Every page is built (which sections are left out
    is a site-wide figure); the three pages checked are rendered, as build_site would render them."""
    settings, start, end = report_warehouse
    copy = tmp_path / "analytics.duckdb"
    shutil.copy(settings.warehouse_path, copy)
    con = duckdb.connect(str(copy))
    con.execute(INSIGHT_STUBS)
    data = ReportData(Warehouse(con, start, end))
    left_out: dict[str, set[str]] = {}
    pages = {(page.kind, page.entity_id): page for page in build_pages(data, left_out)}
    video = con.execute("SELECT video_id FROM video_stats(?, ?) WHERE views >= 20 LIMIT 1", [start, end]).fetchone()[0]
    creator, top = con.execute("SELECT creator_id, video_id FROM creator_top_videos(?, ?, 10) WHERE rank = 1 LIMIT 1",
                               [start, end]).fetchone()
    course = con.execute("SELECT course_id FROM course_stats(?, ?) LIMIT 1", [start, end]).fetchone()[0]
    con.close()

    def html(kind: str, entity_id: str) -> str:
        return render_page(pages[(kind, entity_id)], site_pages(data), "now")

    video_html = html("video", video)
    assert "key moment: spike" in video_html and 'id="table-key-moments"' in video_html
    creator_html = html("creator", creator)
    assert 'id="top-videos"' in creator_html and f"../videos/{safe_name(top)}.html" in creator_html
    course_html = html("course", course)
    assert 'data-metric="learners_at_risk">1<' in course_html and "learner-1" in course_html
    assert 'id="table-most-watched-lectures"' in course_html and 'data-metric="engagement_trend">rising<' in course_html
    assert 'data-metric="label">above typical<' in video_html
    assert "top_videos" not in left_out.get("creator", set())


def test_marts_heatmap_metadata_is_a_matplotlib_png_with_one_band_per_top_video():
    from PIL import Image

    from analytics_pipeline.defs.marts.pictures import heatmap_markdown
    import base64

    daily = pa.Table.from_pylist([{"video_id": f"v{i}", "views": 10 - i, "watch_time_s": 5.0} for i in range(7)])
    heat = pa.Table.from_pylist([{"video_id": f"v{i}", "segment_index": s, "retention_pct": 100.0 - s}
                                 for i in range(7) for s in range(30)])
    md = heatmap_markdown(heat, daily).value
    png = base64.b64decode(re.search(r"base64,([^)]+)\)", md).group(1))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] >= 600
    assert [line for line in md.splitlines() if re.match(r"\d\. `", line)] == [f"{i + 1}. `v{i}`" for i in range(5)]
