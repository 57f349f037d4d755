"""pandera contract of the clean `events` frame: what every accepted event satisfies.

The line checks in sql/staging/stg_event_lines.sql decide what is accepted; this schema is the
independent second look at the written result, so a bug in those checks fails the asset instead
of reaching the marts.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import polars as pl
import pandera.polars as pa
from pandera.config import ValidationDepth, config_context

from analytics_pipeline.lib.schemas import EVENT_TYPES, PLAYBACK_EVENT_TYPES

ID = {"str_length": {"min_value": 1, "max_value": 128}}


class EventsContract(pa.DataFrameModel):
    event_id: str = pa.Field(**ID)
    event_type: str = pa.Field(isin=list(EVENT_TYPES))
    occurred_at: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field()
    received_at: pl.Datetime(time_unit="us", time_zone="UTC") = pa.Field(nullable=True)
    session_id: str = pa.Field(**ID)
    viewer_id: str = pa.Field(**ID)
    user_id: str = pa.Field(nullable=True)
    video_id: str = pa.Field(**ID)
    position_s: float = pa.Field(nullable=True, ge=0, le=86_400)
    from_position_s: float = pa.Field(nullable=True, ge=0, le=86_400)
    duration_s: float = pa.Field(nullable=True, gt=0)
    playback_rate: float = pa.Field(nullable=True, gt=0)
    bitrate_kbps: int = pa.Field(nullable=True, gt=0)
    error_fatal: bool = pa.Field(nullable=True)
    ip_hash: str = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{32}$")
    device_type: str = pa.Field(isin=["desktop", "mobile", "tablet", "bot", "unknown"])
    is_bot: bool = pa.Field()
    event_date: pl.Date = pa.Field()
    arrival_date: pl.Date = pa.Field()
    line_number: int = pa.Field(ge=1)

    class Config:
        strict = False  # other contract columns are free text

    @pa.dataframe_check
    def playback_events_have_a_position(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~pl.col("event_type").is_in(list(PLAYBACK_EVENT_TYPES)) | pl.col("position_s").is_not_null()
        )

    @pa.dataframe_check
    def seeks_have_a_start(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("event_type") != "seek") | pl.col("from_position_s").is_not_null())

    @pa.dataframe_check
    def event_date_is_the_utc_day(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("occurred_at").dt.date() == pl.col("event_date"))


def validate_events(frame: pl.LazyFrame | pl.DataFrame) -> None:
    """Raise pandera's SchemaErrors (every failure listed) unless `frame` meets the contract."""
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    with config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        EventsContract.validate(lazy, lazy=True)


def events_contract_failures(storage, day) -> list[str]:
    """The contract's failures for one `events` partition (empty when it holds)."""
    from pandera.errors import SchemaErrors

    rel = storage.partition_file("events", day)
    if not storage.exists(rel):
        return []
    with _as_it_is_now(storage, rel) as path:
        frame = pl.scan_parquet(path) if not storage.remote else pl.from_arrow(storage.read_parquet(rel))
        try:
            validate_events(frame)
        except SchemaErrors as exc:
            return [f"{day}: {case['check']} on {case.get('column') or 'frame'}"
                    for cases in exc.message.get("DATA", {}).values() for case in cases] or [f"{day}: {exc}"][:1]
    return []


@contextmanager
def _as_it_is_now(storage, rel: str):
    """A local path to `rel`'s current content, whatever replaces `rel` meanwhile.

    The lazy scan opens the file again for each check: a partition replaced in between (an
    atomic rename by another run) gave checks two versions, and Polars a footer that did not
    match the data ("parquet: File out of specification"). A hard link keeps this version.
    Remote roots are read once, whole, so they need none.
    """
    if storage.remote:
        yield None
        return
    pinned = storage.staging_path(rel)
    try:
        os.link(storage.full(rel), pinned)
    except OSError:  # `.staging` on another device than the lake
        shutil.copyfile(storage.full(rel), pinned)
    try:
        yield pinned
    finally:
        os.remove(pinned)
