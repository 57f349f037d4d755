"""Retention insights on hand-made views and played ranges (insights.md "Audience retention",
quality switch shares): the daily marts, then the warehouse macros over their rows, each checked
against counts made by hand or a direct computation from the ranges."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pyarrow as pa
import pytest

from analytics_pipeline.lib.duck import load_sql
from analytics_pipeline.lib.marts import build_daily_marts
from analytics_pipeline_tests.test_marts_inputs import D, at, make_con, played, rows_by, view

D2 = D + timedelta(days=1)


def viewing(prefix: str, video_id: str, day, n: int, spans: list[tuple[float, float]], duration: float,
            **kw) -> tuple[list[dict], list[dict]]:
    """`n` views of `video_id` on `day` that play `spans` (in order) and stop at the last span's end."""
    sessions, ranges = [], []
    content = sum(e - s for s, e in spans)  # callers pass disjoint spans, or say completed
    for i in range(n):
        fields = dict(watch_time_s=content, content_watched_s=content, last_position_s=spans[-1][1],
                      completion_ratio=min(1.0, content / duration), completed=content / duration >= 0.9)
        row = view(f"{prefix}{i}", video_id, f"u-{prefix}{i}", at(day, 10, i), at(day, 10, i) + timedelta(seconds=50),
                   **{**fields, **kw})
        sessions.append(row)
        ranges += [played(row, s, e) for s, e in spans]
    return sessions, ranges


def replays(prefix: str, video_id: str, day, n: int, spans: list[tuple[float, float]]) -> tuple[list, list]:
    """Views that play the whole of a 100 s video once, then `spans` again (rewatches)."""
    sessions, ranges = viewing(prefix, video_id, day, n, [(0, 100)] + spans, 100.0, completed=True)
    return sessions, ranges


def warehouse(day_marts: dict, sessions: list[dict], ranges: list[dict]):
    """A connection like the warehouse: the lake relations, the daily marts' rows with `date`, the macros."""
    con = make_con(sessions=sessions, ranges=ranges)
    for name in ("video_daily", "video_heatmap_daily"):
        parts = [marts[name].append_column("date", pa.array([day] * marts[name].num_rows, pa.date32()))
                 for day, marts in day_marts.items()]
        con.register(f"__{name}_all", pa.concat_tables(parts))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM __{name}_all")
    con.execute(load_sql("warehouse/macros"))
    con.execute(load_sql("warehouse/retention_macros"))
    return con


def query(con, sql: str) -> list[dict]:
    rel = con.sql(sql)
    return [dict(zip(rel.columns, r)) for r in rel.fetchall()]


def by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def build(day, sessions, ranges, **kw):
    return build_daily_marts(make_con(sessions=sessions, ranges=ranges, **kw), day)


# -- spikes: the most rewatched segments, with enough replaying views ------------------------------

def spike_views(day):
    sessions, ranges = viewing("full", "v1", day, 20, [(0, 100)], 100.0)
    for prefix, span in (("r1-", (10, 20)), ("r3-", (30, 39)), ("r5-", (50, 58)), ("r7-", (70, 77))):
        s, r = replays(prefix, "v1", day, 3, [span])
        sessions, ranges = sessions + s, ranges + r
    # v2 (50 s): one view rewatches segment 2 five times (1 replaying view), three rewatch 40..45
    s, r = viewing("v2full", "v2", day, 20, [(0, 50)], 50.0)
    sessions, ranges = sessions + s, ranges + r
    s, r = viewing("v2loop", "v2", day, 1, [(0, 50)] + [(20, 30)] * 5, 50.0, completed=True)
    sessions, ranges = sessions + s, ranges + r
    s, r = viewing("v2tail", "v2", day, 3, [(0, 50), (40, 45)], 50.0, completed=True)
    return sessions + s, ranges + r


def test_spikes_are_the_top_three_segments_above_twice_the_mean_with_three_replaying_views():
    sessions, ranges = spike_views(D)
    marts = build(D, sessions, ranges)
    heat = rows_by(marts["video_heatmap_daily"], "video_id", "segment_index")
    assert (heat[("v1", 1)]["rewatch_s"], heat[("v1", 1)]["replay_views"]) == (30.0, 3)
    assert (heat[("v1", 7)]["rewatch_s"], heat[("v1", 7)]["replay_views"]) == (21.0, 3)
    assert (heat[("v2", 2)]["rewatch_s"], heat[("v2", 2)]["replay_views"]) == (50.0, 1)
    assert heat[("v1", 0)]["rewatch_s"] == 0.0 and heat[("v1", 0)]["views"] == 32

    moments = query(warehouse({D: marts}, sessions, ranges), f"SELECT * FROM key_moments(DATE '{D}', DATE '{D}')")
    # v1: rewatch 30, 27, 24, 21 over 10 segments, mean 10.2: all four qualify, the top three are kept;
    # intro: everyone is still there at 30 s. v2 (50 s, no intro): segment 2 has one replaying view,
    # segment 4's 15 s is under twice the mean (65 / 5 = 13).
    assert [(m["video_id"], m["kind"], m["segment_index"], m["value"]) for m in moments] == [
        ("v1", "intro", 3, 100.0), ("v1", "spike", 1, 30.0), ("v1", "spike", 3, 27.0), ("v1", "spike", 5, 24.0),
    ]


