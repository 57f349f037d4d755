"""Reconciliation rules of metrics.md "Provider figures", from hand-built stored provider answers.

Answers are written where a fetch or an export would put them, parsed by the real parser into
provider_video_daily, and reconciled against playback_sessions in the lake.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pyarrow as pa
import pytest

from analytics_pipeline.lib.providers import daily
from analytics_pipeline.lib.schemas import VIDEO_CATALOG
from analytics_pipeline.lib.storage import Storage

D = date(2026, 6, 16)
D2 = D + timedelta(days=1)
THRESHOLD = 0.10


def bunny_answer(views: dict[date, int], watch: dict[date, float]) -> bytes:
    """A Bunny statistics answer: a chart point for every day of its period (empty days as 0)."""
    return json.dumps({
        "viewsChart": {f"{d}T00:00:00Z": n for d, n in views.items()},
        "watchTimeChart": {f"{d}T00:00:00Z": s for d, s in watch.items()},
        "countryViewCounts": {}, "countryWatchTime": {}, "engagementScore": 50,
    }).encode()


def cloudflare_answer(groups: list[tuple[str, date, float]]) -> bytes:
    return json.dumps({"data": {"viewer": {"accounts": [{"streamMinutesViewedAdaptiveGroups": [
        {"dimensions": {"uid": uid, "date": str(day), "clientCountryName": "US"}, "sum": {"minutesViewed": minutes}}
        for uid, day, minutes in groups]}]}}, "errors": None}).encode()


def sessions(spec: dict[str, tuple[int, float]]) -> pa.Table:
    rows = []
    for video_id, (views, watch_each) in spec.items():
        rows += [{"view_id": f"{video_id}-{i}", "video_id": video_id, "counts_as_view": True, "is_bot": False,
                  "watch_time_s": float(watch_each)} for i in range(views)]
    return pa.Table.from_pylist(rows)


@pytest.fixture
def lake(tmp_path):
    storage = Storage(str(tmp_path))
    base = {n: None for n in VIDEO_CATALOG.names}
    catalog = [{**base, "video_id": f"b{i}", "title": f"b{i}", "provider": "bunny", "provider_video_id": f"g{i}"}
               for i in range(1, 6)]
    catalog += [{**base, "video_id": f"c{i}", "title": f"c{i}", "provider": "cloudflare", "provider_video_id": f"u{i}"}
                for i in range(1, 3)]
    catalog += [{**base, "video_id": "s1", "title": "s1", "provider": "self"}]
    storage.write_snapshot("video_catalog", pa.Table.from_pylist(catalog, schema=VIDEO_CATALOG))
    return storage


def reconcile(storage: Storage, day: date) -> dict[tuple[str, str], dict]:
    catalog = daily.read_catalog(storage)
    videos, _, _ = daily.provider_day_tables(storage, day, catalog)
    storage.write_partition("provider_video_daily", day, videos)
    table = daily.reconciliation_table(storage, day, catalog, THRESHOLD)
    assert "provider_missing" in table.column_names
    return {(r["provider"], r["video_id"]): r for r in table.to_pylist()}


def test_missing_video_days_are_marked_not_flagged_and_small_ones_are_noise(lake):
    lake.write_partition("playback_sessions", D, sessions({
        "b1": (20, 30.0), "b2": (9, 10.0), "b3": (12, 10.0), "b5": (11, 10.0),
        "c1": (15, 60.0), "c2": (4, 25.0), "s1": (30, 5.0),
    }))
    folder = f"landing/providers/bunny/{D}"
    # g1: an answer over two days; only D's point is compared: 30 vs our 20 views (+50 %)
    lake.write_bytes(f"{folder}/statistics_g1.json", bunny_answer({D - timedelta(1): 5, D: 30}, {D - timedelta(1): 1, D: 600}))
    # g2: 8 vs our 9 views (-11 %) and 80 s vs 90 s: fewer than 10 views on both sides
    lake.write_bytes(f"{folder}/statistics_g2.json", bunny_answer({D: 8}, {D: 80}))
    # g4: 12 views Bunny saw, none of ours
    lake.write_bytes(f"{folder}/statistics_g4.json", bunny_answer({D: 12}, {D: 300}))
    # g5: an answer of the day before only: it does not cover D, so b5 is missing from D's answers
    lake.write_bytes(f"{folder}/statistics_g5.json", bunny_answer({D - timedelta(1): 40}, {D - timedelta(1): 400}))
    # Cloudflare: u1 16 min = 960 s vs our 900 s; u2 absent from the answer
    lake.write_bytes(f"landing/providers/cloudflare/{D}/export.json", cloudflare_answer([("u1", D, 16)]))

    rows = reconcile(lake, D)

    assert set(rows) == {("bunny", v) for v in ("b1", "b2", "b3", "b4", "b5")} | {("cloudflare", "c1"), ("cloudflare", "c2")}
    b1, b2, b4 = rows[("bunny", "b1")], rows[("bunny", "b2")], rows[("bunny", "b4")]
    assert (b1["views_ours"], b1["views_theirs"], b1["views_rel_diff"], b1["flagged"]) == (20, 30, 0.5, True)
    assert b2["views_rel_diff"] == pytest.approx(-1 / 9) and b2["flagged"] is False  # noise
    assert (b4["views_ours"], b4["views_theirs"], b4["flagged"]) == (0, 12, True)
    for key in (("bunny", "b3"), ("bunny", "b5"), ("cloudflare", "c2")):
        row = rows[key]
        assert row["provider_missing"] is True and row["flagged"] is False, key
        assert (row["views_theirs"], row["watch_time_s_theirs"], row["views_rel_diff"], row["watch_time_rel_diff"]) == (
            None, None, None, None), key
        assert row["views_ours"] > 0
    c1 = rows[("cloudflare", "c1")]
    assert c1["provider_missing"] is False and c1["views_theirs"] is None
    assert c1["watch_time_rel_diff"] == pytest.approx(60 / 900) and c1["flagged"] is False
    assert not any(r["provider_missing"] for k, r in rows.items() if k not in {("bunny", "b3"), ("bunny", "b5"), ("cloudflare", "c2")})


def test_noise_ends_at_ten_views_on_either_side(lake):
    lake.write_partition("playback_sessions", D, sessions({"b1": (10, 10.0), "b2": (9, 10.0), "b3": (5, 10.0), "c2": (9, 10.0)}))
    folder = f"landing/providers/bunny/{D}"
    lake.write_bytes(f"{folder}/statistics_g1.json", bunny_answer({D: 5}, {D: 100}))   # ours 10: compared, -50 %
    lake.write_bytes(f"{folder}/statistics_g2.json", bunny_answer({D: 9}, {D: 900}))   # 9 / 9 views: noise, even at +900 % watch
    lake.write_bytes(f"{folder}/statistics_g3.json", bunny_answer({D: 10}, {D: 50}))   # theirs 10: compared, +100 %
    # Cloudflare counts no views: with fewer than 10 of ours, the row is noise
    lake.write_bytes(f"landing/providers/cloudflare/{D}/export.json", cloudflare_answer([("u2", D, 60)]))

    rows = reconcile(lake, D)

    assert {k[1]: r["flagged"] for k, r in rows.items()} == {"b1": True, "b2": False, "b3": True, "c2": False}
    assert rows[("bunny", "b2")]["watch_time_rel_diff"] == pytest.approx(9.0)


def test_a_day_no_provider_answer_covers_is_not_compared(lake):
    lake.write_partition("playback_sessions", D2, sessions({"b1": (25, 10.0), "c1": (25, 10.0)}))
    # stored in D2's folder, but covering the day before only; no Cloudflare group of D2
    lake.write_bytes(f"landing/providers/bunny/{D2}/statistics_g1.json", bunny_answer({D: 3}, {D: 30}))
    lake.write_bytes(f"landing/providers/cloudflare/{D2}/export.json", cloudflare_answer([("u1", D, 9)]))

    assert reconcile(lake, D2) == {}
