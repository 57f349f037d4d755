"""Stored provider answers (fetched or exported by hand) -> provider tables.

Everything is read back from the files of one `landing/providers/<provider>/<day>/` folder.
Bunny answers do not name their video, so the file name does: `statistics_<guid>.json`,
`heatmap_<guid>.json` (the kind of answer is recognised from its content). Cloudflare answers
name their videos themselves, so any `.json` holding a GraphQL answer is read.
Only figures of the folder's day are kept; Bunny figures that cover a whole range
(countries, engagement score) are kept only when the answer covers that day alone.
Units: Bunny watch time is in seconds; Cloudflare minutes are multiplied by 60.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import unquote

import pyarrow as pa

from analytics_pipeline.lib.providers import cloudflare as cf
from analytics_pipeline.lib.providers.keys import ci_get, ci_path

PROVIDER_VIDEO_DAILY = pa.schema([
    ("provider", pa.string()),
    ("provider_video_id", pa.string()),
    ("video_id", pa.string()),  # null when the catalog does not know the provider's id
    ("views", pa.int64()),  # null when the provider does not count views (Cloudflare)
    ("watch_time_s", pa.float64()),
    ("player_events", pa.int64()),  # Cloudflare Stream Player playback events (sampled)
    ("player_watch_time_s", pa.float64()),  # Cloudflare Stream Player time viewed (sampled)
    ("engagement_score", pa.float64()),  # Bunny, when the answer covers the day alone
])

PROVIDER_COUNTRY_DAILY = pa.schema([
    ("provider", pa.string()),
    ("provider_video_id", pa.string()),
    ("video_id", pa.string()),
    ("country", pa.string()),
    ("views", pa.int64()),
    ("watch_time_s", pa.float64()),
])

PROVIDER_HEATMAP = pa.schema([
    ("provider", pa.string()),
    ("provider_video_id", pa.string()),
    ("video_id", pa.string()),
    ("segment_index", pa.int64()),
    ("intensity", pa.float64()),  # 0..100, 100 = the most watched segment
    ("as_of_date", pa.date32()),  # the day folder the answer was stored in
])

MINUTE_S = 60.0


@dataclass
class ParseReport:
    files_read: int = 0
    files_ignored: list[str] = field(default_factory=list)  # not JSON, or not an answer we know
    figures_outside_day: int = 0  # chart points or groups of another day, left out
    unknown_provider_ids: list[str] = field(default_factory=list)

    def merge(self, other: "ParseReport") -> "ParseReport":
        return ParseReport(
            self.files_read + other.files_read,
            self.files_ignored + other.files_ignored,
            self.figures_outside_day + other.figures_outside_day,
            sorted(set(self.unknown_provider_ids) | set(other.unknown_provider_ids)),
        )


def _load(name: str, body: bytes, report: ParseReport):
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        report.files_ignored.append(name)
        return None
    report.files_read += 1
    return data


def _day_of(key: str) -> date | None:
    try:
        return date.fromisoformat(str(key)[:10])
    except ValueError:
        return None


def _stem_id(name: str, prefix: str) -> str:
    stem = PurePosixPath(name).name
    stem = stem[: -len(".json")] if stem.lower().endswith(".json") else stem
    return unquote(stem[len(prefix):] if stem.startswith(prefix) else stem)


def _num(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _chart_on(chart, day: date, report: ParseReport) -> tuple[float | None, bool]:
    """Sum of a chart's points on `day` (None when it has none) and whether it covers only that day."""
    if not isinstance(chart, dict):
        return None, False
    total, found, only_day = 0.0, False, True
    for key, value in chart.items():
        d = _day_of(key)
        if d == day:
            total += _num(value) or 0.0
            found = True
        else:
            only_day = False
            report.figures_outside_day += 1
    return (total if found else None), only_day