# -- dips: leaving points outside the last 10 %, against the median ----------------------------------

def dip_views(day):
    groups = {"F": (10, 70), "A": (4, 15), "B": (3, 35), "C": (4, 62), "E": (3, 45)}  # vh is 70 s long
    sessions, ranges = [], []
    for name, (n, end) in groups.items():
        s, r = viewing(f"dip{name}", "vh", day, n, [(0, end)], 70.0)
        sessions, ranges = sessions + s, ranges + r
    return sessions, ranges


def test_dips_are_above_twice_the_median_drop_off_rate_and_outside_the_last_tenth():
    sessions, ranges = dip_views(D)
    marts = build(D, sessions, ranges)
    con = warehouse({D: marts}, sessions, ranges)
    moments = query(con, f"SELECT kind, segment_index, value FROM key_moments(DATE '{D}', DATE '{D}') WHERE video_id = 'vh'")
    # body: segments 0..5 (end <= 63); rates 0, 4/24, 0, 3/20, 3/17, 0: median 0.075, so 3/20 = 0.15
    # qualifies exactly; segment 6 (4 of 14 leave at 62 s) is in the last 10 %.
    assert [(m["kind"], m["segment_index"]) for m in moments] == [("dip", 4), ("dip", 1), ("dip", 3), ("intro", 3)]
    assert [m["value"] for m in moments] == pytest.approx([3 / 17, 4 / 24, 3 / 20, 20 / 24 * 100])
    retention = by(query(con, f"SELECT * FROM video_retention(DATE '{D}', DATE '{D}') WHERE video_id = 'vh'"),
                   "segment_index")
    assert (retention[6]["drop_offs"], retention[6]["views"]) == (4, 14)
    assert retention[6]["drop_off_rate"] == pytest.approx(4 / 14)


def test_no_moment_for_a_video_under_20_views():
    sessions, ranges = dip_views(D)
    sessions, ranges = sessions[5:], [r for r in ranges if r["view_id"] not in {s["view_id"] for s in sessions[:5]}]
    marts = build(D, sessions, ranges)  # 19 views left
    con = warehouse({D: marts}, sessions, ranges)
    assert query(con, f"SELECT * FROM key_moments(DATE '{D}', DATE '{D}')") == []


# -- video_retention over a range, against a direct computation --------------------------------------

