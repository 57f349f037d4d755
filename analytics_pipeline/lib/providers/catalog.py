"""What Bunny knows of our videos, merged into the catalog without overriding it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pyarrow as pa

from analytics_pipeline.lib.providers import landing
from analytics_pipeline.lib.providers.bunny import VIDEOS_PREFIX, BunnyClient
from analytics_pipeline.lib.providers.config import BunnyConfig, ProvidersConfig, providers_config
from analytics_pipeline.lib.providers.keys import ci_get
from analytics_pipeline.lib.schemas import VIDEO_CATALOG
from analytics_pipeline.lib.storage import Storage

FILLABLE = ("title", "duration_s", "published_at", "provider", "provider_video_id")


def _timestamp(value) -> datetime | None:
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def _length(value) -> float | None:
    try:
        length = float(value)
    except (TypeError, ValueError):
        return None
    return length if length > 0 else None  # 0 while a video is still encoding


def bunny_video_fields(video: dict) -> dict:
    """A Bunny video object -> the catalog fields it can fill."""
    guid = ci_get(video, "guid")
    return {
        "title": ci_get(video, "title") or None,
        "duration_s": _length(ci_get(video, "length")),
        "published_at": _timestamp(ci_get(video, "dateUploaded")),
        "provider": "bunny",
        "provider_video_id": None if guid is None else str(guid),
    }


def enrich_catalog(catalog: pa.Table, bunny_videos: list[dict]) -> pa.Table:
    """The catalog with Bunny's knowledge added: nulls filled, Bunny-only videos appended.

    A catalog row matches a Bunny video by `provider_video_id` (or, when that is null, by a
    `video_id` equal to the guid). Only null fields are filled; nothing the platform states is
    overridden. Bunny videos no row matches are added with `video_id` = guid and source 'bunny'.
    """
    rows = catalog.cast(VIDEO_CATALOG).to_pylist() if catalog.num_rows else []
    by_guid = {}
    for video in bunny_videos or []:
        fields = bunny_video_fields(video)
        if fields["provider_video_id"]:
            by_guid.setdefault(fields["provider_video_id"], fields)
    matched = set()
    for row in rows:
        provider = (row.get("provider") or "bunny").lower()
        if provider != "bunny":
            continue
        key = row.get("provider_video_id") or row.get("video_id")
        fields = by_guid.get(key)
        if fields is None:
            continue
        matched.add(key)
        for name in FILLABLE:
            if row.get(name) is None:
                row[name] = fields[name]
    for guid, fields in by_guid.items():
        if guid in matched:
            continue
        rows.append({
            **{name: None for name in VIDEO_CATALOG.names},
            **fields,
            "video_id": guid,
            "is_preview": False,
            "source": "bunny",
        })
    return pa.Table.from_pylist(rows, schema=VIDEO_CATALOG)


def fetch_bunny_videos(config, sleep=None, logger=None) -> list[dict] | None:
    """Every video of the Bunny library (all pages); None when Bunny is not configured.

    `config` is a ProvidersConfig, a BunnyConfig, or a mapping of BUNNY_* variables.
    """
    if config is None:
        return None
    if isinstance(config, BunnyConfig):
        bunny = config
    elif isinstance(config, ProvidersConfig):
        bunny = config.bunny
    else:
        bunny = providers_config(config).bunny
    if bunny is None:
        return None
    kwargs = {"logger": logger}
    if sleep is not None:
        kwargs["sleep"] = sleep
    client = BunnyClient(bunny, **kwargs)
    try:
        return client.videos()
    finally:
        client.close()


def stored_bunny_videos(storage: Storage) -> list[dict] | None:
    """The video list of the latest day a Bunny fetch stored (offline); None when there is none."""
    for day in reversed(landing.stored_days(storage, "bunny")):
        files = landing.read_day(storage, "bunny", day)
        pages = [files[n] for n in sorted(files) if n.startswith(VIDEOS_PREFIX)]
        if pages:
            videos = []
            for body in pages:
                try:
                    videos += ci_get(json.loads(body), "items") or []
                except ValueError:
                    continue
            return videos
    return None
