"""Parsing stored provider answers, reconciliation, catalog enrichment, and the landing store."""

import json
from datetime import date, datetime, timezone

import pyarrow as pa
import pytest

from analytics_pipeline.lib.providers import landing
from analytics_pipeline.lib.providers.catalog import enrich_catalog
from analytics_pipeline.lib.providers.parse import (
    PROVIDER_VIDEO_DAILY,
    ParseReport,
    parse_bunny_day,
    parse_bunny_heatmaps,
    parse_cloudflare_day,
    to_table,
)
from analytics_pipeline.lib.providers.reconcile import reconcile_day
from analytics_pipeline.lib.schemas import VIDEO_CATALOG
from analytics_pipeline.lib.storage import Storage

D = date(2026, 6, 16)


def _j(obj) -> bytes:
    return json.dumps(obj).encode()


def test_bunny_pascal_case_and_hourly_points_summed():
    answer = {"ViewsChart": {"2026-06-16T00:00:00Z": 2, "2026-06-16T13:00:00Z": 3},
              "WatchTimeChart": {"2026-06-16T00:00:00Z": 100, "2026-06-16T13:00:00Z": 30},
              "CountryViewCounts": {"US": 5}, "CountryWatchTime": {"US": 130}, "EngagementScore": 57}
    videos, countries, report = parse_bunny_day({"statistics_abc-1.json": _j(answer)}, D)
    assert videos == [{"provider": "bunny", "provider_video_id": "abc-1", "views": 5, "watch_time_s": 130.0,
                       "engagement_score": 57.0}]
    assert countries == [{"provider": "bunny", "provider_video_id": "abc-1", "country": "US", "views": 5,
                          "watch_time_s": 130.0}]
    assert report.files_read == 1 and report.figures_outside_day == 0


def test_bunny_range_export_keeps_only_the_day_and_drops_range_totals():
    answer = {"viewsChart": {"2026-06-15T00:00:00Z": 7, "2026-06-16T00:00:00Z": 4},
              "watchTimeChart": {"2026-06-15T00:00:00Z": 70, "2026-06-16T00:00:00Z": 40},
              "countryViewCounts": {"US": 11}, "engagementScore": 10}
    videos, countries, report = parse_bunny_day({"statistics_g.json": _j(answer), "notes.json": b"{}",
                                                 "broken.json": b"{not json"}, D)
    assert [(v["views"], v["watch_time_s"], v["engagement_score"]) for v in videos] == [(4, 40.0, None)]
    assert countries == []  # 11 US views cover two days: they cannot be given to one
    assert report.figures_outside_day == 2 and sorted(report.files_ignored) == ["broken.json", "notes.json"]


def test_bunny_day_with_zero_views_is_zero_not_missing():
    answer = {"viewsChart": {"2026-06-16T00:00:00Z": 0}, "watchTimeChart": {"2026-06-16T00:00:00Z": 0}}
    videos, _, _ = parse_bunny_day({"statistics_g.json": _j(answer)}, D)
    assert (videos[0]["views"], videos[0]["watch_time_s"]) == (0, 0.0)


def test_heatmap_minus_one_ignored_gaps_zero_latest_answer_wins():
    files = [
        (date(2026, 6, 15), "heatmap_g1.json", _j({"heatmap": {"0": 1, "1": 2, "2": 3, "3": 4}})),
        (date(2026, 6, 16), "heatmap_g1.json", _j({"Heatmap": {"-1": 99, "0": 30, "3": 100}})),
        (date(2026, 6, 16), "heatmap_g2.json", _j({"heatmap": None})),  # heatmaps off: nothing
    ]
    rows, _ = parse_bunny_heatmaps(files)
    assert [(r["provider_video_id"], r["segment_index"], r["intensity"], r["as_of_date"]) for r in rows] == [
        ("g1", 0, 30.0, D), ("g1", 1, 0.0, D), ("g1", 2, 0.0, D), ("g1", 3, 100.0, D)]


def _cf(dataset, groups):
    return _j({"data": {"viewer": {"accounts": [{dataset: groups}]}}, "errors": None})