def parse_bunny_day(files: dict[str, bytes], day: date) -> tuple[list[dict], list[dict], ParseReport]:
    """Bunny statistics answers of one day folder -> (video rows, country rows, report)."""
    report = ParseReport()
    videos, countries = [], []
    for name in sorted(files):
        data = _load(name, files[name], report)
        if data is None:
            continue
        if ci_get(data, "viewsChart") is None and ci_get(data, "watchTimeChart") is None:
            if ci_get(data, "items") is None and ci_get(data, "heatmap") is None:
                report.files_ignored.append(name)
            continue
        guid = _stem_id(name, "statistics_")
        views, views_only_day = _chart_on(ci_get(data, "viewsChart"), day, report)
        watch, watch_only_day = _chart_on(ci_get(data, "watchTimeChart"), day, report)
        if views is None and watch is None:
            continue
        single_day = views_only_day and watch_only_day
        videos.append({
            "provider": "bunny",
            "provider_video_id": guid,
            "views": None if views is None else int(round(views)),
            "watch_time_s": watch,
            "engagement_score": _num(ci_get(data, "engagementScore")) if single_day else None,
        })
        if not single_day:
            continue
        country_views = ci_get(data, "countryViewCounts") or {}
        country_watch = ci_get(data, "countryWatchTime") or {}
        for country in sorted(set(country_views) | set(country_watch)):
            v = _num(country_views.get(country)) if isinstance(country_views, dict) else None
            countries.append({
                "provider": "bunny",
                "provider_video_id": guid,
                "country": country,
                "views": None if v is None else int(round(v)),
                "watch_time_s": _num(country_watch.get(country)) if isinstance(country_watch, dict) else None,
            })
    return videos, countries, report


def _dedupe(rows: list[dict], key_fields: tuple[str, ...]) -> list[dict]:
    """Groups seen twice (overlapping pages, an export next to a fetch) count once; the last file wins."""
    out: dict[tuple, dict] = {}
    for row in rows:
        dims = ci_get(row, "dimensions") or {}
        out[tuple(ci_get(dims, k) for k in key_fields)] = row
    return list(out.values())


