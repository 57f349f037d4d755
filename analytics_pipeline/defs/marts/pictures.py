"""Metadata a data engineer looks at: the day's top videos, their heatmaps with key moments marked,
and the distribution of the views' experience scores, as pictures.

matplotlib (lib/charts.py) loads when a picture is drawn, not with the definitions: a command
or code server that draws none does not pay its import (about 0.4 s). A range run of a week or more
of small days draws in a process of its own (`drawing_process`): matplotlib holds the GIL for as
long as it draws, about 0.3 s a day, which would otherwise hold up the builds and Dagster beside it.
"""

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from analytics_pipeline.defs.metadata import preview
from analytics_pipeline.lib.child_process import ChildProcess

TOP = 5
# Starting the drawing process costs about 0.8 s, once per run; the pictures hold the GIL about
# 0.3 s a day. Worth it from a week of days.
DRAWING_PROCESS_DAYS = 7
Draw = Callable[..., bytes]  # draw(chart, *args, **kwargs): the PNG of a lib/charts.py function


def draw_here(chart: Callable[..., bytes], *args, **kwargs) -> bytes:
    return chart(*args, **kwargs)


@contextmanager
def drawing_process(wanted: bool) -> Iterator[Draw]:
    """A `Draw` that runs in one separate process (`lib/child_process`: a fresh interpreter, so
    neither the run's threads nor its `__main__` come along) when `wanted`, else in this one."""
    if not wanted:
        yield draw_here
        return
    with ChildProcess() as child:
        yield child.call


def _top(video_daily: pa.Table) -> list[dict]:
    rows = [r for r in video_daily.to_pylist() if (r.get("views") or 0) > 0]
    return sorted(rows, key=lambda r: (-r["views"], -(r.get("watch_time_s") or 0), r["video_id"]))[:TOP]


def top_videos_markdown(video_daily: pa.Table) -> dg.MetadataValue:
    top = pa.Table.from_pylist(_top(video_daily)) if _top(video_daily) else video_daily.slice(0, 0)
    return preview(top, rows=TOP, columns=["video_id", "views", "unique_viewers", "watch_time_s", "completion_rate",
                                           "engagement_score", "peak_concurrent_views"])


def _moment_text(m: dict) -> str:
    start = m["segment_index"] * 10
    if m["kind"] == "intro":
        return f"intro: {m['value']:.0f} % still watching at 30 s"
    if m["kind"] == "spike":
        return f"spike {start}-{start + 10} s (rewatched {m['value']:.0f} s)"
    return f"dip {start}-{start + 10} s ({m['value'] * 100:.0f} % of its viewers leave)"


def heatmap_markdown(heatmap: pa.Table, video_daily: pa.Table, key_moments: pa.Table | None = None,
                     draw: Draw = draw_here) -> dg.MetadataValue:
    """Retention per 10 s segment of the day's most viewed videos, one labelled band each (PNG, matplotlib),
    with each band's key moments marked (intro, spike, dip)."""
    top = [r["video_id"] for r in _top(video_daily)]
    segments: dict[str, dict[int, float]] = {v: {} for v in top}
    bands = heatmap.filter(pc.is_in(heatmap["video_id"], pa.array(top, heatmap.schema.field("video_id").type)))
    for r in bands.select(["video_id", "segment_index", "retention_pct"]).to_pylist():
        segments[r["video_id"]][r["segment_index"]] = (r["retention_pct"] or 0) / 100
    rows = [[s.get(i, 0.0) for i in range(max(s) + 1)] if s else [] for s in (segments[v] for v in top)]
    if not rows:
        return dg.MetadataValue.md("_no views that day_")
    moments: dict[str, list[dict]] = {v: [] for v in top}
    for m in (key_moments.to_pylist() if key_moments is not None else []):
        if m["video_id"] in moments:
            moments[m["video_id"]].append(m)
    marks = [{m["segment_index"]: m["kind"] for m in moments[v]} for v in top]
    from analytics_pipeline.lib.charts import heatmap_png

    image = base64.b64encode(draw(heatmap_png, rows, top, title="Retention of the day's most viewed videos",
                                  marks=marks)).decode()
    legend = "\n".join(
        f"{i + 1}. `{v}`" + (": " + "; ".join(_moment_text(m) for m in moments[v]) if moments[v] else "")
        for i, v in enumerate(top)
    )
    return dg.MetadataValue.md(
        f"![heatmap](data:image/png;base64,{image})\n\nBands, top to bottom, with their key moments:\n{legend}"
    )


def experience_scores_markdown(distribution: pa.Table, draw: Draw = draw_here) -> dg.MetadataValue:
    """The day's views per 10-point bucket of each experience score: a bar chart of
    experience_score and a table of all four (`marts/day_experience_scores`)."""
    counts: dict[str, dict] = {}
    for r in distribution.to_pylist():
        counts.setdefault(r["score"], {})[r["bucket_start"]] = r["views"]
    if not counts:
        return dg.MetadataValue.md("_no views that day_")
    buckets = list(range(0, 100, 10))
    from analytics_pipeline.lib.charts import bars_png

    image = base64.b64encode(draw(bars_png, [counts.get("experience_score", {}).get(b, 0) for b in buckets],
                                  [f"{b}-{b + 10}" for b in buckets], "experience_score", "views")).decode()
    names = ["playback_success_score", "startup_score", "smoothness_score", "experience_score"]
    lines = ["| score | " + " | ".join(f"{b}-{b + 10}" for b in buckets) + " | none |",
             "|---|" + "---|" * (len(buckets) + 1)]
    for name in names:
        row = counts.get(name, {})
        lines.append(f"| {name} | " + " | ".join(str(row.get(b, 0)) for b in buckets) + f" | {row.get(None, 0)} |")
    return dg.MetadataValue.md(
        f"experience_score, views per 10 points (0 to 100):\n\n![experience scores](data:image/png;base64,{image})"
        "\n\n" + "\n".join(lines)
    )