def test_cloudflare_pages_overlap_counted_once_minutes_to_seconds():
    g = lambda uid, country, m, day="2026-06-16": {  # noqa: E731
        "dimensions": {"uid": uid, "date": day, "clientCountryName": country}, "sum": {"minutesViewed": m}}
    page1 = _cf("streamMinutesViewedAdaptiveGroups", [g("u1", "US", 1), g("u2", "US", 3)])
    page2 = _cf("streamMinutesViewedAdaptiveGroups", [g("u2", "US", 3), g("u2", "DE", 4), g("u3", "US", 9, "2026-06-15")])
    playback = _cf("videoPlaybackEventsAdaptiveGroups", [
        {"count": 2, "sum": {"timeViewedMinutes": 1.5}, "dimensions": {
            "uid": "u2", "date": "2026-06-16", "clientCountryName": "US", "deviceType": "mobile",
            "deviceOs": "iOS", "deviceBrowser": "Safari"}}])
    videos, countries, report = parse_cloudflare_day(
        {"minutes_viewed_0001.json": page1, "minutes_viewed_0002.json": page2, "playback_events_0001.json": playback}, D)
    by_uid = {v["provider_video_id"]: v for v in videos}
    assert by_uid["u1"]["watch_time_s"] == 60.0
    assert by_uid["u2"]["watch_time_s"] == (3 + 4) * 60.0  # the US group seen twice counts once
    assert (by_uid["u2"]["player_events"], by_uid["u2"]["player_watch_time_s"]) == (2, 90.0)
    assert all(v["views"] is None for v in videos) and "u3" not in by_uid
    assert report.figures_outside_day == 1
    assert {(c["provider_video_id"], c["country"]): c["watch_time_s"] for c in countries} == {
        ("u1", "US"): 60.0, ("u2", "US"): 180.0, ("u2", "DE"): 240.0}


def test_unknown_provider_id_keeps_video_id_null_and_is_reported():
    catalog = pa.Table.from_pylist([
        {"video_id": "v1", "provider": "bunny", "provider_video_id": "g1"},
        {"video_id": "v2", "provider": "cloudflare", "provider_video_id": "g2"},  # another provider's id
    ])
    rows = [{"provider": "bunny", "provider_video_id": p, "views": 1, "watch_time_s": 1.0} for p in ("g1", "g2")]
    report = ParseReport()
    table = to_table(rows, PROVIDER_VIDEO_DAILY, catalog, report)
    assert table.column("video_id").to_pylist() == ["v1", None]
    assert report.unknown_provider_ids == ["bunny:g2"]
    assert table.schema == PROVIDER_VIDEO_DAILY


def _sessions(spec):
    rows = []
    for video_id, n, watch in spec:
        rows += [{"video_id": video_id, "counts_as_view": True, "is_bot": False, "watch_time_s": watch}] * n
    return pa.Table.from_pylist(rows)


def test_reconciliation_flags_above_threshold_only():
    theirs = pa.Table.from_pylist([
        {"provider": "bunny", "provider_video_id": "g1", "video_id": "v1", "views": 22, "watch_time_s": 1000.0},
        {"provider": "bunny", "provider_video_id": "g2", "video_id": "v2", "views": 9, "watch_time_s": 1320.0},
        {"provider": "bunny", "provider_video_id": "g4", "video_id": "v4", "views": 3, "watch_time_s": 90.0},
        {"provider": "bunny", "provider_video_id": "gx", "video_id": None, "views": 5, "watch_time_s": 5.0},
    ], schema=PROVIDER_VIDEO_DAILY)
    ours = _sessions([("v1", 20, 50.0), ("v2", 10, 120.0), ("v5", 2, 10.0)])
    catalog = pa.Table.from_pylist([
        {"video_id": "v5", "provider": "bunny", "provider_video_id": "g5"},
    ], schema=VIDEO_CATALOG)
    out = {r["video_id"]: r for r in reconcile_day(theirs, ours, catalog, 0.10).to_pylist()}
    assert set(out) == {"v1", "v2", "v4", "v5"}  # the unmapped gx cannot be compared
    # v1: views (22-20)/20 = 0.10 (not above); watch (1000-1000)/1000 = 0
    assert (out["v1"]["views_rel_diff"], out["v1"]["watch_time_rel_diff"], out["v1"]["flagged"]) == (0.1, 0.0, False)
    # v2: views (9-10)/10 = -0.10 (not above); watch (1320-1200)/1200 = 0.10 -> within; not flagged
    assert out["v2"]["views_rel_diff"] == pytest.approx(-0.1) and not out["v2"]["flagged"]
    assert out["v2"]["watch_time_rel_diff"] == pytest.approx(0.1)
    # v4: ours 0 -> relative differences null; 0 and 3 views are fewer than 10 on both sides: noise
    assert (out["v4"]["views_ours"], out["v4"]["views_rel_diff"], out["v4"]["flagged"]) == (0, None, False)
    # v5: ours 2 views / 20 s, Bunny covered the day but lacks v5: provider_missing, not a -100 %
    assert (out["v5"]["views_theirs"], out["v5"]["views_rel_diff"], out["v5"]["flagged"]) == (None, None, False)
    assert out["v5"]["provider_missing"] is True and out["v1"]["provider_missing"] is False
    # a tighter check: with 0.05, v1 (0.10) is above
    strict = {r["video_id"]: r["flagged"] for r in reconcile_day(theirs, ours, catalog, 0.05).to_pylist()}
    assert strict["v1"] is True


