"""Daily marts on hand-made views, with hand-computed expectations (metrics.md, outputs.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics_pipeline.lib import marts_schemas
from analytics_pipeline.lib.marts import DAILY_MARTS, MART_INPUTS, build_daily_marts, input_days
from analytics_pipeline_tests.test_marts_inputs import (
    D, at, make_con, marts_of, played, rows_by, view,
)

# -- contract of the module ------------------------------------------------------------------

def test_outputs_match_their_schemas_and_have_no_date_even_on_an_empty_day():
    marts = marts_of(D)
    assert set(marts) == set(DAILY_MARTS)
    for name, table in marts.items():
        assert table.schema == marts_schemas.MART_SCHEMAS[name], name
        assert "date" not in table.schema.names
    platform = marts["platform_daily"].to_pylist()
    # A day without views: one platform row, zero counts, null rates (no division error).
    assert len(platform) == 1
    assert platform[0]["views"] == 0 and platform[0]["unique_viewers"] == 0
    assert platform[0]["completion_rate"] is None and platform[0]["engagement_score"] is None
    assert platform[0]["rebuffer_ratio"] is None and platform[0]["startup_time_ms_p50"] is None
    assert platform[0]["peak_concurrent_views"] == 0 and platform[0]["videos_with_views"] == 0
    assert all(marts[n].num_rows == 0 for n in DAILY_MARTS if n != "platform_daily")


def test_mart_inputs_name_only_the_days_each_mart_needs():
    days = input_days(D)
    assert days["playback_sessions"] == ("playback_sessions", [D - timedelta(1), D, D + timedelta(1)])
    assert days["prev_video_counters"] == ("video_counters", [D - timedelta(1)])
    assert days["played_ranges"] == ("played_ranges", [D])
    assert days["video_catalog"] == ("video_catalog", None)
    assert input_days(D, ("course_daily",))["playback_sessions"][1] == [D]
    assert MART_INPUTS["video_daily"]["playback_sessions"].days == (-1, 0)


# -- peak concurrency ------------------------------------------------------------------------

def test_peak_concurrency_counts_overlaps_and_views_begun_the_day_before():
    prev = D - timedelta(1)
    sessions = [
        view("p1", "v1", "u1", at(prev, 23, 50), at(D, 0, 20)),  # day D-1, still active on D
        view("p2", "v1", "u2", at(D, 0, 10), at(D, 0, 40)),
        view("p3", "v2", "u3", at(D, 0, 15), at(D, 0, 30)),
        view("p4", "v2", "u4", at(D, 0, 30), at(D, 0, 45)),  # starts as p3 ends: not together
        view("p5", "v1", "bot", at(D, 0, 0), at(D, 1, 0), is_bot=True),
        view("p6", "v2", "u5", at(D, 0, 16), at(D, 0, 25), counts_as_view=False, saves=1),
        view("p7", "v1", "u6", at(prev, 22, 0), at(prev, 23, 0)),  # over before D
        view("p8", "v3", "u7", at(prev, 23, 30), at(D, 0, 5)),  # v3's only view: of D-1
    ]
    marts = marts_of(D, sessions=sessions)
    # 00:15-00:20: p1, p2, p3 active -> 3. v1: p1 + p2 over 00:10-00:20 -> 2. v2: p3, p4 touch -> 1.
    assert marts["platform_daily"].to_pylist()[0]["peak_concurrent_views"] == 3
    videos = rows_by(marts["video_daily"], "video_id")
    assert videos["v1"]["peak_concurrent_views"] == 2
    assert videos["v2"]["peak_concurrent_views"] == 1
    # p1 belongs to D-1 with all its metrics: v1's views on D = p2 only; p5 is a bot view.
    assert (videos["v1"]["views"], videos["v1"]["bot_views"]) == (1, 1)
    # p6 has no playback event: not a view, but its save counts.
    assert (videos["v2"]["views"], videos["v2"]["saves"]) == (2, 1)
    # v3 has no view of D but one of D-1 active until 00:05: a row with zero counts and its peak.
    v3 = videos["v3"]
    assert (v3["views"], v3["watch_time_s"], v3["completion_rate"], v3["peak_concurrent_views"]) == (0, 0.0, None, 1)
    assert marts["platform_daily"].to_pylist()[0]["views"] == 3  # p2, p3, p4


def test_nested_views_of_one_video_peak_at_three():
    sessions = [
        view("q1", "v3", "u1", at(D, 10, 0), at(D, 10, 30)),
        view("q2", "v3", "u2", at(D, 10, 5), at(D, 10, 20)),
        view("q3", "v3", "u3", at(D, 10, 10), at(D, 10, 15)),
        view("q4", "v3", "u4", at(D, 10, 30), at(D, 10, 40)),
    ]
    marts = marts_of(D, sessions=sessions)
    # 10:10-10:15 all of q1, q2, q3 (a count of views starting per minute would say 1).
    assert rows_by(marts["video_daily"], "video_id")["v3"]["peak_concurrent_views"] == 3
    assert marts["platform_daily"].to_pylist()[0]["peak_concurrent_views"] == 3


# -- aggregates over videos, courses, creators, the platform -----------------------------------

def entity_sessions():
    t = at(D, 9)
    return [
        view("s1", "v1", "u1", t, t + timedelta(minutes=2), watch_time_s=80.0, completion_ratio=0.95,
             completed=True, engaged=True, saves=1),
        view("s2", "v2", "u1", t, t + timedelta(minutes=1), watch_time_s=20.0, completion_ratio=0.4),
        view("s3", "v3", "u2", t, t + timedelta(minutes=1), watch_time_s=25.0, completion_ratio=1.0,
             completed=True, engaged=True, shares=1),
        view("s4", "v3", "u3", t, t + timedelta(minutes=1), watch_time_s=5.0, completion_ratio=0.2, skips=1),
        view("s5", "v3", "u2", t, t + timedelta(minutes=1), counts_as_view=False, clicks=1),
        view("s6", "v1", "bot", t, t + timedelta(minutes=1), is_bot=True, saves=5, watch_time_s=99.0),
        view("s7", "vp", "u4", t, t + timedelta(minutes=1), watch_time_s=10.0, completion_ratio=10 / 60),
    ]


def test_course_counts_a_viewer_of_two_of_its_videos_once():
    marts = marts_of(D, sessions=entity_sessions())
    c1 = rows_by(marts["course_daily"], "course_id")["c1"]
    # s1 (v1) and s2 (v2), both by u1; the bot view s6 only in bot_views.
    assert (c1["views"], c1["unique_viewers"], c1["bot_views"], c1["engaged_views"]) == (2, 1, 1, 1)
    assert c1["watch_time_s"] == 100.0 and c1["avg_watch_time_s"] == 50.0
    assert (c1["completions"], c1["completion_rate"], c1["unique_completers"]) == (1, 0.5, 1)
    assert c1["avg_completion_ratio"] == pytest.approx((0.95 + 0.4) / 2)
    assert (c1["saves"], c1["engagement_rate"]) == (1, 50.0)  # 1 / 2 * 100, bot saves excluded
    assert c1["engagement_score"] == pytest.approx(35.0)  # (40*1 + 30*1) / 2
    # v1 and v2 have one view each: the tie goes to more watch time (80 s > 20 s).
    assert (c1["videos_watched"], c1["most_viewed_video_id"], c1["least_completed_video_id"]) == (2, "v1", "v2")
    c2 = rows_by(marts["course_daily"], "course_id")["c2"]
    # s3 + s4 are views; s5 (engagement only) brings its click.
    assert (c2["views"], c2["unique_viewers"], c2["shares"], c2["clicks"], c2["skips"]) == (2, 2, 1, 1, 1)
    assert c2["engagement_rate"] == 100.0  # (0 + 1 + 1) / 2 * 100
    assert c2["engagement_score"] == pytest.approx(25.0)  # (40*1 + 20*1 + 10*1 - 20*1) / 2
    assert set(rows_by(marts["course_daily"], "course_id")) == {"c1", "c2"}  # vp has no course


def test_creator_and_platform_aggregates():
    marts = marts_of(D, sessions=entity_sessions())
    creators = rows_by(marts["creator_daily"], "creator_id")
    k2 = creators["k2"]
    # v3: s3 (u2), s4 (u3); vp: s7 (u4).
    assert (k2["views"], k2["unique_viewers"], k2["videos_watched"]) == (3, 3, 2)
    # scores: v3 = 25 (above), vp = 0 -> v3.
    assert k2["top_video_id"] == "v3"
    assert creators["k1"]["top_video_id"] == "v1"  # v1: (40 + 30) / 1 = 70, v2: 0
    p = marts["platform_daily"].to_pylist()[0]
    assert (p["views"], p["unique_viewers"], p["bot_views"]) == (5, 4, 1)
    assert p["watch_time_s"] == 140.0  # 80 + 20 + 25 + 5 + 10
    assert (p["completions"], p["completion_rate"]) == (2, 0.4)
    assert p["engagement_rate"] == pytest.approx(60.0)  # (1 + 1 + 1) / 5 * 100
    assert p["engagement_score"] == pytest.approx(24.0)  # (80 + 30 + 20 + 10 - 20) / 5
    # per-video completion rates: v1 1.0 high, v3 0.5 medium, v2 0 and vp 0 low.
    assert p["videos_with_views"] == 4
    assert (p["videos_completion_high"], p["videos_completion_medium"], p["videos_completion_low"]) == (1, 1, 2)


def test_engagement_score_is_clamped_to_0_100():
    t = at(D, 9)
    marts = marts_of(D, sessions=[
        view("e1", "v1", "u1", t, t, completed=True, saves=3, shares=3),  # 40 + 90 + 60 = 190 -> 100
        view("e2", "v2", "u1", t, t, skips=2),  # -40 -> 0
    ])
    videos = rows_by(marts["video_daily"], "video_id")
    assert videos["v1"]["engagement_score"] == 100.0 and videos["v2"]["engagement_score"] == 0.0


def qoe_sessions():
    t = at(D, 14)
    mobile = dict(device_type="mobile", browser="Safari", os="iOS", country="DE", player="bunny")
    return [
        view("r1", "v1", "u1", t, t + timedelta(minutes=3), watch_time_s=120.0, rebuffer_count=2,
             rebuffer_s=30.0, startup_time_ms=1000.0),
        view("r2", "v1", "u2", t, t + timedelta(seconds=20), exited_before_start=True),
        view("r3", "v1", "u3", t, t + timedelta(minutes=2), watch_time_s=60.0, rebuffer_count=1,
             rebuffer_s=10.0, startup_time_ms=3000.0, playback_failed=True, **mobile),
        view("r4", "v1", "u4", t, t + timedelta(seconds=5), startup_failed=True, playback_failed=True, **mobile),
    ]


def test_quality_of_experience_per_video_and_per_platform_group():
    marts = marts_of(D, sessions=qoe_sessions())
    v1 = rows_by(marts["video_daily"], "video_id")["v1"]
    assert (v1["rebuffer_count"], v1["rebuffer_s"], v1["watch_time_s"]) == (3, 40.0, 180.0)
    assert v1["rebuffer_ratio"] == pytest.approx(40 / 220)  # 40 / (40 + 180)
    assert v1["rebuffers_per_minute"] == pytest.approx(1.0)  # 3 / (180 / 60)
    assert (v1["ebvs_rate"], v1["startup_failure_rate"], v1["playback_failure_rate"]) == (0.25, 0.25, 0.5)
    # quantile_cont over [1000, 3000]: p50 = 2000, p95 = 1000 + 0.95 * 2000 = 2900.
    assert (v1["startup_time_ms_p50"], v1["startup_time_ms_p95"]) == (2000.0, 2900.0)
    qoe = rows_by(marts["qoe_daily"], "device_type")
    assert set(qoe) == {"desktop", "mobile"}
    desktop, mobile = qoe["desktop"], qoe["mobile"]
    assert (desktop["views"], desktop["ebvs_rate"], desktop["startup_time_ms_p95"]) == (2, 0.5, 1000.0)
    assert desktop["rebuffer_ratio"] == pytest.approx(30 / 150)
    assert desktop["rebuffers_per_minute"] == pytest.approx(1.0)  # 2 / (120 / 60)
    assert (mobile["browser"], mobile["os"], mobile["country"], mobile["player"]) == ("Safari", "iOS", "DE", "bunny")
    assert (mobile["startup_failure_rate"], mobile["playback_failure_rate"]) == (0.5, 1.0)
    assert mobile["rebuffer_ratio"] == pytest.approx(10 / 70)


def test_a_video_with_views_but_no_watch_time_has_null_time_ratios():
    t = at(D, 8)
    marts = marts_of(D, sessions=[view("x1", "v2", "u1", t, t, exited_before_start=True)])
    v2 = rows_by(marts["video_daily"], "video_id")["v2"]
    assert (v2["views"], v2["ebvs_rate"], v2["rebuffer_ratio"], v2["rebuffers_per_minute"]) == (1, 1.0, None, None)


# -- platform ingest figures ---------------------------------------------------------------------

def test_platform_ingest_figures_event_day_and_arrival_day():
    prev = D - timedelta(1)
    audit = [
        dict(arrival_date=D, source_file="a.jsonl", lines_read=60, accepted=55, duplicates=3,
             quarantined=2, late_events=4, unknown_video_events=1, date=D),
        dict(arrival_date=D, source_file="b.jsonl", lines_read=12, accepted=10, duplicates=0,
             quarantined=2, late_events=1, unknown_video_events=0, date=D),
        dict(arrival_date=prev, source_file="c.jsonl", lines_read=9, accepted=1, duplicates=7,
             quarantined=1, late_events=9, unknown_video_events=9, date=prev),
    ]
    counts = [dict(date=D, events=120), dict(date=prev, events=50)]
    p = marts_of(D, audit=audit, day_counts=counts)["platform_daily"].to_pylist()[0]
    assert (p["events_accepted"], p["duplicates"], p["quarantined"], p["late_events"]) == (120, 3, 4, 5)
    assert p["unknown_video_events"] == 1


# -- heatmap and renditions ---------------------------------------------------------------------

def heatmap_inputs():
    t = at(D, 16)
    h1 = view("h1", "vh", "u1", t, t + timedelta(minutes=2), last_position_s=20.0)
    h2 = view("h2", "vh", "u2", t, t + timedelta(minutes=2), last_position_s=50.0)
    h3 = view("h3", "vh", "u1", t, t + timedelta(minutes=1), last_position_s=45.0)
    h4 = view("h4", "vh", "u3", t, t + timedelta(seconds=9), exited_before_start=True, last_position_s=0.0)
    h5 = view("h5", "vh", "u4", t, t + timedelta(minutes=2), last_position_s=60.0)
    h6 = view("h6", "vh", "bot", t, t + timedelta(minutes=2), is_bot=True, last_position_s=3.0)
    ranges = [
        played(h1, 0, 25), played(h1, 25, 35, "720p"), played(h1, 10, 20, "1080p"),  # a rewatch
        played(h2, 0, 50, "1080p"),
        played(h3, 30, 45, "720p"),
        played(h5, 0, 60, "480p"),
        played(h6, 0, 70, "1080p"),
    ]
    return dict(sessions=[h1, h2, h3, h4, h5, h6], ranges=ranges)


def test_heatmap_covers_every_segment_with_zeros_and_drop_offs():
    heat = marts_of(D, **heatmap_inputs())["video_heatmap_daily"]
    # vh: catalog duration 70 s -> segments 0..6; 5 views (h1..h5), the bot h6 ignored.
    got = [(r["segment_index"], r["views"], r["unique_viewers"], r["watch_time_s"], r["drop_offs"],
            r["retention_pct"]) for r in heat.to_pylist()]
    assert got == [
        (0, 3, 3, 30.0, 1, 60.0),  # h1 h2 h5 10 s each; h4 dropped at 0
        (1, 3, 3, 40.0, 0, 60.0),  # h1 10 + h1 rewatch 10, h2 10, h5 10
        (2, 3, 3, 30.0, 1, 60.0),  # h1 5 + 5, h2 10, h5 10; h1 dropped at 20
        (3, 4, 3, 35.0, 0, 80.0),  # h1 5, h2 10, h3 10 (u1 again), h5 10
        (4, 3, 3, 25.0, 1, 60.0),  # h2 10, h3 5, h5 10; h3 dropped at 45
        (5, 1, 1, 10.0, 1, 20.0),  # h5 10; h2 dropped at 50
        (6, 0, 0, 0.0, 1, 0.0),  # nobody played it; h5 dropped at 60
    ]
    assert heat.column("segment_start_s").to_pylist()[6] == 60.0


def test_heatmap_duration_falls_back_to_the_views_largest_duration():
    t = at(D, 7)
    w = view("w1", "unknown-video", "u1", t, t + timedelta(minutes=1), duration_s=21.0,
             last_position_s=21.0, completed=True)
    heat = marts_of(D, sessions=[w], ranges=[played(w, 0, 21)])["video_heatmap_daily"]
    # ceil(21 / 10) = 3 segments: 10 + 10 + 1 played seconds; completed, so no drop-off.
    assert heat.column("watch_time_s").to_pylist() == [10.0, 10.0, 1.0]
    assert heat.column("drop_offs").to_pylist() == [0, 0, 0]


def test_rendition_shares_of_played_seconds():
    rend = rows_by(marts_of(D, **heatmap_inputs())["rendition_daily"], "rendition")
    # unknown: h1 0-25 = 25; 720p: h1 10 + h3 15 = 25; 1080p: h1 10 + h2 50 = 60; 480p: h5 60.
    total = 170.0
    assert {r: (v["views"], v["watch_time_s"]) for r, v in rend.items()} == {
        "unknown": (1, 25.0), "720p": (2, 25.0), "1080p": (2, 60.0), "480p": (1, 60.0),
    }
    assert rend["1080p"]["share_of_watch_time"] == pytest.approx(60 / total)
    assert sum(v["share_of_watch_time"] for v in rend.values()) == pytest.approx(1.0)



def test_a_one_day_period_equals_the_daily_mart():
    con = make_con(sessions=entity_sessions())
    daily = rows_by(build_daily_marts(con, D)["video_daily"], "video_id")
    period = rows_by(con.sql(f"SELECT * FROM video_stats('{D}', '{D}')").to_arrow_table(), "video_id")
    for video, row in daily.items():
        for column in ("views", "unique_viewers", "watch_time_s", "engagement_score", "completion_rate"):
            assert period[video][column] == row[column]


def test_rows_of_days_a_mart_does_not_need_change_nothing():
    def shifted(rows, days):
        out = []
        for r in rows:
            moved = {**r, "view_id": f"{r['view_id']}+{days}", "session_id": f"{r['view_id']}+{days}"}
            for k in ("started_at", "ended_at", "from_at", "to_at"):
                if k in moved:
                    moved[k] = r[k] + timedelta(days=days)
            moved["date"] = r["date"] + timedelta(days=days)
            out.append(moved)
        return out

    base = dict(sessions=entity_sessions() + qoe_sessions() + heatmap_inputs()["sessions"],
                ranges=heatmap_inputs()["ranges"])
    alone = marts_of(D, **base)
    crowded = marts_of(D, sessions=base["sessions"] + shifted(base["sessions"], -3) + shifted(base["sessions"], 3),
                       ranges=base["ranges"] + shifted(base["ranges"], -3) + shifted(base["ranges"], 3))
    for name in DAILY_MARTS:
        assert crowded[name].equals(alone[name]), name
