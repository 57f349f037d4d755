"""The provider assets end to end: real Dagster runs against the local provider server."""

import json
import os
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest
from dagster._serdes import serialize_value

from analytics_pipeline.defs.providers import assets as ALL_ASSETS
from analytics_pipeline.defs.providers import defs as provider_defs
from analytics_pipeline_tests.support import lake_at
from analytics_pipeline.lib.schemas import VIDEO_CATALOG
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.provider_server import BUNNY_KEY, CF_TOKEN, Fault, ProviderServer

D = "2026-06-16"
D2 = "2026-06-17"
SECRETS = (BUNNY_KEY, CF_TOKEN)


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("BUNNY_", "CLOUDFLARE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ANALYTICS_IP_HASH_KEY", "test-ip-hash-key")
    for k, v in {"ANALYTICS_PROVIDER_TIMEOUT_S": "2", "ANALYTICS_PROVIDER_MAX_RETRIES": "1",
                 "ANALYTICS_PROVIDER_BACKOFF_S": "0.01", "ANALYTICS_PROVIDER_MAX_SLEEP_S": "0.05",
                 "BUNNY_ITEMS_PER_PAGE": "2"}.items():
        monkeypatch.setenv(k, v)


@pytest.fixture
def server(monkeypatch):
    with ProviderServer() as s:
        s.bunny_videos = [{"guid": g, "title": g, "length": 100, "status": 4} for g in ("g1", "g2", "g9")]
        s.bunny_stats = {
            ("g1", D): {"views": 10, "watch": 600, "countries": {"US": (6, 360), "FR": (4, 240)}},
            ("g2", D): {"views": 15, "watch": 300, "countries": {"US": (15, 300)}},
            ("g9", D): {"views": 1, "watch": 30, "countries": {"BR": (1, 30)}},
        }
        s.bunny_heatmaps = {"g1": {"0": 20, "2": 100, "-1": 5}}
        s.cf_minutes = [
            {"uid": "u3", "date": D, "country": "US", "minutes": 5},
            {"uid": "u3", "date": D, "country": "DE", "minutes": 2},
        ]
        s.cf_playback = [{"uid": "u3", "date": D, "country": "US", "minutes": 3, "count": 4}]
        for k, v in s.env().items():
            monkeypatch.setenv(k, v)
        yield s


def _catalog_rows():
    base = {n: None for n in VIDEO_CATALOG.names}
    return [
        {**base, "video_id": "v1", "title": "One", "provider": "bunny", "provider_video_id": "g1"},
        {**base, "video_id": "v2", "title": "Two", "provider": "bunny", "provider_video_id": "g2"},
        {**base, "video_id": "v3", "title": "Three", "provider": "cloudflare", "provider_video_id": "u3"},
    ]


def _session(video_id, watch, counts=True, bot=False):
    return {"view_id": f"{video_id}-{watch}", "video_id": video_id, "counts_as_view": counts,
            "is_bot": bot, "watch_time_s": float(watch)}


@pytest.fixture
def lake(tmp_path):
    storage = Storage(str(tmp_path / "root"))
    storage.write_snapshot("video_catalog", pa.Table.from_pylist(_catalog_rows(), schema=VIDEO_CATALOG))
    sessions = (
        [_session("v1", 57)] * 10  # 10 views, 570 s
        + [_session("v2", 30)] * 10  # 10 views, 300 s
        + [_session("v2", 500, bot=True), _session("v2", 500, counts=False)]  # neither counts
        + [_session("v3", 200), _session("v3", 200)]  # 2 views, 400 s
    )
    storage.write_partition("playback_sessions", D, pa.Table.from_pylist(sessions))
    return storage


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as inst:
        yield inst


def _materialize(storage, instance, day):
    return dg.materialize(
        ALL_ASSETS,
        partition_key=day,
        resources={"lake": lake_at(storage.base)},
        instance=instance,
        raise_on_error=False,
    )


def _rows(storage, table, day=None, keys=("provider", "provider_video_id")):
    t = storage.read_parquet(storage.partition_file(table, day) if day else storage.snapshot_path(table))
    return {tuple(r[k] for k in keys): r for r in t.to_pylist()}


def _day_files(storage, provider, day):
    base = Path(storage.base) / "landing" / "providers" / provider / day
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _assert_no_secret(tmp_path, instance, results, caplog):
    texts = [caplog.text]
    for result in results:
        texts += [serialize_value(e) for e in instance.all_logs(result.run_id)]
    for s in SECRETS:
        assert all(s not in t for t in texts), "secret in a log or event"
        for p in tmp_path.rglob("*"):
            if p.is_file():
                assert s.encode() not in p.read_bytes(), f"secret stored in {p}"