def test_reconciliation_without_provider_figures_is_empty():
    out = reconcile_day(None, _sessions([("v1", 3, 10.0)]), None, 0.1)
    assert out.num_rows == 0 and "flagged" in out.column_names


def test_enrich_catalog_fills_nulls_never_overrides_adds_bunny_only():
    base = {n: None for n in VIDEO_CATALOG.names}
    catalog = pa.Table.from_pylist([
        {**base, "video_id": "v1", "title": "Ours", "duration_s": None, "provider": "bunny",
         "provider_video_id": "g1", "source": "platform", "creator_id": "c1"},
        {**base, "video_id": "g2", "title": None, "duration_s": 10.0, "source": "platform"},  # id is the guid
        {**base, "video_id": "v3", "title": "CF", "provider": "cloudflare", "provider_video_id": "g3"},
    ], schema=VIDEO_CATALOG)
    bunny_videos = [
        {"Guid": "g1", "Title": "Bunny title", "Length": 125, "DateUploaded": "2026-06-01T10:00:00Z"},
        {"guid": "g2", "title": "Two", "length": 99, "dateUploaded": "2026-06-02T00:00:00"},
        {"guid": "g3", "title": "Not CF's", "length": 5},
        {"guid": "g4", "title": "Bunny only", "length": 0, "status": 1},
    ]
    out = {r["video_id"]: r for r in enrich_catalog(catalog, bunny_videos).to_pylist()}
    assert out["v1"]["title"] == "Ours" and out["v1"]["duration_s"] == 125.0  # filled, not overridden
    assert out["v1"]["published_at"] == datetime(2026, 6, 1, 10, tzinfo=timezone.utc)
    assert out["v1"]["creator_id"] == "c1" and out["v1"]["source"] == "platform"
    assert (out["g2"]["title"], out["g2"]["duration_s"], out["g2"]["provider"], out["g2"]["provider_video_id"]) == (
        "Two", 10.0, "bunny", "g2")
    assert out["v3"]["title"] == "CF" and out["v3"]["provider"] == "cloudflare"
    # g3 is claimed by a Cloudflare row, not Bunny's: Bunny's g3 is added as its own video
    assert out["g3"]["source"] == "bunny" and out["g4"]["source"] == "bunny"
    assert out["g4"]["duration_s"] is None and out["g4"]["is_preview"] is False
    assert len(out) == 5


def test_replace_fetched_day_keeps_hand_exports_and_drops_stale_fetches(tmp_path):
    storage = Storage(str(tmp_path))
    base = landing.day_dir("bunny", D)
    landing.replace_fetched_day(storage, "bunny", D, {"statistics_a.json": b"1", "statistics_b.json": b"2"})
    storage.write_bytes(f"{base}/statistics_export.json", b"hand")
    landing.replace_fetched_day(storage, "bunny", D, {"statistics_a.json": b"3"})
    assert landing.read_day(storage, "bunny", D) == {"statistics_a.json": b"3", "statistics_export.json": b"hand"}


def test_stored_bunny_videos_reads_the_latest_stored_list(tmp_path):
    from analytics_pipeline.lib.providers.catalog import stored_bunny_videos

    storage = Storage(str(tmp_path))
    assert stored_bunny_videos(storage) is None
    landing.replace_fetched_day(storage, "bunny", date(2026, 6, 15), {"videos_page_0001.json": _j({"items": [{"guid": "old"}]})})
    landing.replace_fetched_day(storage, "bunny", D, {
        "videos_page_0001.json": _j({"Items": [{"Guid": "a"}]}), "videos_page_0002.json": _j({"items": [{"guid": "b"}]})})
    assert [v.get("guid") or v.get("Guid") for v in stored_bunny_videos(storage)] == ["a", "b"]
