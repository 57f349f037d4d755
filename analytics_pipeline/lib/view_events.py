"""View assignment and the player state after each event (metrics.md, "Views" and "Playback
within a view"), as forward fills over the session-ordered events.

This is the `int_view_events` step of sessionisation. It was an SQL model of thirteen running
window aggregates; DuckDB runs a window without PARTITION BY on one thread, which took about
9 s at 10 M events. The same running values are forward fills and shifts here, vectorised by
Polars (about 2 s). Every running value is carried across view and session boundaries and
counts only when the event that set it lies at or after the view's first event.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Iterator

import polars as pl
import pyarrow as pa

from analytics_pipeline.lib.played_ranges import played_ranges, view_watching

SETS_PLAYING_ON = ("playing", "heartbeat", "buffer_end")
SETS_PAUSED_ON = ("pause", "ended", "view_end", "buffer_start")

# A view's client fields are those of its first event that has them (`user_id` and the rest may
# be null on some events); `session_id`, `viewer_id` and `video_id` are never null.
CLIENT_FIELDS = ("user_id", "device_type", "browser", "os", "country", "player")

# what this step reads of int_session_events, in its stored order; the session ids stay in
# DuckDB (10 M of them cost about 1 GiB here): their numbers tell where a new session starts
INPUT_COLUMNS = (
    "session_no", "occurred_at", "event_type", "is_playback", "is_fatal_error", "position_s", "from_position_s",
    "duration_s", "playback_rate", "bitrate_kbps", "rendition", "is_bot", *(f"has_{f}" for f in CLIENT_FIELDS),
)


def view_events_in_chunks(chunks: Iterable[tuple[int, pa.Table]], day: date, gap_minutes: int) -> Iterator[dict[str, pa.Table]]:
    """The intermediate tables of the views that begin on `day` (UTC), by name, chunk by chunk.

    `chunks` are (offset, events): whole sessions of int_session_events (INPUT_COLUMNS) in view
    order (session, time, delivery), `offset` the number of events before the chunk's first; a
    new `session_no` starts a session. Per chunk:

    - int_view_events: each event with `view_key`, `view_seq` and the state in force after it;
    - int_view_clients: per view, `is_bot` and for each client field the `<field>_index` of the
      view's first event that has it (null when none has);
    - int_played_ranges and int_view_watching: `lib/played_ranges.py`.

    Sessions are independent, so the chunks' tables together are those of one pass over the day
    (which held about 4.5 GiB of intermediate columns at 10 M events).
    """
    for offset, chunk in chunks:
        events = pl.from_arrow(chunk.select(INPUT_COLUMNS), rechunk=False).with_columns(
            starts_session=(pl.col("session_no") != pl.col("session_no").shift(1)).fill_null(True)
        )
        del chunk
        # collected once: Polars' collect_all recomputed it for each table it feeds
        view_events = _view_events(events.lazy(), offset, day, gap_minutes).collect().lazy()
        ranges = played_ranges(view_events).collect()
        tables = {
            "int_view_events": view_events.select(VIEW_EVENT_COLUMNS).collect(),
            "int_view_clients": _view_clients(view_events).collect(),
            "int_played_ranges": ranges,
            "int_view_watching": view_watching(ranges.lazy()).collect(),
        }
        yield {name: frame.to_arrow() for name, frame in tables.items()}


def _view_clients(view_events: pl.LazyFrame) -> pl.LazyFrame:
    """One row per view: whether any event is a bot's, and where each client field is first set."""
    first_with = [
        pl.col("event_index").filter(pl.col(f"has_{f}")).min().alias(f"{f}_index") for f in CLIENT_FIELDS
    ]
    return view_events.group_by("view_key").agg(pl.col("is_bot").any(), *first_with).sort("view_key")


# the columns of int_view_events
VIEW_EVENT_COLUMNS = (
    "view_key", "view_seq", "event_index", "event_type", "occurred_at", "view_started_at", "position_s",
    "from_position_s", "duration_s", "is_playback", "is_fatal_error", "playing_after", "rate_in_force",
    "rendition_in_force", "bitrate_in_force", "after_first_playing", "last_seek_at", "previous_seek_at",
)


def _last_index_where(condition: pl.Expr) -> pl.Expr:
    """The position (event_index) of the latest event at or before this one meeting `condition`."""
    return pl.when(condition).then(pl.col("event_index")).forward_fill()


def _in_view(index: str) -> pl.Expr:
    """The running value set at `index` counts for this view: it was set at or after the view began."""
    return pl.col(index) >= pl.col("view_first_index")


def _view_events(ev: pl.LazyFrame, offset: int, day: date, gap_minutes: int) -> pl.LazyFrame:
    """One chunk of whole sessions whose first row is at position `offset` of the day's events.

    `event_index` is the 1-based position among all of them; `view_key` is the index of the
    view's first event, so it is unique across chunks and increases in view order.
    """
    idx = pl.col("event_index")
    typ = pl.col("event_type")
    at_ms = pl.col("occurred_at").dt.epoch("ms")
    ev = ev.with_row_index("event_index", offset=offset + 1).with_columns(idx.cast(pl.Int64))
    ev = ev.with_columns(
        sets_playing=pl.when(typ.is_in(SETS_PLAYING_ON)).then(1)
        .when(typ.is_in(SETS_PAUSED_ON) | pl.col("is_fatal_error")).then(0),
    ).with_columns(
        starts_view=pl.col("starts_session") | ((at_ms - at_ms.shift(1)) > gap_minutes * 60_000).fill_null(False),
    ).with_columns(
        view_number=pl.col("starts_view").cast(pl.Int64).cum_sum(),
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
        view_seq=pl.col("view_number") + 1
        - pl.when(pl.col("starts_session")).then(pl.col("view_number")).forward_fill(),
        # the rendition and bitrate of the last quality_change, even when it left them null
        quality_rendition=pl.col("rendition").gather(pl.col("quality_index").fill_null(offset + 1) - offset - 1),
        quality_bitrate_kbps=pl.col("bitrate_kbps").gather(pl.col("quality_index").fill_null(offset + 1) - offset - 1),
        # the running values of the row before: the state strictly before this event
        previous_seek_index=pl.col("seek_index").shift(1),
        previous_seek_at=pl.col("seek_at").shift(1),
    )
    start = datetime.combine(day, time(0), tzinfo=timezone.utc)
    return ev.filter(
        (pl.col("view_started_at") >= start) & (pl.col("view_started_at") < start + timedelta(days=1))
    ).select(
        "is_bot", *(f"has_{f}" for f in CLIENT_FIELDS),
        pl.col("view_first_index").alias("view_key"), pl.col("view_seq").cast(pl.Int64), "event_index",
        "event_type", "occurred_at", "view_started_at", "position_s", "from_position_s", "duration_s", "is_playback",
        "is_fatal_error",
        playing_after=(pl.col("flag_code") % 2) == 1,
        rate_in_force=pl.when(_in_view("rate_index")).then(pl.col("rate")).otherwise(1.0),
        rendition_in_force=pl.when(_in_view("quality_index")).then(pl.col("quality_rendition")),
        bitrate_in_force=pl.when(_in_view("quality_index")).then(pl.col("quality_bitrate_kbps")),
        after_first_playing=_in_view("playing_index").fill_null(False),
        last_seek_at=pl.when(_in_view("seek_index")).then(pl.col("seek_at")),
        previous_seek_at=pl.when(_in_view("previous_seek_index")).then(pl.col("previous_seek_at")),
    )