def test_definitions_load_with_a_lake():
    merged = dg.Definitions.merge(provider_defs, dg.Definitions(resources={"lake": lake_at("/nonexistent")}))
    keys = {k.to_user_string() for k in merged.resolve_asset_graph().get_all_asset_keys()}
    assert {"bunny_raw_statistics", "cloudflare_raw_analytics", "provider_video_daily", "provider_country_daily",
            "provider_heatmap", "provider_reconciliation_daily"} <= keys
    for a in ALL_ASSETS:
        for spec in a.specs:
            assert spec.description and "\n" not in spec.description.strip()


def test_fetch_parse_reconcile_then_a_failed_refetch_keeps_the_day(server, lake, instance, tmp_path, caplog):
    first = _materialize(lake, instance, D)
    assert first.success

    # Stored unchanged: the bytes on disk are the bytes the server sends for the same request.
    stored = _day_files(lake, "bunny", D)
    assert sorted(stored) == ["_fetched.json", "heatmap_g1.json", "statistics_g1.json", "statistics_g2.json",
                              "statistics_g9.json", "videos_page_0001.json", "videos_page_0002.json"]
    import requests
    direct = requests.get(f"{server.url}/library/lib-42/statistics", headers={"AccessKey": BUNNY_KEY}, params={
        "dateFrom": f"{D}T00:00:00Z", "dateTo": f"{D}T23:59:59Z", "hourly": "false", "videoGuid": "g1"}, timeout=5)
    assert stored["statistics_g1.json"] == direct.content
    assert sorted(_day_files(lake, "cloudflare", D)) == [
        "_fetched.json", "minutes_viewed_0001.json", "playback_events_0001.json"]

    videos = _rows(lake, "provider_video_daily", D)
    assert {k: (r["video_id"], r["views"], r["watch_time_s"]) for k, r in videos.items()} == {
        ("bunny", "g1"): ("v1", 10, 600.0),
        ("bunny", "g2"): ("v2", 15, 300.0),
        ("bunny", "g9"): (None, 1, 30.0),  # unknown to the catalog: kept, video_id null
        ("cloudflare", "u3"): ("v3", None, 420.0),  # (5 + 2) min * 60; no view count -> null
    }
    assert videos[("cloudflare", "u3")]["player_events"] == 4
    assert videos[("cloudflare", "u3")]["player_watch_time_s"] == 180.0  # 3 min

    countries = _rows(lake, "provider_country_daily", D, ("provider", "provider_video_id", "country"))
    assert {k: (r["views"], r["watch_time_s"]) for k, r in countries.items()} == {
        ("bunny", "g1", "FR"): (4, 240.0), ("bunny", "g1", "US"): (6, 360.0),
        ("bunny", "g2", "US"): (15, 300.0), ("bunny", "g9", "BR"): (1, 30.0),
        ("cloudflare", "u3", "DE"): (None, 120.0), ("cloudflare", "u3", "US"): (None, 300.0),
    }

    heatmap = _rows(lake, "provider_heatmap", keys=("provider_video_id", "segment_index"))
    # "-1" ignored; segment 1 missing -> 0
    assert {k: r["intensity"] for k, r in heatmap.items()} == {("g1", 0): 20.0, ("g1", 1): 0.0, ("g1", 2): 100.0}
    assert {r["video_id"] for r in heatmap.values()} == {"v1"}

    recon = _rows(lake, "provider_reconciliation_daily", D, ("provider", "video_id"))
    assert set(recon) == {("bunny", "v1"), ("bunny", "v2"), ("cloudflare", "v3")}
    v1, v2, v3 = recon[("bunny", "v1")], recon[("bunny", "v2")], recon[("cloudflare", "v3")]
    # v1: views 10 vs 10 -> 0; watch 570 vs 600 -> 30/570 = 0.0526 <= 0.10: not flagged
    assert (v1["views_ours"], v1["views_theirs"], v1["views_rel_diff"]) == (10, 10, 0.0)
    assert v1["watch_time_rel_diff"] == pytest.approx(30 / 570) and not v1["flagged"]
    # v2: bot and non-counting rows excluded: 10 views, 300 s; theirs 15 -> (15-10)/10 = 0.5: flagged
    assert (v2["views_ours"], v2["views_theirs"], v2["views_rel_diff"]) == (10, 15, 0.5)
    assert (v2["watch_time_s_ours"], v2["watch_time_rel_diff"], v2["flagged"]) == (300.0, 0.0, True)
    # v3: Cloudflare counts no views (null); watch 400 vs 420 -> 0.05: not flagged
    assert (v3["views_ours"], v3["views_theirs"], v3["views_rel_diff"]) == (2, None, None)
    assert v3["watch_time_rel_diff"] == pytest.approx(0.05) and not v3["flagged"]

    (check,) = first.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["flagged_videos"].data == [{"provider": "bunny", "video_id": "v2"}]

    parse_meta = next(m for m in first.asset_materializations_for_node("provider_daily_figures") if m.asset_key.to_user_string() == "provider_video_daily").metadata
    assert parse_meta["unknown_provider_ids"].data == ["bunny:g9"]
    assert parse_meta["dagster/row_count"].value == 4

    # A re-fetch that fails half-way (g2's statistics keep failing, and the error body echoes the key)
    # writes nothing: the day's stored answers and parsed figures stay as they were.
    server.bunny_stats[("g1", D)] = {"views": 99, "watch": 9999}
    server.echo_secret = True
    server.faults.append(Fault("videoGuid", status=500, times=None, skip=1))
    parsed_before = lake.read_bytes(lake.partition_file("provider_video_daily", D))
    second = _materialize(lake, instance, D)
    assert not second.success
    assert len(server.requests_to('"videoGuid": "g2"')) == 1 + 2  # first run, then 2 attempts
    assert _day_files(lake, "bunny", D) == stored
    assert lake.read_bytes(lake.partition_file("provider_video_daily", D)) == parsed_before
    failure = [e for e in second.all_events if e.is_step_failure]
    assert failure and "HTTP 500" in failure[0].step_failure_data.error.cause.message

    # A successful re-run replaces the day's figures instead of adding to them.
    server.faults.clear()
    server.echo_secret = False
    third = _materialize(lake, instance, D)
    assert third.success
    videos = _rows(lake, "provider_video_daily", D)
    assert len(videos) == 4 and videos[("bunny", "g1")]["views"] == 99

    _assert_no_secret(tmp_path, instance, [first, second, third], caplog)


