"""A video's page (videos/<video_id>.html), one function per section."""

from __future__ import annotations

from analytics_pipeline.lib.charts import Chart, Marks, Series
from analytics_pipeline.report.data import ReportData
from analytics_pipeline.report.model import ChartBlock, ChartSpec, Column, Figure, Section, Table
from analytics_pipeline.report.sections_common import breakdown_section, headline

MOMENT_MARKERS = {"intro": "o", "spike": "^", "dip": "v"}
QUARTILES = [("plays_started", "Started"), ("reached_25", "Reached 25 %"), ("reached_50", "Reached 50 %"),
             ("reached_75", "Reached 75 %"), ("reached_95", "Reached 95 %")]
SCORES = [("experience_score", "Experience score"), ("playback_success_score", "Playback success"),
          ("startup_score", "Startup"), ("smoothness_score", "Smoothness")]


def overview(data: ReportData, video_id: str) -> Section:
    return headline(data, data.videos[video_id], "video_stats")


def retention(data: ReportData, video_id: str) -> Section | None:
    """Retention per 10-s segment; key moments marked when the warehouse offers `key_moments`."""
    rows = data.retention.get(video_id, [])
    if not rows:
        return None
    x = [r["from_s"] for r in rows]
    marks, moments = [], data.key_moments.get(video_id, [])
    by_segment = {r["segment_index"]: r for r in rows}
    for kind, marker in MOMENT_MARKERS.items():
        points = [by_segment[m["segment_index"]] for m in moments if m["kind"] == kind and m["segment_index"] in by_segment]
        if points:
            marks.append(Marks(f"key moment: {kind}", [p["from_s"] for p in points],
                               [p["retention_pct"] or 0 for p in points], marker))
    svg = ChartSpec(Chart("retention-chart", x, [Series("retention (% of views)", [r["retention_pct"] for r in rows])],
                          x_label="position in the video (s)", y_label="% of views", marks=marks),
                    "Audience retention per 10-second segment; the figures are in the table below")
    columns = [Column("from_s", "From (s)", "count"), Column("views", "Views", "count"),
               Column("retention_pct", "Retention %", "number"), Column("drop_offs", "Drop-offs", "count")]
    tables = [Table("retention", columns, rows, collapsed=True)]
    if moments:
        tables.insert(0, Table("key-moments", [Column("kind", "Moment"), Column("segment_index", "Segment", "count"),
                                               Column("value", "Value", "number")],
                               [{**m, "from_s": m["segment_index"] * 10} for m in moments]))
    note = "Share of the range's views that played each 10-s segment (video_heatmap_daily)."
    if data.offers.has("key_moments"):
        note += " Key moments (intro, rewatch spikes, drop-off dips) from key_moments()."
    return Section("retention", "Audience retention", note,
                   chart=ChartBlock(svg, "Retention curve: % of views still watching at each position."), tables=tables)


def quartile_funnel(data: ReportData, video_id: str) -> Section | None:
    """Views that reached 25/50/75/95 % of the video (video_daily's quartile counts, summed over the range)."""
    sums = data.video_days.get(video_id)
    if not sums:
        return None
    rows = [{"step": label, "views": sums[key]} for key, label in QUARTILES]
    svg = ChartSpec(Chart("quartile-chart", [r["step"] for r in rows], [Series("views", [r["views"] for r in rows])],
                          y_label="views", kind="bar", size=(8.0, 2.2)), "Quartile funnel; the figures are in the table below")
    return Section("quartiles", "Quartile funnel", "Views whose played ranges reached each point of the video.",
                   chart=ChartBlock(svg, "Views reaching each quartile of the video."),
                   tables=[Table("quartiles", [Column("step", "Point"), Column("views", "Views", "count")], rows)])


def experience(data: ReportData, video_id: str) -> Section | None:
    stats = data.videos[video_id]
    if not data.wh.macro_has_column("video_stats", "experience_score"):
        return None
    figures = [Figure(key, label, stats.get(key), "number") for key, label in SCORES if key in stats]
    figures += [Figure("startup_time_ms_p50", "Startup p50", stats.get("startup_time_ms_p50"), "ms"),
                Figure("rebuffer_ratio", "Rebuffer ratio", stats.get("rebuffer_ratio"), "pct"),
                Figure("playback_failure_rate", "Playback failures", stats.get("playback_failure_rate"), "pct")]
    return Section("experience", "Viewer experience", "Mean scores (0-100) over the views that have one.", figures=figures)


def relative(data: ReportData, video_id: str) -> Section | None:
    """How the video keeps its audience against videos of similar length (relative_retention)."""
    rows = data.optional("relative_retention", "video_id").get(video_id)
    if not rows:
        return None
    r = rows[0]
    figures = [Figure("avg_completion_ratio", "Average completion", r.get("avg_completion_ratio"), "pct"),
               Figure("bucket_median_completion", f"Typical for {r.get('length_bucket')}", r.get("bucket_median_completion"), "pct"),
               Figure("relative_retention", "Relative retention", r.get("relative_retention"), "number"),
               Figure("label", "Compared with similar videos", (r.get("label") or "–").replace("_", " "), "text")]
    return Section("relative", "Retention against similar videos", "From relative_retention(): the median of the "
                   "length bucket's videos with at least 10 views.", figures=figures)


def devices(data: ReportData, video_id: str) -> Section | None:
    return breakdown_section(data, "devices", "Devices", "video", "device", video_id)


def countries(data: ReportData, video_id: str) -> Section | None:
    return breakdown_section(data, "countries", "Countries", "video", "country", video_id)


def providers(data: ReportData, video_id: str) -> Section | None:
    rows = data.reconciliation.get(video_id)
    if not rows:
        return None
    columns = [Column("provider", "Provider"), Column("days_compared", "Days compared", "count"),
               Column("views_ours", "Views (ours)", "count"), Column("views_theirs", "Views (theirs)", "count"),
               Column("watch_time_s_ours", "Watch time (ours)", "hours"),
               Column("watch_time_s_theirs", "Watch time (theirs)", "hours"), Column("days_flagged", "Days flagged", "count")]
    return Section("providers", "Provider comparison", "Our figures against the provider's, over the days its answers cover "
                   "(provider_reconciliation_daily).", tables=[Table("providers", columns, rows)])


SECTIONS = [overview, retention, relative, quartile_funnel, experience, devices, countries, providers]
