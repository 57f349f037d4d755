"""View assignment and the player state after each event (metrics.md, "Views" and "Playback
within a view"), as forward fills over the session-ordered events.

This is the `int_view_events` step of sessionisation. It was an SQL model of thirteen running
window aggregates; DuckDB runs a window without PARTITION BY on one thread, which took about
9 s at 10 M events. The same running values are forward fills and shifts here, vectorised by
Polars (about 1 s). Every running value is carried across view and session boundaries and
counts only when the event that set it lies at or after the view's first event.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import polars as pl
import pyarrow as pa

SETS_PLAYING_ON = ("playing", "heartbeat", "buffer_end")
SETS_PAUSED_ON = ("pause", "ended", "view_end", "buffer_start")

# int_session_events columns this step reads, in its stored order
INPUT_COLUMNS = (
    "session_id", "occurred_at", "event_type", "is_playback", "is_fatal_error", "position_s",
    "from_position_s", "duration_s", "playback_rate", "bitrate_kbps", "rendition",
)


def _last_index_where(condition: pl.Expr) -> pl.Expr:
    """The position (event_index) of the latest event at or before this one meeting `condition`."""
    return pl.when(condition).then(pl.col("event_index")).forward_fill()


def _in_view(index: str) -> pl.Expr:
    """The running value set at `index` counts for this view: it was set at or after the view began."""
    return pl.col(index) >= pl.col("view_first_index")


def view_events(session_events: pa.Table, day: date, gap_minutes: int) -> pa.Table:
    """Events of the views that begin on `day` (UTC), with `view_key`, `view_seq` and the state
    in force after each event; `session_events` is in view order (session, time, delivery)."""
    ev = pl.from_arrow(session_events)
    idx = pl.col("event_index")
    typ = pl.col("event_type")
    at_ms = pl.col("occurred_at").dt.epoch("ms")
    ev = ev.with_row_index("event_index", offset=1).with_columns(idx.cast(pl.Int64))
    ev = ev.with_columns(
        starts_session=pl.col("session_id").ne_missing(pl.col("session_id").shift(1)),
        sets_playing=pl.when(typ.is_in(SETS_PLAYING_ON)).then(1)
        .when(typ.is_in(SETS_PAUSED_ON) | pl.col("is_fatal_error")).then(0),
    ).with_columns(
        starts_view=pl.col("starts_session") | ((at_ms - at_ms.shift(1)) > gap_minutes * 60_000).fill_null(False),
    ).with_columns(
        view_key=pl.col("starts_view").cast(pl.Int64).cum_sum(),
        view_first_index=_last_index_where(pl.col("starts_view")),
        view_started_at=pl.when(pl.col("starts_view")).then(pl.col("occurred_at")).forward_fill(),
        # index * 2 + flag of the last event that set the playing flag; a view starts false
        flag_code=pl.when(pl.col("sets_playing").is_not_null()).then(idx * 2 + pl.col("sets_playing"))
        .when(pl.col("starts_view")).then(idx * 2).forward_fill(),
        rate_index=_last_index_where(pl.col("playback_rate").is_not_null()),
        rate=pl.col("playback_rate").forward_fill(),
        quality_index=_last_index_where(typ == "quality_change"),
        playing_index=_last_index_where(typ == "playing"),
        seek_index=_last_index_where(typ == "seek"),
        seek_at=pl.when(typ == "seek").then(pl.col("occurred_at")).forward_fill(),
    ).with_columns(
        view_seq=pl.col("view_key") + 1 - pl.when(pl.col("starts_session")).then(pl.col("view_key")).forward_fill(),
        # the rendition and bitrate of the last quality_change, even when it left them null
        quality_rendition=pl.col("rendition").gather(pl.col("quality_index").fill_null(1) - 1),
        quality_bitrate_kbps=pl.col("bitrate_kbps").gather(pl.col("quality_index").fill_null(1) - 1),
        # the running values of the row before: the state strictly before this event
        previous_seek_index=pl.col("seek_index").shift(1),
        previous_seek_at=pl.col("seek_at").shift(1),
    )
    start = datetime.combine(day, time(0), tzinfo=timezone.utc)
    out = ev.filter(
        (pl.col("view_started_at") >= start) & (pl.col("view_started_at") < start + timedelta(days=1))
    ).select(
        "view_key", "session_id", pl.col("view_seq").cast(pl.Int64), "event_index", "event_type", "occurred_at",
        "view_started_at", "position_s", "from_position_s", "duration_s", "is_playback", "is_fatal_error",
        playing_after=(pl.col("flag_code") % 2) == 1,
        rate_in_force=pl.when(_in_view("rate_index")).then(pl.col("rate")).otherwise(1.0),
        rendition_in_force=pl.when(_in_view("quality_index")).then(pl.col("quality_rendition")),
        bitrate_in_force=pl.when(_in_view("quality_index")).then(pl.col("quality_bitrate_kbps")),
        after_first_playing=_in_view("playing_index").fill_null(False),
        last_seek_at=pl.when(_in_view("seek_index")).then(pl.col("seek_at")),
        previous_seek_at=pl.when(_in_view("previous_seek_index")).then(pl.col("previous_seek_at")),
    )
    return out.to_arrow()
