"""Insights end to end (insights.md): hand-built player events -> the real pipeline (Dagster runs,
lake, warehouse) -> experience scores, quality switches, retention, key moments, and the pictures
the Dagster UI shows. Expectations are computed by hand in scenarios/insights.py."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from analytics_pipeline_tests.scenarios import insights
from analytics_pipeline_tests.scenarios.playback import DAY
from analytics_pipeline_tests.support import lake_rows, materialize, write_catalog, write_events


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from analytics_pipeline.settings import load_settings

    tmp = tmp_path_factory.mktemp("insights")
    (tmp / "home").mkdir()
    (tmp / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYTICS_DATA_ROOT", str(tmp / "data"))
        mp.setenv("DAGSTER_HOME", str(tmp / "home"))
        mp.setenv("ANALYTICS_IP_HASH_KEY", "k")
        mp.delenv("ANALYTICS_WAREHOUSE", raising=False)
        settings = load_settings()
        root = Path(settings.data_root)
        write_catalog(root, insights.CATALOG)
        write_events(root, DAY, "insights.jsonl", insights.EVENTS)
        materialize(settings, DAY, DAY)
        yield settings, root


def close(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is expected
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-6)


def test_every_score_branch_per_view(built):
    _, root = built
    views = {r["view_id"]: r for r in lake_rows(root, "playback_sessions", "video_id = 'vid-scores'")}
    assert set(views) == set(insights.EXPECTED_SCORES)
    for view_id, expected in insights.EXPECTED_SCORES.items():
        row = views[view_id]
        actual = (row["playback_success_score"], row["startup_score"], row["smoothness_score"], row["experience_score"])
        assert all(close(a, e) for a, e in zip(actual, expected)), (view_id, actual, expected)


def test_score_means_are_over_the_views_that_have_one(built):
    _, root = built
    [daily] = lake_rows(root, "video_daily", "video_id = 'vid-scores'")
    counted = [s for v, s in insights.EXPECTED_SCORES.items() if v != "sc-save"]  # not a view
    for i, name in enumerate(("playback_success_score", "startup_score", "smoothness_score", "experience_score")):
        scored = [s[i] for s in counted if s[i] is not None]
        assert close(daily[name], sum(scored) / len(scored)), name
    assert daily["views"] == 6
    # the same means at every grain: the platform's over both videos' views
    [platform] = lake_rows(root, "platform_daily")
    every = [r["experience_score"] for r in lake_rows(root, "playback_sessions") if r["counts_as_view"]]
    assert close(platform["experience_score"], sum(e for e in every if e is not None) / sum(e is not None for e in every))


def test_quality_changes_are_transitions_with_their_direction(built):
    _, root = built
    rows = lake_rows(root, "quality_changes", order="occurred_at")
    assert [(r["position_s"], r["from_rendition"], r["to_rendition"], r["from_bitrate_kbps"], r["to_bitrate_kbps"],
             r["direction"]) for r in rows] == insights.EXPECTED_QUALITY_CHANGES
    assert {(r["view_id"], r["video_id"], str(r["date"])) for r in rows} == {("sc-quality", "vid-scores", str(DAY))}
    [daily] = lake_rows(root, "video_daily", "video_id = 'vid-scores'")
    # three switches of known direction: one up, one down, one same
    assert (daily["quality_switches"], daily["up_switches"], daily["down_switches"]) == (3, 1, 1)
    assert close(daily["up_switch_share"], 1 / 3) and close(daily["down_switch_share"], 1 / 3)


def test_reach_counts_only_points_inside_a_played_range(built):
    _, root = built
    [daily] = lake_rows(root, "video_daily", "video_id = 'vid-moments'")
    assert {k: daily[k] for k in insights.EXPECTED_REACH} == insights.EXPECTED_REACH


def test_rewatch_and_replay_views_per_segment(built):
    _, root = built
    segments = {r["segment_index"]: r for r in lake_rows(root, "video_heatmap_daily", "video_id = 'vid-moments'")}
    assert len(segments) == 10
    assert {k: segments[4][k] for k in insights.EXPECTED_SEGMENT_4} == insights.EXPECTED_SEGMENT_4
    assert all(segments[i]["rewatch_s"] == 0 and segments[i]["replay_views"] == 0 for i in segments if i != 4)


def _direct_retention(root) -> dict:
    """video_retention computed straight from playback_sessions and played_ranges (Python)."""
    views = {r["view_id"]: r for r in lake_rows(root, "playback_sessions")
             if r["counts_as_view"] and not r["is_bot"] and r["video_id"] == "vid-moments"}
    pieces = defaultdict(list)  # (view, segment) -> [(start, end)]
    for r in lake_rows(root, "played_ranges"):
        if r["view_id"] in views:
            for seg in range(10):
                lo, hi = max(r["range_start_s"], seg * 10), min(r["range_end_s"], seg * 10 + 10)
                if hi > lo:
                    pieces[(r["view_id"], seg)].append((lo, hi))
    out = {seg: {"views": 0, "rewatch_s": 0.0, "replay_views": 0, "drop_offs": 0} for seg in range(10)}
    for (view_id, seg), spans in pieces.items():
        covered = {round(x / 100, 2) for lo, hi in spans for x in range(round(lo * 100), round(hi * 100))}
        rewatch = sum(hi - lo for lo, hi in spans) - len(covered) / 100
        out[seg]["views"] += 1
        out[seg]["rewatch_s"] += rewatch
        out[seg]["replay_views"] += rewatch > 1e-9
    for v in views.values():
        if not v["completed"]:
            out[min(9, int(v["last_position_s"] // 10))]["drop_offs"] += 1
    for seg in out.values():
        seg["retention_pct"] = seg["views"] * 100 / len(views)
        seg["drop_off_rate"] = seg["drop_offs"] / seg["views"] if seg["views"] else None
    return out


def test_warehouse_macros_match_a_direct_computation_and_the_hand_counts(built):
    settings, root = built
    con = duckdb.connect(settings.warehouse_path, read_only=True)
    day = f"DATE '{DAY}'"
    retention = {r[0]: dict(zip(("views", "retention_pct", "rewatch_s", "replay_views", "drop_offs", "drop_off_rate"), r[1:]))
                 for r in con.execute(
                     f"SELECT segment_index, views, retention_pct, rewatch_s, replay_views, drop_offs, drop_off_rate "
                     f"FROM video_retention({day}, {day}) WHERE video_id = 'vid-moments'").fetchall()}
    direct = _direct_retention(root)
    assert set(retention) == set(direct)
    for seg, expected in direct.items():
        assert all(close(retention[seg][k], v) if isinstance(v, float) or v is None else retention[seg][k] == v
                   for k, v in expected.items()), (seg, retention[seg], expected)

    moments = con.execute(f"SELECT video_id, kind, segment_index, value FROM key_moments({day}, {day})").fetchall()
    assert [m[:3] for m in moments] == [m[:3] for m in insights.EXPECTED_MOMENTS]
    assert all(close(a[3], e[3]) for a, e in zip(moments, insights.EXPECTED_MOMENTS))

    rel = con.sql(f"SELECT * FROM relative_retention({day}, {day})")
    relative = [dict(zip(rel.columns, row)) for row in rel.fetchall()]
    # vid-scores has 6 views (< 10): left out; vid-moments is alone in its bucket: no ratio, no label
    assert [r["video_id"] for r in relative] == ["vid-moments"]
    [r] = relative
    assert r["length_bucket"] == "1-3m" and close(r["avg_completion_ratio"], (12 + 8 * 0.25 + 4 * 0.58) / 24)
    assert close(r["bucket_median_completion"], r["avg_completion_ratio"])
    assert r["relative_retention"] is None and r["label"] is None
    con.close()


def test_the_dagster_pictures_mark_key_moments_and_show_the_score_distribution(built):
    settings, _ = built
    with dg.DagsterInstance.get() as instance:
        def metadata(asset: str) -> dict:
            records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset)), limit=5).records
            return next(r.asset_materialization.metadata for r in records if r.partition_key == str(DAY))

        heatmap = metadata("video_heatmap_daily")["heatmap"].value
        assert "![heatmap](data:image/png;base64," in heatmap
        assert "`vid-moments`: dip 20-30 s (33 % of its viewers leave)" in heatmap
        assert "spike 40-50 s (rewatched 40 s)" in heatmap and "intro: 67 % still watching at 30 s" in heatmap
        scores = metadata("qoe_daily")["experience_scores"].value
        assert "![experience scores](data:image/png;base64," in scores
        # 30 views: experience 0 (the failure), two in 50-60, 26 in 90-100, one without a score
        assert "| experience_score | 1 | 0 | 0 | 0 | 0 | 2 | 0 | 0 | 0 | 26 | 1 |" in scores