def parse_cloudflare_day(files: dict[str, bytes], day: date) -> tuple[list[dict], list[dict], ParseReport]:
    """Cloudflare GraphQL answers of one day folder -> (video rows, country rows, report)."""
    report = ParseReport()
    minutes_rows, playback_rows = [], []
    for name in sorted(files):
        data = _load(name, files[name], report)
        if data is None:
            continue
        m, p = cf.rows_of(data, cf.MINUTES_DATASET), cf.rows_of(data, cf.PLAYBACK_DATASET)
        if not m and not p and ci_path(data, "data", "viewer") is None:
            report.files_ignored.append(name)
        minutes_rows += m
        playback_rows += p

    def on_day(rows):
        kept = [r for r in rows if _day_of(ci_path(r, "dimensions", "date", default="")) == day]
        report.figures_outside_day += len(rows) - len(kept)
        return kept

    minutes_rows = on_day(_dedupe(minutes_rows, ("uid", "date", "clientCountryName")))
    playback_rows = on_day(_dedupe(
        playback_rows, ("uid", "date", "clientCountryName", "deviceType", "deviceOs", "deviceBrowser")
    ))

    per_video: dict[str, dict] = {}
    per_country: dict[tuple[str, str], float] = {}

    def video(uid: str) -> dict:
        return per_video.setdefault(uid, {
            "provider": "cloudflare", "provider_video_id": uid, "views": None, "watch_time_s": None,
            "player_events": None, "player_watch_time_s": None,
        })

    for r in minutes_rows:
        uid = str(ci_path(r, "dimensions", "uid"))
        seconds = (_num(ci_path(r, "sum", "minutesViewed")) or 0.0) * MINUTE_S
        v = video(uid)
        v["watch_time_s"] = (v["watch_time_s"] or 0.0) + seconds
        country = ci_path(r, "dimensions", "clientCountryName")
        per_country[(uid, country)] = per_country.get((uid, country), 0.0) + seconds
    for r in playback_rows:
        v = video(str(ci_path(r, "dimensions", "uid")))
        v["player_events"] = (v["player_events"] or 0) + int(_num(ci_get(r, "count")) or 0)
        seconds = (_num(ci_path(r, "sum", "timeViewedMinutes")) or 0.0) * MINUTE_S
        v["player_watch_time_s"] = (v["player_watch_time_s"] or 0.0) + seconds

    videos = [per_video[k] for k in sorted(per_video)]
    countries = [
        {"provider": "cloudflare", "provider_video_id": uid, "country": c, "views": None, "watch_time_s": s}
        for (uid, c), s in sorted(per_country.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
    ]
    return videos, countries, report


def heatmap_rows(guid: str, data, as_of: date) -> list[dict]:
    """One heatmap answer -> a row per segment from 0 to the last one, missing segments at 0."""
    heatmap = ci_get(data, "heatmap")
    if isinstance(heatmap, list):
        heatmap = {str(i): v for i, v in enumerate(heatmap)}
    if not isinstance(heatmap, dict):
        return []
    points: dict[int, float] = {}
    for key, value in heatmap.items():
        try:
            index = int(str(key))
        except ValueError:
            continue
        if index < 0:  # Bunny sends a "-1" bucket that is no segment
            continue
        points[index] = _num(value) or 0.0
    if not points:
        return []
    return [
        {"provider": "bunny", "provider_video_id": guid, "segment_index": i,
         "intensity": points.get(i, 0.0), "as_of_date": as_of}
        for i in range(max(points) + 1)
    ]


def parse_bunny_heatmaps(files: list[tuple[date, str, bytes]]) -> tuple[list[dict], ParseReport]:
    """Heatmap answers from any day folders -> rows of the latest answer per video."""
    report = ParseReport()
    latest: dict[str, tuple[date, str, object]] = {}
    for day, name, body in sorted(files, key=lambda f: (f[0], f[1])):
        data = _load(name, body, report)
        if data is None or ci_get(data, "heatmap") is None:
            continue
        latest[_stem_id(name, "heatmap_")] = (day, name, data)
    rows = []
    for guid in sorted(latest):
        day, _, data = latest[guid]
        rows += heatmap_rows(guid, data, day)
    return rows, report


def catalog_lookup(catalog: pa.Table | None, provider: str) -> dict[str, str]:
    """provider id -> our video_id, from catalog rows of that provider (or of no stated provider)."""
    if catalog is None or catalog.num_rows == 0 or "provider_video_id" not in catalog.column_names:
        return {}
    ids = catalog.column("provider_video_id").to_pylist()
    videos = catalog.column("video_id").to_pylist()
    providers = catalog.column("provider").to_pylist() if "provider" in catalog.column_names else [None] * len(ids)
    lookup: dict[str, str] = {}
    for pid, vid, prov in zip(ids, videos, providers):
        if pid is None or vid is None or (prov is not None and prov.lower() != provider):
            continue
        if prov is not None or pid not in lookup:  # a row naming the provider beats one that does not
            lookup[pid] = vid
    return lookup


def to_table(rows: list[dict], schema: pa.Schema, catalog: pa.Table | None, report: ParseReport) -> pa.Table:
    """Rows -> arrow table of `schema`, with `video_id` mapped through the catalog."""
    lookups: dict[str, dict[str, str]] = {}
    unknown = set(report.unknown_provider_ids)
    for row in rows:
        lookup = lookups.setdefault(row["provider"], catalog_lookup(catalog, row["provider"]))
        row["video_id"] = lookup.get(row["provider_video_id"])
        if row["video_id"] is None:
            unknown.add(f"{row['provider']}:{row['provider_video_id']}")
    report.unknown_provider_ids = sorted(unknown)
    return pa.Table.from_pylist(
        [{name: row.get(name) for name in schema.names} for row in rows], schema=schema
    )
