"""`analytics-pipeline materialize` includes the provider imports when they are configured."""

from __future__ import annotations

from pathlib import Path

from analytics_pipeline.settings import load_settings
from analytics_pipeline_tests.provider_server import BUNNY_KEY, CF_TOKEN, ProviderServer
from analytics_pipeline_tests.scenarios.playback import SEEKS_AND_PAUSE
from analytics_pipeline_tests.support import lake_rows, materialize, write_catalog, write_events

DAY = SEEKS_AND_PAUSE.day


def test_materialize_imports_reconciles_and_enriches_the_catalog(settings, monkeypatch):
    root = Path(settings.data_root)
    catalog = [{**SEEKS_AND_PAUSE.catalog[0], "provider": "bunny", "provider_video_id": "g-seek"}]
    write_catalog(root, catalog)
    write_events(root, DAY, "batch.jsonl", SEEKS_AND_PAUSE.events)  # 1 view of vid-seek, 40 s watched
    with ProviderServer() as server:
        server.bunny_videos = [{"guid": "g-seek", "title": "Seek (Bunny)", "length": 300, "status": 4},
                               {"guid": "g-only-bunny", "title": "Only on Bunny", "length": 50, "status": 4}]
        # Bunny saw 2 views and 40 s: views differ by 100 %, watch time by 0 % (not flagged: under 10 views)
        server.bunny_stats = {("g-seek", DAY.isoformat()): {"views": 2, "watch": 40, "countries": {"FR": (2, 40)}}}
        server.cf_minutes = []
        server.cf_playback = []
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        for key, value in {"ANALYTICS_PROVIDER_TIMEOUT_S": "2", "ANALYTICS_PROVIDER_MAX_RETRIES": "1",
                           "ANALYTICS_PROVIDER_BACKOFF_S": "0.01"}.items():
            monkeypatch.setenv(key, value)
        summary = materialize(load_settings(), DAY, DAY)

    assert "providers" in summary.timings
    assert any(p.name.endswith(".json") for p in (root / "landing/providers/bunny" / DAY.isoformat()).iterdir())
    (theirs,) = [r for r in lake_rows(root, "provider_video_daily") if r["provider_video_id"] == "g-seek"]
    assert (theirs["video_id"], theirs["views"], theirs["watch_time_s"]) == ("vid-seek", 2, 40)
    (rec,) = [r for r in lake_rows(root, "provider_reconciliation_daily") if r["video_id"] == "vid-seek"]
    assert (rec["views_ours"], rec["views_theirs"], rec["watch_time_s_ours"]) == (1, 2, 40.0)
    assert rec["views_rel_diff"] == 1.0 and rec["watch_time_rel_diff"] == 0.0 and rec["flagged"] is False

    videos = {r["video_id"]: r for r in lake_rows(root, "video_catalog")}
    assert videos["vid-seek"]["title"] == "Video vid-seek"  # the platform's catalog wins
    assert videos["g-only-bunny"]["source"] == "bunny" and videos["g-only-bunny"]["duration_s"] == 50

    stored = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert BUNNY_KEY.encode() not in stored and CF_TOKEN.encode() not in stored