def test_not_configured_providers_are_skipped_and_exports_parsed(lake, instance, tmp_path):
    # Exports dropped by hand, in the formats of the APIs.
    bunny_export = {"ViewsChart": {f"{D2}T00:00:00Z": 3}, "WatchTimeChart": {f"{D2}T00:00:00Z": 90},
                    "CountryViewCounts": {"US": 3}, "CountryWatchTime": {"US": 90}, "EngagementScore": 40}
    cf_export = {"data": {"viewer": {"accounts": [{"streamMinutesViewedAdaptiveGroups": [
        {"dimensions": {"uid": "u3", "date": D2, "clientCountryName": "US"}, "sum": {"minutesViewed": 2}},
        {"dimensions": {"uid": "u3", "date": D, "clientCountryName": "US"}, "sum": {"minutesViewed": 50}},
    ]}]}}, "errors": None}
    lake.write_bytes(f"landing/providers/bunny/{D2}/statistics_g2.json", json.dumps(bunny_export).encode())
    lake.write_bytes(f"landing/providers/cloudflare/{D2}/my_export.json", json.dumps(cf_export).encode())

    result = _materialize(lake, instance, D2)
    assert result.success
    for name in ("bunny_raw_statistics", "cloudflare_raw_analytics"):
        meta = result.asset_materializations_for_node(name)[0].metadata
        assert meta["configured"].value is False and "not configured" in meta["status"].value
    videos = _rows(lake, "provider_video_daily", D2)
    assert {k: (r["video_id"], r["views"], r["watch_time_s"], r["engagement_score"]) for k, r in videos.items()} == {
        ("bunny", "g2"): ("v2", 3, 90.0, 40.0),
        ("cloudflare", "u3"): ("v3", None, 120.0, None),  # the D group in the export is not D2's: left out
    }
    # the exports are still there, untouched
    assert lake.exists(f"landing/providers/bunny/{D2}/statistics_g2.json")
    # no playback sessions on D2: ours are 0, relative differences null; 0 and 3 views are noise, not flagged
    recon = _rows(lake, "provider_reconciliation_daily", D2, ("provider", "video_id"))
    assert recon[("bunny", "v2")]["views_rel_diff"] is None and not recon[("bunny", "v2")]["flagged"]
