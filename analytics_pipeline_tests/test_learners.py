"""Learners and courses (insights.md "Learners", "Courses"), on small hand-built views run through
the real SQL: learner_course_progress statuses at their day boundaries, progress across devices,
next lecture, weekly attendance and cohorts, course_daily's learners."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
from pytest import approx

from analytics_pipeline.lib.learners import at_risk_courses, build_learner_tables, week_start
from analytics_pipeline.lib.marts import build_viewer_progress
from analytics_pipeline_tests.test_marts_inputs import make_con, marts_of, played, rows_by, view

D0 = date(2024, 3, 4)  # a Monday
UTC = timezone.utc

# course c9: lectures ordered by position l2, l1, l3 (not by id); p9 is a preview.
# course c8: no positions: published_at orders m2 before m1; m3 has none, so it comes last.
LESSONS = [
    dict(video_id="l1", title="Lecture one", duration_s=100.0, course_id="c9", creator_id="k9", is_preview=False, position=2),
    dict(video_id="l2", title="Lecture two", duration_s=100.0, course_id="c9", creator_id="k9", is_preview=False, position=1),
    dict(video_id="l3", title="Lecture three", duration_s=100.0, course_id="c9", creator_id="k9", is_preview=False, position=3),
    dict(video_id="p9", title="Preview", duration_s=100.0, course_id="c9", creator_id="k9", is_preview=True),
    dict(video_id="m1", title="M one", duration_s=100.0, course_id="c8", creator_id="k8", is_preview=False,
         published_at=datetime(2024, 1, 2, tzinfo=UTC)),
    dict(video_id="m2", title="M two", duration_s=100.0, course_id="c8", creator_id="k8", is_preview=False,
         published_at=datetime(2024, 1, 1, tzinfo=UTC)),
    dict(video_id="m3", title="M three", duration_s=100.0, course_id="c8", creator_id="k8", is_preview=False),
]
COURSE_OF = {v["video_id"]: (v["course_id"], v["creator_id"]) for v in LESSONS}


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def lesson_view(view_id: str, video: str, viewer: str, on: int, hour: int = 10, user: str | None = None,
                watched: tuple[float, float] = (0.0, 30.0), completed: bool | None = None, **kw) -> tuple[dict, dict]:
    """A counted view of a lesson on day(on) and its one played range."""
    start = datetime(day(on).year, day(on).month, day(on).day, hour, tzinfo=UTC)
    seconds = watched[1] - watched[0]
    course, creator = COURSE_OF[video]
    row = view(view_id, video, viewer, start, start + timedelta(minutes=5), user_id=user, course_id=course,
               creator_id=creator, duration_s=100.0, watch_time_s=seconds, content_watched_s=seconds,
               completion_ratio=seconds / 100, completed=seconds >= 90 if completed is None else completed,
               last_position_s=watched[1], **kw)
    return row, played(row, *watched)


def chain(views: list[tuple[dict, dict]], days: list[date]) -> dict[date, dict[str, pa.Table]]:
    """viewer_progress, learner_course_progress and the weekly tables, built day after day."""
    sessions, ranges = [v for v, _ in views], [r for _, r in views]
    progress = learners = None
    out = {}
    for d in days:
        con = make_con(sessions=sessions, ranges=ranges, catalog=LESSONS, prev_progress=progress,
                       prev_learner_progress=learners)
        progress = build_viewer_progress(con, d)
        tables = build_learner_tables(con, d, progress)
        learners = tables["learner_course_progress"]
        out[d] = {"viewer_progress": progress, **tables}
    return out


def status_of(built, d: date, learner: str, course: str = "c9") -> str:
    return rows_by(built[d]["learner_course_progress"], "learner_id", "course_id")[(learner, course)]["status"]


def test_statuses_at_their_day_boundaries():
    views = [lesson_view("a0", "l2", "a", 0)]  # a: one view on day 0, then nothing
    views += [lesson_view(f"b{n}", "l2", "b", n) for n in range(0, 20)]  # b: every day, never completes
    views += [lesson_view("c5", "l2", "c", 5, watched=(0, 100))]  # c: completes l2 on day 5 ...
    views += [lesson_view(f"c{n}", "l1", "c", n) for n in range(0, 20) if n != 5]  # ... watches daily
    built = chain(views, [day(n) for n in range(32)])
    # inactivity: 7 days active, 8 and 30 at risk, 31 dropped
    assert [status_of(built, day(n), "a") for n in (0, 7, 8, 30, 31)] == ["active", "active", "at_risk", "at_risk", "dropped"]
    a = rows_by(built[day(8)]["learner_course_progress"], "learner_id")["a"]
    assert (a["first_active_date"], a["last_active_date"], a["days_inactive"], a["active_days"]) == (day(0), day(0), 8, 1)
    # watching without completing: progress has not grown for 14 days from the first day on day 14
    assert [status_of(built, day(n), "b") for n in (13, 14)] == ["active", "at_risk"]
    # growth on day 5 restarts the 14 days
    assert [status_of(built, day(n), "c") for n in (13, 14, 18, 19)] == ["active", "active", "active", "at_risk"]
    c = rows_by(built[day(19)]["learner_course_progress"], "learner_id")["c"]
    assert (c["progress_grew_on"], c["lectures_started"], c["lectures_completed"], c["active_days"]) == (day(5), 2, 1, 20)
    assert c["progress_pct"] == approx(100 / 3) and c["watch_time_s"] == 100.0 + 19 * 30.0
    assert set(built[day(31)]["learner_course_progress"].column("as_of_date").to_pylist()) == {day(31)}


def test_a_signed_in_learner_is_one_learner_across_devices():
    # user u: first half of l2 on the phone (day 0), second half on the laptop (day 1): no view is
    # complete, their union is; then l1 and l3 completed, so the course is.
    views = [lesson_view("u-a", "l2", "phone", 0, user="u", watched=(0, 50)),
             lesson_view("u-b", "l2", "laptop", 1, user="u", watched=(50, 100)),
             lesson_view("u-c", "l1", "laptop", 2, user="u", watched=(0, 95)),
             lesson_view("u-d", "l3", "phone", 3, user="u", watched=(0, 100))]
    built = chain(views, [day(n) for n in range(5)])
    progress = built[day(1)]["viewer_progress"].to_pylist()
    assert [(r["learner_id"], r["video_id"], r["viewer_id"], r["completed"], r["content_watched_s"], r["last_position_s"])
            for r in progress] == [("u", "l2", "laptop", True, 100.0, 100.0)]
    steps = [rows_by(built[day(n)]["learner_course_progress"], "learner_id")["u"] for n in range(5)]
    assert [s["next_lecture_id"] for s in steps] == ["l2", "l1", "l3", None, None]  # l2 is position 1
    assert [s["lectures_completed"] for s in steps] == [0, 1, 2, 3, 3]
    assert [s["status"] for s in steps] == ["active", "active", "active", "completed", "completed"]
    assert steps[4]["completed_date"] == day(3) and steps[4]["progress_pct"] == 100.0


def test_lessons_without_positions_follow_published_at_then_id_and_previews_are_not_lectures():
    views = [lesson_view("p", "p9", "v", 0, watched=(0, 100)), lesson_view("q", "m2", "v", 0, watched=(0, 100))]
    built = chain(views, [day(0)])
    rows = rows_by(built[day(0)]["learner_course_progress"], "course_id")
    assert (rows["c9"]["lectures_total"], rows["c9"]["lectures_started"], rows["c9"]["next_lecture_id"]) == (3, 0, "l2")
    assert (rows["c8"]["lectures_completed"], rows["c8"]["next_lecture_id"]) == (1, "m1")  # m2, m1, m3


def test_weekly_attendance_and_cohorts():
    views = [lesson_view("x1a", "l2", "x1", 0), lesson_view("x1b", "l2", "x1", 8),   # cohort W0, back in W1
             lesson_view("x2", "l2", "x2", 2),                                        # cohort W0, gone
             lesson_view("x3", "l1", "x3", 7),                                        # cohort W1
             *[lesson_view(f"x4{v}", v, "x4", 0, watched=(0, 100)) for v in ("l1", "l2", "l3")]]  # done in W0
    built = chain(views, [day(n) for n in range(10)])
    w0, w1 = week_start(day(0)), week_start(day(9))
    assert (w0, w1) == (day(0), day(7))
    # W0 as written by its last day (Sunday): x1, x2, x4 enrolled (x4 completed during W0), all attended
    assert built[day(6)]["course_attendance_weekly"].to_pylist() == [
        dict(course_id="c9", week_start=w0, learners_enrolled=3, learners_attending=3, attendance_rate=1.0)]
    # W1 so far (Wednesday): x4 completed before W1's Monday; x1 and x3 attended, x2 did not
    [attendance] = built[day(9)]["course_attendance_weekly"].to_pylist()
    assert (attendance["week_start"], attendance["learners_enrolled"], attendance["learners_attending"]) == (w1, 3, 2)
    assert attendance["attendance_rate"] == approx(2 / 3)
    cohorts = {(r["cohort_week"], r["week_number"]): r for r in built[day(9)]["course_cohorts"].to_pylist()}
    assert set(cohorts) == {(w0, 1), (w1, 0)}
    assert (cohorts[(w0, 1)]["cohort_size"], cohorts[(w0, 1)]["learners_active"]) == (3, 1)
    assert cohorts[(w0, 1)]["retention_pct"] == approx(100 / 3)
    assert (cohorts[(w1, 0)]["cohort_size"], cohorts[(w1, 0)]["retention_pct"]) == (1, 100.0)
    assert [(r["week_number"], r["cohort_size"], r["learners_active"]) for r in built[day(6)]["course_cohorts"].to_pylist()] == [
        (0, 3, 3)]


def test_course_daily_counts_active_new_and_at_risk_learners_of_the_day():
    views = [lesson_view("r0", "l2", "r", 0), lesson_view("s0", "l2", "s", 0),
             lesson_view("r8", "l1", "r", 8), lesson_view("t8", "l2", "t", 8, user="tu"),
             lesson_view("t8b", "l1", "t-phone", 8, hour=11, user="tu")]
    built = chain(views, [day(n) for n in range(9)])
    sessions = [v for v, _ in views]
    course = rows_by(marts_of(day(8), sessions=sessions, catalog=LESSONS,
                              learner_progress_day=built[day(8)]["learner_course_progress"])["course_daily"], "course_id")["c9"]
    # active: r and tu (one learner on two devices, 2 viewers); new: tu; at risk: s (8 days without a view)
    assert (course["unique_viewers"], course["learners_active"], course["learners_new"], course["learners_at_risk"]) == (3, 2, 1, 1)


def test_the_at_risk_alert_lists_courses_at_or_above_the_share_of_enrolled_learners():
    state = pa.Table.from_pylist([
        dict(learner_id="a", course_id="c1", status="at_risk"), dict(learner_id="b", course_id="c1", status="active"),
        dict(learner_id="c", course_id="c1", status="active"), dict(learner_id="d", course_id="c1", status="active"),
        dict(learner_id="e", course_id="c1", status="completed"),  # not enrolled any more: 1 of 4 = 25 %
        dict(learner_id="a", course_id="c2", status="at_risk"),
        *[dict(learner_id=f"z{n}", course_id="c2", status="dropped") for n in range(4)],  # 1 of 5 = 20 %
    ])
    assert at_risk_courses(state, 0.25) == [dict(course_id="c1", at_risk=1, enrolled=4, at_risk_share=0.25)]
    assert [c["course_id"] for c in at_risk_courses(state, 0.2)] == ["c1", "c2"]
    assert at_risk_courses(state, 0.3) == []
