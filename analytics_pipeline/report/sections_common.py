"""Section pieces every page kind uses: headline figures, entity tables, breakdown tables."""

from __future__ import annotations

from analytics_pipeline.lib.charts import Chart, Series
from analytics_pipeline.report.data import ReportData
from analytics_pipeline.report.model import ChartBlock, ChartSpec, Column, Figure, Section, Table

HEADLINE = [  # (metric, label, format): the figures every entity's page leads with
    ("views", "Views", "count"),
    ("unique_viewers", "Unique viewers", "count"),
    ("watch_time_s", "Watch time", "hours"),
    ("completion_rate", "Completion rate", "pct"),
    ("avg_watch_time_s", "Average watch time", "seconds"),
    ("engagement_score", "Engagement score", "number"),
]
EXPERIENCE = ("experience_score", "Experience score", "number")  # insights.md: added to every period macro


def headline(data: ReportData, stats: dict, macro: str, previous: dict | None = None) -> Section:
    """The entity's figures for the range from its period macro (and the change vs `previous`)."""
    wanted = HEADLINE + ([EXPERIENCE] if data.wh.macro_has_column(macro, EXPERIENCE[0]) else [])
    figures = [Figure(key, label, stats.get(key), fmt, previous=(previous or {}).get(key), compare=previous is not None)
               for key, label, fmt in wanted]
    note = f"From {macro}('{data.start}', '{data.end}')."
    if previous is not None:
        p_start, p_end = data.previous_range
        note += f" Change vs the previous {data.days} days, {p_start} to {p_end}."
    return Section("headline", "Headline figures", note, figures=figures)


def video_table(data: ReportData, name: str, rows: list[dict], extra: list[Column] | None = None) -> Table:
    """Videos with their range figures, each linked to its page."""
    for r in rows:
        r.setdefault("title", (data.catalog.get(r["video_id"]) or {}).get("title"))
    columns = [*(extra or []), Column("title", "Video", link="video"),
               Column("views", "Views", "count"), Column("unique_viewers", "Unique viewers", "count"),
               Column("watch_time_s", "Watch time", "hours"), Column("completion_rate", "Completion rate", "pct"),
               Column("engagement_score", "Engagement score", "number")]
    return Table(name, columns, rows)


def breakdown_section(data: ReportData, key: str, title: str, scope: str, dimension: str, video_id: str | None,
                      qoe: bool = False, chart_metric: tuple[str, str] = ("views", "views")) -> Section | None:
    rows = data.breakdowns.get((scope, dimension, video_id), [])
    if not rows:
        return None
    label = "Device type" if dimension == "device" else "Country"
    columns = [Column("value", label), Column("views", "Views", "count"),
               Column("unique_viewers", "Unique viewers", "count"), Column("watch_time_s", "Watch time", "hours")]
    if qoe:
        columns += [Column("startup_time_ms_p50", "Startup p50", "ms"), Column("startup_time_ms_p95", "Startup p95", "ms"),
                    Column("ebvs_rate", "Exits before start", "pct"), Column("rebuffer_ratio", "Rebuffer ratio", "pct"),
                    Column("playback_failure_rate", "Playback failures", "pct")]
    chart = None
    if dimension == "device" and scope == "platform":  # a video's few devices read as well from the table
        metric, unit = chart_metric
        shown = rows[:8]
        svg = ChartSpec(Chart(f"{key}-chart", [r["value"] for r in shown], [Series(unit, [r[metric] for r in shown])],
                              y_label=unit, kind="barh", size=(8.0, 0.6 + 0.35 * len(shown))),
                        f"{title}: {unit} by device type; the figures are in the table below")
        chart = ChartBlock(svg, f"{unit.capitalize()} by device type (figures in the table).")
    what = "Device types" if dimension == "device" else "Countries"
    return Section(key, title, f"{what} of the range's views, most viewed first.", chart=chart,
                   tables=[Table(key, columns, rows)])
