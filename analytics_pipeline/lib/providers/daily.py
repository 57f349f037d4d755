"""The provider tables of a day, built from what is stored under the data root."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from analytics_pipeline.lib.providers import landing
from analytics_pipeline.lib.providers.parse import (
    PROVIDER_COUNTRY_DAILY,
    PROVIDER_HEATMAP,
    PROVIDER_VIDEO_DAILY,
    ParseReport,
    parse_bunny_day,
    parse_bunny_heatmaps,
    parse_cloudflare_day,
    to_table,
)
from analytics_pipeline.lib.providers.reconcile import SESSIONS_COLUMNS, reconcile_day
from analytics_pipeline.lib.catalog import read_catalog as catalog_snapshot
from analytics_pipeline.lib.storage import Storage

PROVIDERS = ("bunny", "cloudflare")
_PARSERS = {"bunny": parse_bunny_day, "cloudflare": parse_cloudflare_day}


def read_catalog(storage: Storage) -> pa.Table:
    """The catalog columns the provider tables map ids with."""
    return catalog_snapshot(storage, ["video_id", "provider", "provider_video_id"])


def provider_day_tables(
    storage: Storage, day: date, catalog: pa.Table | None
) -> tuple[pa.Table, pa.Table, ParseReport]:
    """(provider_video_daily, provider_country_daily, report) of one day, from every stored answer."""
    videos, countries, report = [], [], ParseReport()
    for provider in PROVIDERS:
        files = landing.read_day(storage, provider, day)
        if not files:
            continue
        v, c, r = _PARSERS[provider](files, day)
        videos += v
        countries += c
        report = report.merge(r)
    video_table = to_table(videos, PROVIDER_VIDEO_DAILY, catalog, report)
    country_table = to_table(countries, PROVIDER_COUNTRY_DAILY, catalog, report)
    return video_table, country_table, report


def provider_heatmap_table(storage: Storage, catalog: pa.Table | None) -> tuple[pa.Table, ParseReport]:
    """provider_heatmap: the latest stored heatmap answer of every video."""
    rows, report = parse_bunny_heatmaps(landing.heatmap_answers(storage, "bunny"))
    return to_table(rows, PROVIDER_HEATMAP, catalog, report), report


def reconciliation_table(storage: Storage, day: date, catalog: pa.Table | None, threshold: float) -> pa.Table:
    """provider_reconciliation_daily of one day, from the lake's provider_video_daily and playback_sessions."""
    theirs = storage.read_partitions("provider_video_daily", [day])
    sessions = storage.read_partitions("playback_sessions", [day])
    if sessions:
        present = [n for n in SESSIONS_COLUMNS.names if n in sessions[0].column_names]
        sessions_table = sessions[0].select(present)
    else:
        sessions_table = None
    return reconcile_day(theirs[0] if theirs else None, sessions_table, catalog, threshold)
