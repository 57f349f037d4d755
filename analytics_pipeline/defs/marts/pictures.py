"""Metadata a data engineer looks at: the day's top videos and their heatmaps as a picture."""

import base64

import dagster as dg
import pyarrow as pa

from analytics_pipeline.defs.metadata import preview
from analytics_pipeline.lib.charts import heatmap_png

TOP = 5


def _top(video_daily: pa.Table) -> list[dict]:
    rows = [r for r in video_daily.to_pylist() if (r.get("views") or 0) > 0]
    return sorted(rows, key=lambda r: (-r["views"], -(r.get("watch_time_s") or 0), r["video_id"]))[:TOP]


def top_videos_markdown(video_daily: pa.Table) -> dg.MetadataValue:
    top = pa.Table.from_pylist(_top(video_daily)) if _top(video_daily) else video_daily.slice(0, 0)
    return preview(top, rows=TOP, columns=["video_id", "views", "unique_viewers", "watch_time_s", "completion_rate",
                                           "engagement_score", "peak_concurrent_views"])


def heatmap_markdown(heatmap: pa.Table, video_daily: pa.Table) -> dg.MetadataValue:
    """Retention per 10 s segment of the day's most viewed videos, one labelled band each (PNG, matplotlib)."""
    top = [r["video_id"] for r in _top(video_daily)]
    segments: dict[str, dict[int, float]] = {v: {} for v in top}
    for r in heatmap.select(["video_id", "segment_index", "retention_pct"]).to_pylist():
        if r["video_id"] in segments:
            segments[r["video_id"]][r["segment_index"]] = (r["retention_pct"] or 0) / 100
    rows = [[s.get(i, 0.0) for i in range(max(s) + 1)] if s else [] for s in (segments[v] for v in top)]
    if not rows:
        return dg.MetadataValue.md("_no views that day_")
    image = base64.b64encode(heatmap_png(rows, top, title="Retention of the day's most viewed videos")).decode()
    legend = "\n".join(f"{i + 1}. `{v}`" for i, v in enumerate(top))
    return dg.MetadataValue.md(f"![heatmap](data:image/png;base64,{image})\n\nBands, top to bottom:\n{legend}")
