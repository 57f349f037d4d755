"""A backfill of a 7-day range equals 7 single-day runs, table by table."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import dagster as dg

from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import load_settings
from analytics_pipeline_tests.support import lake_rows, lake_snapshot, materialize

START = date(2026, 3, 27)  # crosses a month boundary, so counters reset inside the range
DAYS = [START + timedelta(days=i) for i in range(7)]


def test_range_backfill_equals_day_by_day_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYTICS_IP_HASH_KEY", "test-ip-key")
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    roots = {name: tmp_path / name for name in ("backfill", "daily")}
    generate(Storage(str(roots["backfill"])), DAYS[0], DAYS[-1], 800, seed=21)
    shutil.copytree(roots["backfill"] / "landing", roots["daily"] / "landing")

    monkeypatch.setenv("ANALYTICS_DATA_ROOT", str(roots["backfill"]))
    materialize(load_settings(), DAYS[0], DAYS[-1])
    monkeypatch.setenv("ANALYTICS_DATA_ROOT", str(roots["daily"]))
    for day in DAYS:  # the nightly way: each day once its arrivals are in
        materialize(load_settings(), day, day)

    backfill, daily = lake_snapshot(roots["backfill"]), lake_snapshot(roots["daily"])
    assert set(backfill) == set(daily)
    for table in sorted(backfill):
        assert backfill[table] == daily[table], table
    counters = lake_rows(roots["backfill"], "video_counters", "date = DATE '2026-04-01'")
    assert counters and all(r["views_month_to_date"] == r["views_today"] for r in counters)  # 1 April

    # each partition's pictures and progress figures: the range run drew them in a process of its
    # own (a week of small days), the single-day runs in theirs, and Dagster recorded the same for both
    with dg.DagsterInstance.get() as instance:
        for asset, key in [("video_heatmap_daily", "heatmap"), ("qoe_daily", "experience_scores"),
                           ("viewer_progress", "state_as_of")]:
            wanted = dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset))
            records = instance.fetch_materializations(wanted, limit=100).records
            for day in DAYS:
                values = [r.asset_materialization.metadata[key].value for r in records if r.partition_key == str(day)]
                # newest first: the last single-day run that built the day (a run rebuilds the day
                # before, with its late events) ... the range run's, the first
                assert len(values) >= 2 and values[0] == values[-1], (asset, day)
                if key == "state_as_of":
                    assert values[0] == str(day)
                else:
                    assert "data:image/png;base64," in values[0]
