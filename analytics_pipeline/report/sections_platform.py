"""The platform overview (index.html), one function per section."""

from __future__ import annotations

from analytics_pipeline.lib.charts import Chart, Series
from analytics_pipeline.report.data import ReportData
from analytics_pipeline.report.model import ChartBlock, ChartSpec, Column, Figure, Section, Table
from analytics_pipeline.report.sections_common import breakdown_section, headline, video_table

# platform_daily's completion buckets, applied to each video's completion rate over the range
BUCKETS = [("high", "High (> 75 %)", lambda r: r > 0.75), ("medium", "Medium (50-75 %)", lambda r: 0.5 <= r <= 0.75),
           ("low", "Low (< 50 %)", lambda r: r < 0.5)]


def overview(data: ReportData) -> Section:
    return headline(data, data.platform, "platform_stats", previous=data.previous_platform)


def daily_trend(data: ReportData) -> Section:
    days = data.platform_days
    svg = ChartSpec(Chart("daily-trend", [d["date"] for d in days], [
        Series("views", [d["views"] for d in days]),
        Series("watch time (h)", [d["watch_time_s"] / 3600 for d in days], right_axis=True),
    ], y_label="views", right_label="watch time (h)"), "Daily views and watch time; the figures are in the table below")
    columns = [Column("date", "Day", "day"), Column("views", "Views", "count"), Column("unique_viewers", "Unique viewers", "count"),
               Column("watch_time_s", "Watch time", "hours"), Column("completion_rate", "Completion rate", "pct"),
               Column("peak_concurrent_views", "Peak concurrent views", "count")]
    return Section("daily", "Daily views and watch time", "Per day (platform_daily).",
                   chart=ChartBlock(svg, "Views (left axis) and watch time in hours (right axis), per day."),
                   tables=[Table("daily", columns, days)])


def completion_buckets(data: ReportData) -> Section:
    rates = [v["completion_rate"] for v in data.videos.values() if (v["views"] or 0) > 0]
    rows = [{"bucket": label, "videos": sum(1 for r in rates if test(r))} for _, label, test in BUCKETS]
    svg = ChartSpec(Chart("completion-buckets", [r["bucket"] for r in rows], [Series("videos", [r["videos"] for r in rows])],
                          y_label="videos", kind="bar", size=(8.0, 2.2)),
                    "Videos by completion rate bucket; the figures are in the table below")
    return Section("completion", "Completion buckets",
                   "Videos with views in the range, by their completion rate over the range (video_stats).",
                   chart=ChartBlock(svg, "Number of videos in each completion-rate bucket."),
                   tables=[Table("completion-buckets", [Column("bucket", "Completion rate"), Column("videos", "Videos", "count")], rows)])


def qoe_by_device(data: ReportData) -> Section | None:
    return breakdown_section(data, "qoe-devices", "Quality of experience by device", "platform", "device", None,
                             qoe=True, chart_metric=("startup_time_ms_p50", "startup time p50 (ms)"))


def top_videos(data: ReportData) -> Section:
    rows = [dict(r) for r in data.popular]
    table = video_table(data, "top-videos", rows, extra=[Column("rank", "Rank", "count")])
    return Section("top-videos", "Top videos", f"popular_videos('{data.start}', '{data.end}', {len(rows) or 10}): "
                   "previews excluded, by views, then watch time.", tables=[table])


def _ranked_entities(kind: str, stats: dict, names: dict, label: str, link: str, macro: str) -> Section:
    """One row per course or creator of the range, most viewed first, named and linked to its page."""
    key = f"{link}_id"
    rows = [{**r, "name": names.get(r[key]) or r[key]}
            for r in sorted(stats.values(), key=lambda r: (-(r["views"] or 0), r[key]))]
    columns = [Column("name", label, link=link), Column("views", "Views", "count"),
               Column("unique_viewers", "Unique viewers", "count"), Column("watch_time_s", "Watch time", "hours"),
               Column("completion_rate", "Completion rate", "pct")]
    return Section(kind, kind.capitalize(), f"{macro} for the range, most viewed first.",
                   tables=[Table(kind, columns, rows)])


def courses(data: ReportData) -> Section:
    return _ranked_entities("courses", data.courses, data.course_titles, "Course", "course", "course_stats")


def creators(data: ReportData) -> Section:
    return _ranked_entities("creators", data.creators, data.creator_names, "Creator", "creator", "creator_stats")


def data_health(data: ReportData) -> Section:
    days = data.health_days
    total = {k: sum(d[k] or 0 for d in days) for k in ("events_accepted", "duplicates", "quarantined", "late_events",
                                                        "unknown_video_events")}
    figures = [Figure("events_accepted", "Events accepted", total["events_accepted"]),
               Figure("quarantined", "Lines quarantined", total["quarantined"]),
               Figure("duplicates", "Duplicates dropped", total["duplicates"]),
               Figure("late_events", "Late events", total["late_events"])]
    tables = [Table("health", [Column("date", "Day", "day"), Column("events_accepted", "Accepted", "count"),
                               Column("duplicates", "Duplicates", "count"), Column("quarantined", "Quarantined", "count"),
                               Column("late_events", "Late", "count"),
                               Column("unknown_video_events", "Unknown video", "count")], days)]
    flags = [r for rows in data.reconciliation.values() for r in rows]
    if data.offers.has("provider_reconciliation_daily"):
        by_provider: dict[str, dict] = {}
        for r in flags:
            p = by_provider.setdefault(r["provider"], {"provider": r["provider"], "video_days": 0, "flagged": 0, "missing": 0})
            p["video_days"] += r["days_compared"]
            p["flagged"] += r["days_flagged"]
            p["missing"] += r["days_missing"]
        figures.append(Figure("reconciliation_flags", "Provider video-days flagged", sum(p["flagged"] for p in by_provider.values())))
        tables.append(Table("reconciliation", [Column("provider", "Provider"), Column("video_days", "Video-days compared", "count"),
                                               Column("flagged", "Flagged", "count"), Column("missing", "Missing at the provider", "count")],
                            list(by_provider.values())))
    note = ("Ingestion per event day (accepted) and per arrival day (duplicates, quarantined, late), from platform_daily; "
            "provider reconciliation flags from provider_reconciliation_daily.")
    return Section("health", "Data health", note, figures=figures, tables=tables)


SECTIONS = [overview, daily_trend, completion_buckets, qoe_by_device, top_videos, courses, creators, data_health]
