"""Played ranges and the watch time they add up to (metrics.md, "Playback within a view"), in
Polars over one chunk of view events (`lib/view_events.py`) in view order.

These were the SQL models `int_played_ranges` and the `range_union` window of
`playback_sessions`; here they run per chunk next to view assignment, without sorting all of
the day's ranges in DuckDB (about 5 s at 10 M events).
"""

from __future__ import annotations

import polars as pl

# anything longer than the wall time at the rate allows is a jump the player did not report;
# 2 s of slack, and 1e-9 absorbs float noise
JUMP_SLACK_S = 2.0


def played_ranges(view_events: pl.LazyFrame) -> pl.LazyFrame:
    """One row per counted played range: consecutive playback events e1, e2 of a view with the
    playing flag true after e1, on e2's row. Engagement events are not playback events, so they
    never form a pair; a seek ends the range where the playhead was before it."""
    def before(column: str) -> pl.Expr:  # the value on e1's row
        return pl.col(column).shift(1)

    start, end = pl.col("range_start_s"), pl.col("range_end_s")
    wall_s = (pl.col("to_at").dt.epoch("ms") - pl.col("from_at").dt.epoch("ms")) / 1000.0
    return view_events.filter(pl.col("is_playback")).select(
        "view_key",
        e1_view_key=before("view_key"),
        e1_playing_after=before("playing_after"),
        range_start_s=before("position_s"),
        range_end_s=pl.when(pl.col("event_type") == "seek").then(pl.col("from_position_s"))
        .otherwise(pl.col("position_s")),
        rate=before("rate_in_force"),
        rendition=before("rendition_in_force"),
        bitrate_kbps=before("bitrate_in_force"),
        from_at=before("occurred_at"),
        to_at=pl.col("occurred_at"),
    ).filter(
        (pl.col("e1_view_key") == pl.col("view_key"))
        & pl.col("e1_playing_after")
        & (end > start)
        & (end - start <= wall_s * pl.col("rate") + JUMP_SLACK_S + 1e-9)
    ).select(
        "view_key", "range_start_s", "range_end_s", (end - start).alias("played_s"), "rate", "rendition",
        "bitrate_kbps", "from_at", "to_at",
    )


def view_watching(ranges: pl.LazyFrame) -> pl.LazyFrame:
    """Per view with a played range: `watch_time_s` (every range) and `content_watched_s` (their
    union: sorted by start, each range adds what lies beyond the furthest end before it)."""
    start, end = pl.col("range_start_s"), pl.col("range_end_s")
    furthest_before = end.cum_max().shift(1).over("view_key")
    # the columns the union needs, before the sort moves them
    return ranges.select("view_key", "range_start_s", "range_end_s", "played_s").sort(
        "view_key", "range_start_s", "range_end_s"
    ).with_columns(
        new_content_s=pl.max_horizontal(pl.lit(0.0), end - pl.max_horizontal(start, furthest_before.fill_null(start))),
    ).group_by("view_key").agg(
        watch_time_s=pl.col("played_s").sum(),
        content_watched_s=pl.col("new_content_s").sum(),
    )
