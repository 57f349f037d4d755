"""The course and creator period macros (insights.md "Courses", "Viewers and creators") and the
viewer counts of the daily marts, on small hand-built views: struggle lectures, the engagement
trend, a funnel, a creator's top list, new vs returning viewers, the seed counters' 24-hour rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from analytics_pipeline.lib.marts import create_period_macros
from analytics_pipeline.lib.marts_schemas import VIDEO_COUNTED_VIEWS, VIEWER_FIRST_VIEWS
from analytics_pipeline_tests.test_learners import LESSONS, day, lesson_view
from analytics_pipeline_tests.test_marts_inputs import D, at, make_con, marts_of, rows_by, view


def macro_con(views):
    con = make_con(sessions=[v for v, _ in views], ranges=[r for _, r in views], catalog=LESSONS)
    create_period_macros(con)
    return con


def lecture_views(video: str, n: int, completed: int, on: int = 10, rewatch_s: float = 0.0, prefix: str = ""):
    """n views of a lecture by n learners, `completed` of them complete; each plays 50 s of content,
    plus `rewatch_s` seconds played again."""
    out = []
    for k in range(n):
        row, rng = lesson_view(f"{prefix}{video}-{k}", video, f"{prefix}{video}-w{k}", on,
                               watched=(0, 95 if k < completed else 50))
        row["watch_time_s"] += rewatch_s
        out.append((row, rng))
    return out


def struggle_fixture():
    # completion: l1 8/12, l2 2/10, l3 6/10 -> median 0.6: l2 (0.2 <= 0.3) struggles.
    # rewatch share: l1 0, l2 0, l3 40/ (6*95+4*50+40) = 0.049 -> median 0: l3 struggles (>= 0.02).
    # p9 is a preview with many views and no completion: never a lecture.
    return (lecture_views("l1", 12, 8) + lecture_views("l2", 10, 2)
            + lecture_views("l3", 9, 6) + lecture_views("l3", 1, 0, rewatch_s=40.0, prefix="r")
            + lecture_views("p9", 20, 0))


def test_course_report_most_watched_struggle_lectures_and_learners():
    con = macro_con(struggle_fixture())
    [c9] = con.sql(f"SELECT * FROM course_report('{day(4)}', '{day(10)}') WHERE course_id = 'c9'").to_arrow_table().to_pylist()
    assert (c9["views"], c9["lectures_total"], c9["learners_active"], c9["learners_new"]) == (52, 3, 52, 52)
    assert c9["most_watched_lectures"] == ["l1", "l2", "l3"]  # l2 and l3 tie on 10 views: lecture order
    assert c9["struggle_lectures"] == ["l2", "l3"]  # in lecture order (l2 is position 1)
    assert c9["engagement_trend"] is None  # 7 days
    # a lecture under 10 views is not judged: l3 down to 9 views (the rewatcher gone)
    con = macro_con(struggle_fixture()[:-21] + lecture_views("p9", 20, 0))
    assert con.execute(f"SELECT struggle_lectures FROM course_report('{day(10)}', '{day(10)}')").fetchall() == [(["l2"],)]


def test_learners_new_in_a_course_report_are_those_whose_first_view_is_in_the_range():
    views = [lesson_view("e0", "l1", "early", 1), lesson_view("e1", "l2", "early", 5),
             lesson_view("n1", "l2", "fresh", 5, user="u-fresh"), lesson_view("n2", "l1", "fresh-phone", 6, user="u-fresh")]
    con = macro_con(views)
    [(active, new)] = con.execute(f"SELECT learners_active, learners_new FROM course_report('{day(5)}', '{day(6)}')").fetchall()
    assert (active, new) == (2, 1)  # u-fresh once across two devices; "early" started on day 1


def test_engagement_trend_compares_the_last_7_days_with_the_7_before():
    views = lecture_views("l1", 10, 0, on=2) + lecture_views("l1", 11, 0, on=10, prefix="b")
    con = macro_con(views)

    def trend(first: int, last: int):
        return con.execute(f"SELECT engagement_trend FROM course_report('{day(first)}', '{day(last)}')").fetchall()[0][0]

    assert trend(0, 13) == "rising"   # days 7-13: 11 views, days 0-6: 10 -> 1.1 x
    assert trend(4, 17) == "falling"  # days 11-17: 0, days 4-10: 11
    assert trend(0, 12) is None       # 13 days
    views = lecture_views("l1", 10, 0, on=2) + lecture_views("l1", 10, 0, on=10, prefix="b")
    assert macro_con(views).execute(f"SELECT engagement_trend FROM course_report('{day(0)}', '{day(13)}')").fetchall() == [
        ("stable",)]


def test_course_funnel_counts_the_starters_of_the_range_lecture_by_lecture():
    views = [lesson_view("f0a", "l2", "f0", 0, watched=(0, 100)),  # started before the range: not counted
             lesson_view("f0b", "l1", "f0", 2, watched=(0, 100)),
             lesson_view("f1a", "l2", "f1", 1, watched=(0, 100)),
             lesson_view("f1b", "l1", "f1", 3),
             lesson_view("f2a", "l2", "f2-phone", 2, user="f2"),
             lesson_view("f2b", "l2", "f2-laptop", 3, user="f2", watched=(0, 95)),  # completed on the other device
             lesson_view("f3a", "l2", "f3", 5, watched=(0, 100))]                    # starts after the range
    rows = macro_con(views).sql(f"SELECT * FROM course_funnel('{day(1)}', '{day(3)}') WHERE course_id = 'c9'").to_arrow_table().to_pylist()
    assert [(r["lecture_id"], r["position"], r["learners_started"], r["learners_completed"]) for r in rows] == [
        ("l2", 1, 2, 2), ("l1", 2, 1, 0), ("l3", 3, 0, 0)]
    assert [r["share_of_starters"] for r in rows] == [1.0, 0.0, 0.0]


def test_creator_top_videos_ranks_by_views_then_watch_time_previews_excluded():
    views = (lecture_views("l1", 3, 0) + lecture_views("l2", 2, 0) + lecture_views("l3", 2, 2)
             + lecture_views("p9", 9, 0) + lecture_views("m1", 1, 0))
    con = macro_con(views)
    top = con.execute(f"SELECT creator_id, rank, video_id, views FROM creator_top_videos('{day(10)}', '{day(10)}', 2)").fetchall()
    assert top == [("k8", 1, "m1", 1), ("k9", 1, "l1", 3), ("k9", 2, "l3", 2)]  # l3 beats l2 on watch time


def test_new_and_returning_viewers_add_up_to_unique_viewers():
    sessions = [view("a", "v1", "old", at(D, 9), at(D, 9, 5)), view("b", "v2", "old", at(D, 10), at(D, 10, 5)),
                view("c", "v1", "fresh", at(D, 11), at(D, 11, 5)),
                view("d", "v1", "botty", at(D, 11), at(D, 11, 5), is_bot=True),
                view("e", "v1", "engaged-only", at(D, 12), at(D, 12, 5), counts_as_view=False, saves=1)]
    earlier = pa.Table.from_pylist([dict(viewer_id="old", first_view_at=at(D - timedelta(3), 9), date=D - timedelta(3))],
                                   schema=VIEWER_FIRST_VIEWS.append(pa.field("date", pa.date32())))
    marts = marts_of(D, sessions=sessions, earlier_first_views=earlier)
    [platform] = marts["platform_daily"].to_pylist()
    assert (platform["unique_viewers"], platform["new_viewers"], platform["returning_viewers"]) == (2, 1, 1)
    assert marts["viewer_first_views"].to_pylist() == [dict(viewer_id="fresh", first_view_at=at(D, 11))]


def test_the_seed_counters_count_a_viewer_once_in_24_hours():
    prev_day = D - timedelta(1)
    counted_yesterday = pa.Table.from_pylist(
        [dict(view_id="y", viewer_id="w1", video_id="v1", started_at=at(prev_day, 10), date=prev_day)],
        schema=VIDEO_COUNTED_VIEWS.append(pa.field("date", pa.date32())))
    sessions = [
        view("a", "v1", "w1", at(D, 9, 59), at(D, 10, 1)),   # 23 h 59 after yesterday's counted view: not counted
        view("b", "v1", "w1", at(D, 10), at(D, 10, 2)),      # exactly 24 h after: counted
        view("c", "v1", "w1", at(D, 20), at(D, 20, 2)),      # within 24 h of b
        view("d", "v1", "w2", at(D, 8), at(D, 8, 1)),        # another viewer
        view("e", "v2", "w1", at(D, 8), at(D, 8, 1)),        # another video
        view("f", "v2", "w1", at(D, 9), at(D, 9, 1), is_bot=True),
    ]
    marts = marts_of(D, sessions=sessions, prev_counted=counted_yesterday)
    counters = rows_by(marts["video_counters"], "video_id")
    assert (counters["v1"]["views_today"], counters["v1"]["counted_views_today"]) == (4, 2)
    assert (counters["v2"]["views_today"], counters["v2"]["counted_views_today"]) == (1, 1)
    assert sorted(r["view_id"] for r in marts["video_counted_views"].to_pylist()) == ["b", "d", "e"]
    # without yesterday's counted view, a counts and b falls within its 24 hours
    fresh = marts_of(D, sessions=sessions)
    assert sorted(r["view_id"] for r in fresh["video_counted_views"].to_pylist()) == ["a", "d", "e"]


def test_counted_views_over_a_week_match_the_rule_applied_view_by_view():
    # one viewer, one video, a view every 20 hours: the rule counts a view whenever 24 h have passed
    start = datetime(2024, 3, 1, 0, tzinfo=timezone.utc)
    starts = [start + timedelta(hours=20 * k) for k in range(9)]
    sessions = [view(f"s{k}", "v1", "w", t, t + timedelta(minutes=1)) for k, t in enumerate(starts)]
    expected, last = [], None
    for k, t in enumerate(starts):
        if last is None or t >= last + timedelta(hours=24):
            expected.append(f"s{k}")
            last = t
    counted, prev = [], None
    for d in sorted({t.date() for t in starts}):
        table = marts_of(d, sessions=sessions, prev_counted=prev)["video_counted_views"]
        counted += [r["view_id"] for r in table.to_pylist()]
        prev = table.append_column("date", pa.array([d] * table.num_rows, pa.date32()))
    assert counted == expected and len(expected) < len(starts)
