"""A creator's page (creators/<creator_id>.html): figures, trend, top videos, every video."""

from __future__ import annotations

from analytics_pipeline.lib.charts import Chart, Series
from analytics_pipeline.report.data import ReportData
from analytics_pipeline.report.model import ChartBlock, ChartSpec, Column, Section, Table
from analytics_pipeline.report.sections_common import headline, video_table

TOP_N = 10


def overview(data: ReportData, creator_id: str) -> Section:
    return headline(data, data.creators[creator_id], "creator_stats")


def trend(data: ReportData, creator_id: str) -> Section | None:
    days = data.creator_days.get(creator_id, [])
    if not days:
        return None
    svg = ChartSpec(Chart("trend-chart", [d["date"] for d in days], [
        Series("views", [d["views"] for d in days]),
        Series("watch time (h)", [d["watch_time_s"] / 3600 for d in days], right_axis=True),
    ], y_label="views", right_label="watch time (h)"), "Daily views and watch time; the figures are in the table below")
    columns = [Column("date", "Day", "day"), Column("views", "Views", "count"), Column("unique_viewers", "Unique viewers", "count"),
               Column("watch_time_s", "Watch time", "hours"), Column("completion_rate", "Completion rate", "pct")]
    return Section("trend", "Trend", "Per day (creator_daily).",
                   chart=ChartBlock(svg, "Views (left axis) and watch time in hours (right axis), per day."),
                   tables=[Table("trend", columns, days)])


def top_videos(data: ReportData, creator_id: str) -> Section | None:
    rows = data.optional("creator_top_videos", "creator_id", TOP_N).get(creator_id)
    if not rows:
        return None
    rows = sorted((dict(r) for r in rows), key=lambda r: r["rank"])
    return Section("top-videos", "Top videos", f"creator_top_videos(start, end, {TOP_N}): previews excluded.",
                   tables=[video_table(data, "top-videos", rows, extra=[Column("rank", "Rank", "count")])])


def videos(data: ReportData, creator_id: str) -> Section | None:
    rows = sorted((dict(v) for v in data.videos.values() if v["creator_id"] == creator_id),
                  key=lambda r: (-(r["views"] or 0), -(r["watch_time_s"] or 0), r["video_id"]))
    if not rows:
        return None
    return Section("videos", "Videos", "Every video of the creator with views in the range (video_stats), most viewed first.",
                   tables=[video_table(data, "videos", rows)])


SECTIONS = [overview, trend, top_videos, videos]
