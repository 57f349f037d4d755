"""Learners and courses (insights.md "Learners", "Courses"): the tables built from viewer_progress.

Day D, after viewer_progress as of D:
- `learner_course_progress` of D = the state as of D-1 (`prev_learner_course_progress`, its rows
  carry `as_of_date`) carried forward with D's views, its lecture counts recounted from
  viewer_progress as of D. Cost per day: one pass over the learner x course rows and the learner x
  lecture rows of viewer_progress, never over past days' views.
- `course_attendance_weekly` and `course_cohorts`: weekly partitions (key = a Monday), the week
  of D rewritten from learner_course_progress as of D alone (first and last active day, completion
  day say who was enrolled, attending and in which cohort): no daily table is reread, and rebuilding
  day D rebuilds its week as the chain of days after it passes through. Cost per day: one pass over
  the learner x course rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pyarrow as pa

from analytics_pipeline.lib.duck import arrow_of, load_sql
from analytics_pipeline.lib.marts_schemas import MART_SCHEMAS, conform

LEARNER_TABLES = ("learner_course_progress", "course_attendance_weekly", "course_cohorts")
WEEKLY_TABLES = ("course_attendance_weekly", "course_cohorts")


def week_start(day: date) -> date:
    """The Monday of the ISO week of `day` (the partition key of the weekly tables)."""
    return day - timedelta(days=day.weekday())


def build_learner_tables(con: duckdb.DuckDBPyConnection, day: date, viewer_progress: pa.Table) -> dict[str, pa.Table]:
    """learner_course_progress as of `day` and the rows of its week in the weekly tables.

    `con` holds playback_sessions (D), video_catalog, prev_learner_course_progress and the period
    macros with `mart_day` set (see marts.build_viewer_progress)."""
    [(applied_until,)] = con.execute("SELECT max(as_of_date) FROM prev_learner_course_progress").fetchall()
    if applied_until is not None and applied_until >= day:
        raise ValueError(f"learner_course_progress state is already as of {applied_until}; building {day} "
                         f"needs the state as of {day - timedelta(days=1)}")
    con.register("viewer_progress_now", viewer_progress)
    state = conform(arrow_of(con, load_sql("marts/learner_course_progress")),
                    MART_SCHEMAS["learner_course_progress"])
    con.register("learner_course_progress_now", state)
    out = {"learner_course_progress": state}
    for name in WEEKLY_TABLES:
        out[name] = conform(arrow_of(con, load_sql(f"marts/{name}")), MART_SCHEMAS[name])
    return out


def at_risk_courses(state: pa.Table, share: float) -> list[dict]:
    """Courses whose at-risk learners are at least `share` of their enrolled ones (started the course,
    not completed it), as of the state's day: course_id, at_risk, enrolled, at_risk_share."""
    con = duckdb.connect()
    con.register("state", state)
    rows = con.execute("""
        SELECT course_id, count(*) FILTER (WHERE status = 'at_risk') AS at_risk,
               count(*) FILTER (WHERE status <> 'completed') AS enrolled
        FROM state GROUP BY course_id ORDER BY course_id
    """).fetchall()
    con.close()
    return [
        {"course_id": c, "at_risk": r, "enrolled": e, "at_risk_share": round(r / e, 4)}
        for c, r, e in rows if e and r / e >= share and r > 0
    ]
