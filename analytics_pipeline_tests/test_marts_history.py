"""Marts that reach beyond one day: visits, counters, viewer progress, period macros."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from analytics_pipeline.lib.marts import build_viewer_progress, create_period_macros
from analytics_pipeline_tests.test_marts_inputs import (
    D, SESSIONS, at, make_con, marts_of, played, rows_by, view,
)

# -- visits ---------------------------------------------------------------------------------------

def visit_sessions():
    prev, nxt = D - timedelta(1), D + timedelta(1)
    return [
        view("a", "v1", "w1", at(D, 10, 0), at(D, 10, 20), watch_time_s=600.0),
        view("b", "v2", "w1", at(D, 10, 40), at(D, 10, 50), watch_time_s=300.0, completed=True),
        view("c", "v1", "w1", at(D, 11, 30), at(D, 11, 35), watch_time_s=60.0),  # 40 min gap
        view("d", "v1", "w2", at(prev, 23, 50), at(D, 0, 10)),
        view("e", "v2", "w2", at(D, 0, 30), at(D, 0, 40)),  # continues d's visit of D-1
        view("f", "v3", "w2", at(D, 23, 45), at(D, 23, 55)),
        view("g", "v1", "w2", at(nxt, 0, 10), at(nxt, 0, 20)),  # continues f's visit past midnight
        view("h", "v1", "w3", at(D, 12, 0), at(D, 12, 1), counts_as_view=False, saves=1),
        view("i", "v1", "w3", at(D, 12, 20), at(D, 12, 30), watch_time_s=30.0),
        view("j", "v1", "bot", at(D, 12, 0), at(D, 12, 30), is_bot=True),
    ]


def test_visits_group_a_viewers_views_with_a_30_minute_gap():
    visits = rows_by(marts_of(D, sessions=visit_sessions())["viewer_sessions"], "visit_id")
    assert set(visits) == {"a", "c", "f", "h"}
    a = visits["a"]  # a + b: 10:00-10:50, two videos
    assert (a["viewer_id"], a["duration_s"], a["videos_viewed"], a["views"], a["completions"]) == (
        "w1", 3000.0, 2, 2, 1)
    assert (a["watch_time_s"], a["avg_watch_time_s"]) == (900.0, 450.0)
    assert visits["c"]["duration_s"] == 300.0
    f = visits["f"]  # f + g: 23:45 -> 00:20 next day, attributed to D
    assert (f["duration_s"], f["videos_viewed"], f["views"]) == (2100.0, 2, 2)
    h = visits["h"]  # engagement-only h keeps the visit alive; only i is a view
    assert (h["duration_s"], h["views"], h["saves"], h["engagement_rate"]) == (1800.0, 1, 1, 100.0)
    previous_day = rows_by(marts_of(D - timedelta(1), sessions=visit_sessions())["viewer_sessions"], "visit_id")
    assert set(previous_day) == {"d"} and previous_day["d"]["views"] == 2


# -- counters over a month boundary ---------------------------------------------------------------

COUNTER_DAYS = [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1), date(2024, 3, 2)]
COUNTER_VIEWS = {  # day -> {video: views}
    date(2024, 2, 28): {"v1": 2},
    date(2024, 2, 29): {"v2": 3},
    date(2024, 3, 1): {"v1": 1},
    date(2024, 3, 2): {"v2": 1},
}


def counter_sessions(views_per_day):
    rows = []
    for day, per_video in views_per_day.items():
        for video, n in per_video.items():
            for k in range(n):
                rows.append(view(f"{day}-{video}-{k}", video, f"u{k}", at(day, 12, k), at(day, 12, k + 1)))
    return rows


def build_counter_chain(views_per_day, days):
    sessions, prev, out = counter_sessions(views_per_day), None, {}
    for day in days:
        out[day] = marts_of(day, sessions=sessions, prev_counters=prev)["video_counters"]
        prev = out[day]
    return out


def counters(table):
    return {r["video_id"]: (r["views_today"], r["views_month_to_date"], r["views_total"]) for r in table.to_pylist()}


def test_counters_across_a_month_boundary_have_no_gaps():
    chain = build_counter_chain(COUNTER_VIEWS, COUNTER_DAYS)
    assert counters(chain[date(2024, 2, 28)]) == {"v1": (2, 2, 2)}
    assert counters(chain[date(2024, 2, 29)]) == {"v1": (0, 2, 2), "v2": (3, 3, 3)}
    assert counters(chain[date(2024, 3, 1)]) == {"v1": (1, 1, 3), "v2": (0, 0, 3)}  # month restarts
    assert counters(chain[date(2024, 3, 2)]) == {"v1": (0, 1, 3), "v2": (1, 1, 4)}


def test_rebuilding_a_day_with_a_late_view_and_the_days_after_it_gives_the_history_totals():
    late = {**COUNTER_VIEWS, date(2024, 2, 29): {"v2": 3, "v1": 1}}
    chain = build_counter_chain(late, COUNTER_DAYS)
    assert counters(chain[date(2024, 3, 2)]) == {"v1": (0, 1, 4), "v2": (1, 1, 4)}
    # Same numbers as counting every view of history directly, whatever the day.
    for day in COUNTER_DAYS:
        expected = {}
        for d, per_video in late.items():
            for video, n in per_video.items():
                if d <= day:
                    today, mtd, total = expected.get(video, (0, 0, 0))
                    expected[video] = (today + (n if d == day else 0),
                                       mtd + (n if (d.year, d.month) == (day.year, day.month) else 0), total + n)
        assert counters(chain[day]) == expected
    # A re-run of one day from the same previous row is identical (idempotent).
    again = marts_of(date(2024, 3, 1), sessions=counter_sessions(late),
                     prev_counters=chain[date(2024, 2, 29)])["video_counters"]
    assert again.equals(chain[date(2024, 3, 1)])


# -- viewer progress ------------------------------------------------------------------------------

PROGRESS_DAYS = [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)]


def progress_inputs():
    d1, d2, d3 = PROGRESS_DAYS
    p1 = view("g1", "v1", "u1", at(d1, 10), at(d1, 10, 10), watch_time_s=40.0, last_position_s=40.0)
    p2 = view("g2", "v1", "u1", at(d2, 10), at(d2, 10, 10), watch_time_s=50.0, last_position_s=10.0)
    p3 = view("g3", "v2", "u2", at(d2, 11), at(d2, 11, 10), watch_time_s=50.0, completed=True,
              last_position_s=50.0)
    p4 = view("g4", "v1", "u1", at(d3, 9), at(d3, 9, 10), watch_time_s=35.0, last_position_s=95.0)
    ranges = [played(p1, 0, 40), played(p2, 30, 70), played(p2, 0, 10), played(p3, 0, 50),
              played(p4, 60, 95)]
    return dict(sessions=[p1, p2, p3, p4], ranges=ranges)


def progress_chain():
    prev, out = None, {}
    for day in PROGRESS_DAYS:
        out[day] = build_viewer_progress(make_con(**progress_inputs(), prev_progress=prev), day)
        prev = out[day]
    return out


def test_viewer_progress_day_by_day():
    chain = progress_chain()
    after_d2 = rows_by(chain[PROGRESS_DAYS[1]], "viewer_id", "video_id")
    u1 = after_d2[("u1", "v1")]
    # union of [0,40) [30,70) [0,10) = [0,70): 70 of 100 s; the latest view ended at position 10.
    assert (u1["content_watched_s"], u1["progress_ratio"], u1["completed"]) == (70.0, 0.7, False)
    assert (u1["views"], u1["watch_time_s"], u1["last_position_s"]) == (2, 90.0, 10.0)
    assert u1["first_watched_at"] == at(PROGRESS_DAYS[0], 10) and u1["last_watched_at"] == at(PROGRESS_DAYS[1], 10, 10)
    assert after_d2[("u2", "v2")]["completed"] is True
    final = rows_by(chain[PROGRESS_DAYS[2]], "viewer_id", "video_id")
    # + [60,95) -> [0,95): 0.95 >= 0.9 completed, though no single view completed.
    assert (final[("u1", "v1")]["content_watched_s"], final[("u1", "v1")]["completed"]) == (95.0, True)
    assert final[("u1", "v1")]["watched_ranges"] == [{"start_s": 0.0, "end_s": 95.0}]
    assert final[("u2", "v2")]["views"] == 1  # untouched on d3, carried as is
    assert set(chain[PROGRESS_DAYS[2]].column("as_of_date").to_pylist()) == {PROGRESS_DAYS[2]}


def test_viewer_progress_backfill_at_once_equals_day_by_day_and_refuses_a_later_snapshot():
    chain = progress_chain()
    at_once = build_viewer_progress(make_con(**progress_inputs()), PROGRESS_DAYS[2])
    assert at_once.equals(chain[PROGRESS_DAYS[2]])
    with pytest.raises(ValueError, match="already as of"):
        build_viewer_progress(make_con(**progress_inputs(), prev_progress=chain[PROGRESS_DAYS[2]]), PROGRESS_DAYS[1])


# -- period macros --------------------------------------------------------------------------------

def test_period_macros_count_unique_viewers_over_the_range_not_summed():
    d1, d2 = D, D + timedelta(1)
    sessions = [
        view("m1", "v1", "u1", at(d1, 9), at(d1, 9, 5), watch_time_s=60.0, completed=True),
        view("m2", "v1", "u2", at(d1, 10), at(d1, 10, 5), watch_time_s=30.0),
        view("m3", "v1", "u1", at(d2, 9), at(d2, 9, 5), watch_time_s=10.0),  # u1 again
        view("m4", "v2", "u1", at(d2, 9), at(d2, 9, 5), watch_time_s=100.0),
        view("m5", "v3", "u3", at(d2, 9), at(d2, 9, 5), watch_time_s=20.0),
        *[view(f"mp{k}", "vp", f"u{k}", at(d2, 8), at(d2, 8, 5)) for k in range(5)],  # preview
        view("m6", "v3", "u9", at(d1 - timedelta(1), 9), at(d1 - timedelta(1), 9, 5)),  # outside
    ]
    con = make_con(sessions=sessions)
    create_period_macros(con)
    v1 = con.sql(f"SELECT * FROM video_stats('{d1}', '{d2}') WHERE video_id = 'v1'").to_arrow_table().to_pylist()[0]
    # daily uniques 2 (d1) + 1 (d2) = 3 summed; exact over the range: u1, u2 = 2.
    assert (v1["views"], v1["unique_viewers"], v1["watch_time_s"]) == (3, 2, 100.0)
    assert v1["completion_rate"] == pytest.approx(1 / 3)
    c1 = con.sql(f"SELECT * FROM course_stats('{d1}', '{d2}')").to_arrow_table().to_pylist()
    assert [(r["course_id"], r["views"], r["unique_viewers"]) for r in c1] == [("c1", 4, 2), ("c2", 1, 1)]
    platform = con.execute(f"SELECT * FROM platform_stats('{d1}', '{d2}')").fetchall()
    assert len(platform) == 1
    assert con.execute(f"SELECT views, unique_viewers FROM platform_stats('{d1}', '{d2}')").fetchall() == [(10, 5)]  # u1 u2 u3 + preview u0 u4
    k1 = con.execute(f"SELECT unique_viewers FROM creator_stats('{d1}', '{d2}') WHERE creator_id = 'k1'").fetchall()
    assert k1 == [(2,)]
    # vp has the most views but is a preview; v2 and v3 have 1 view each: more watch time first.
    popular = con.execute(f"SELECT video_id, rank FROM popular_videos('{d1}', '{d2}', 2)").fetchall()
    assert popular == [("v1", 1), ("v2", 2)]
    assert [r[0] for r in con.execute(f"SELECT video_id FROM popular_videos('{d1}', '{d2}', 10)").fetchall()] == [
        "v1", "v2", "v3"]


def test_macros_live_in_a_warehouse_file_over_parquet_and_work_read_only(tmp_path):
    import duckdb
    import pyarrow.parquet as pq

    d1, d2 = D, D + timedelta(1)
    sessions = pa.Table.from_pylist([
        view("w1", "v1", "u1", at(d1, 9), at(d1, 9, 5), watch_time_s=60.0),
        view("w2", "v1", "u1", at(d2, 9), at(d2, 9, 5), watch_time_s=40.0),
    ], schema=SESSIONS)
    for day in (d1, d2):
        part = tmp_path / "lake" / "playback_sessions" / f"date={day}"
        part.mkdir(parents=True)
        rows = sessions.filter(pa.compute.equal(sessions["date"], pa.scalar(day, pa.date32())))
        pq.write_table(rows.drop_columns(["date"]), part / "data.parquet")
    catalog = make_con().sql("SELECT * FROM video_catalog").to_arrow_table()
    pq.write_table(catalog, tmp_path / "catalog.parquet")
    path = str(tmp_path / "analytics.duckdb")
    con = duckdb.connect(path)
    con.execute(f"CREATE VIEW playback_sessions AS SELECT * FROM read_parquet('{tmp_path}/lake/playback_sessions/*/data.parquet', hive_partitioning = true)")
    con.execute(f"CREATE VIEW video_catalog AS SELECT * FROM read_parquet('{tmp_path}/catalog.parquet')")
    create_period_macros(con)
    con.close()
    ro = duckdb.connect(path, read_only=True)
    assert ro.execute(f"SELECT video_id, views, unique_viewers, watch_time_s FROM video_stats('{d1}', '{d2}')").fetchall() == [
        ("v1", 2, 1, 100.0)]
    assert ro.execute(f"SELECT views FROM video_stats(DATE '{d2}', DATE '{d2}')").fetchall() == [(1,)]