def direct_retention(sessions, ranges, video_id: str, duration: float) -> dict:
    """Per segment from the views and ranges themselves: union by 0.01 s steps, per view."""
    views = {s["view_id"]: s for s in sessions if s["video_id"] == video_id and s["counts_as_view"] and not s["is_bot"]}
    pieces = defaultdict(list)
    for r in ranges:
        if r["view_id"] in views:
            for seg in range(int(duration // 10)):
                lo, hi = max(r["range_start_s"], seg * 10), min(r["range_end_s"], seg * 10 + 10)
                if hi > lo:
                    pieces[(r["view_id"], seg)].append((lo, hi))
    out = {seg: dict(views=0, rewatch_s=0.0, replay_views=0, drop_offs=0) for seg in range(int(duration // 10))}
    for (_, seg), spans in pieces.items():
        covered = len({x for lo, hi in spans for x in range(round(lo * 100), round(hi * 100))}) / 100
        out[seg]["views"] += 1
        out[seg]["rewatch_s"] += sum(hi - lo for lo, hi in spans) - covered
        out[seg]["replay_views"] += sum(hi - lo for lo, hi in spans) - covered > 1e-9
    for v in views.values():
        if not v["completed"]:
            out[min(len(out) - 1, int(v["last_position_s"] // 10))]["drop_offs"] += 1
    for seg in out.values():
        seg["retention_pct"] = seg["views"] * 100 / len(views)
        seg["drop_off_rate"] = seg["drop_offs"] / seg["views"] if seg["views"] else None
    return out


def test_video_retention_over_two_days_adds_the_days_and_matches_the_views():
    day1 = spike_views(D)
    s2, r2 = dip_views(D2)
    s3, r3 = viewing("late", "v1", D2, 5, [(0, 42)], 100.0)  # v1 on the second day: 5 leave at 42 s
    day2 = (s2 + s3, r2 + r3)
    marts = {D: build(D, *day1), D2: build(D2, *day2)}
    sessions, ranges = day1[0] + day2[0], day1[1] + day2[1]
    con = warehouse(marts, sessions, ranges)
    rows = query(con, f"SELECT * FROM video_retention(DATE '{D}', DATE '{D2}')")
    for video_id, duration in (("v1", 100.0), ("v2", 50.0), ("vh", 70.0)):
        got = {r["segment_index"]: r for r in rows if r["video_id"] == video_id}
        expected = direct_retention(sessions, ranges, video_id, duration)
        assert set(got) == set(expected), video_id
        for seg, values in expected.items():
            for key, value in values.items():
                assert got[seg][key] == pytest.approx(value), (video_id, seg, key)
    v1 = {r["segment_index"]: r for r in rows if r["video_id"] == "v1"}
    assert v1[4]["video_views"] == 37 and v1[4]["drop_offs"] == 5  # 32 of D + 5 of D2
    # one day alone is that day's heatmap
    only_d2 = query(con, f"SELECT * FROM video_retention(DATE '{D2}', DATE '{D2}') WHERE video_id = 'v1'")
    assert [r["views"] for r in only_d2] == [5, 5, 5, 5, 5] + [0] * 5


# -- relative retention in a length bucket -----------------------------------------------------------

def test_relative_retention_compares_a_video_with_the_median_of_its_length_bucket():
    sessions = []
    for video_id, n, ratio in (("v1", 10, 0.8), ("vh", 10, 0.5), ("vp", 12, 0.6), ("v2", 12, 0.9), ("v3", 9, 0.2)):
        sessions += [view(f"rr-{video_id}-{i}", video_id, f"u{i}", at(D, 9, i), at(D, 9, i + 1), completion_ratio=ratio)
                     for i in range(n)]
    marts = build(D, sessions, [])
    rows = by(query(warehouse({D: marts}, sessions, []),
                    f"SELECT * FROM relative_retention(DATE '{D}', DATE '{D}')"), "video_id")
    # v3 has 9 views: out. 1-3m: v1 (100 s), vh (70 s), vp (60 s), median 0.6. <1m: v2 alone.
    assert set(rows) == {"v1", "vh", "vp", "v2"}
    assert {v: rows[v]["length_bucket"] for v in rows} == {"v1": "1-3m", "vh": "1-3m", "vp": "1-3m", "v2": "<1m"}
    assert all(rows[v]["bucket_median_completion"] == pytest.approx(0.6) for v in ("v1", "vh", "vp"))
    assert rows["v1"]["relative_retention"] == pytest.approx(0.8 / 0.6) and rows["v1"]["label"] == "above_typical"
    assert rows["vh"]["relative_retention"] == pytest.approx(0.5 / 0.6) and rows["vh"]["label"] == "below_typical"
    assert rows["vp"]["relative_retention"] == pytest.approx(1.0) and rows["vp"]["label"] == "typical"
    assert rows["v2"]["bucket_median_completion"] == pytest.approx(0.9)
    assert rows["v2"]["relative_retention"] is None and rows["v2"]["label"] is None


# -- reach and quality switch shares in video_daily -------------------------------------------------

def test_reach_needs_the_point_inside_a_range_and_a_seek_over_it_does_not_count():
    sessions, ranges = viewing("jump", "v1", D, 1, [(0, 20), (60, 80)], 100.0)  # seeks from 20 to 60
    s, r = viewing("edge", "v1", D, 1, [(0, 50)], 100.0)                       # ends exactly on 50
    s2, r2 = viewing("none", "v1", D, 1, [(0, 0.0001)], 100.0)
    s2[0]["watch_time_s"] = 0.0
    r2 = []  # a view without a played range
    daily = rows_by(build(D, sessions + s + s2, ranges + r + r2)["video_daily"], "video_id")["v1"]
    assert (daily["views"], daily["plays_started"]) == (3, 2)
    assert [daily[f"reached_{p}"] for p in (25, 50, 75, 95)] == [1, 1, 1, 0]


def test_switch_shares_count_the_video_days_counting_views_and_known_directions():
    sessions = [view("q1", "v1", "u1", at(D, 8), at(D, 9)), view("q2", "v1", "u2", at(D, 8), at(D, 9)),
                view("qbot", "v1", "bot", at(D, 8), at(D, 9), is_bot=True)]

    def change(view_id, direction):
        return dict(view_id=view_id, video_id="v1", occurred_at=at(D, 8), position_s=1.0, from_rendition=None,
                    to_rendition="720p", from_bitrate_kbps=None, to_bitrate_kbps=2800, direction=direction, date=D)

    changes = [change("q1", None), change("q1", "up"), change("q1", "down"), change("q2", None), change("q2", "up"),
               change("q2", "same"), change("qbot", "down"), change("qbot", "down")]
    daily = rows_by(build(D, sessions, [], quality_changes=changes)["video_daily"], "video_id")["v1"]
    assert (daily["quality_switches"], daily["up_switches"], daily["down_switches"]) == (4, 2, 1)
    assert (daily["up_switch_share"], daily["down_switch_share"]) == (0.5, 0.25)
    assert rows_by(build(D, sessions, [])["video_daily"], "video_id")["v1"]["up_switch_share"] is None
