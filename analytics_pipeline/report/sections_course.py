"""A course's page (courses/<course_id>.html), one function per section.

The lectures come from video_stats; the funnel, attendance, cohorts, struggle and at-risk
sections read what insights.md adds (course_report, course_funnel, course_attendance_weekly,
course_cohorts, learner_course_progress) and are left out while the warehouse lacks them.
"""

from __future__ import annotations

from datetime import timedelta

from analytics_pipeline.lib.charts import Chart, Series
from analytics_pipeline.report.data import ReportData
from analytics_pipeline.report.model import ChartBlock, ChartSpec, Column, Figure, Section, Table
from analytics_pipeline.report.sections_common import headline, video_table


def _title(data: ReportData, video_id) -> str:
    return (data.catalog.get(video_id) or {}).get("title") or str(video_id)


def overview(data: ReportData, course_id: str) -> Section:
    return headline(data, data.courses[course_id], "course_stats")


def lectures(data: ReportData, course_id: str) -> Section | None:
    rows = sorted((dict(v) for v in data.videos.values() if v["course_id"] == course_id),
                  key=lambda r: data.lesson_order(r["video_id"]))
    if not rows:
        return None
    svg = ChartSpec(Chart("lectures-chart", [r["title"] or r["video_id"] for r in rows], [Series("views", [r["views"] for r in rows])],
                          y_label="views", kind="barh", size=(8.0, 0.6 + 0.3 * len(rows))),
                    "Views per lecture; the figures are in the table below")
    return Section("lectures", "Lectures", "Each lesson's figures for the range (video_stats), in course order.",
                   chart=ChartBlock(svg, "Views per lecture, in course order."), tables=[video_table(data, "lectures", rows)])


def highlights(data: ReportData, course_id: str) -> Section | None:
    report = data.optional("course_report", "course_id").get(course_id)
    if not report:
        return None
    r = report[0]
    figures = [Figure("lectures_total", "Lectures", r.get("lectures_total")),
               Figure("learners_active", "Active learners", r.get("learners_active")),
               Figure("learners_new", "New learners", r.get("learners_new")),
               Figure("engagement_trend", "Engagement trend", r.get("engagement_trend"), "text")]
    tables = []
    for key, title in (("most_watched_lectures", "Most watched lectures"), ("struggle_lectures", "Struggle lectures")):
        ids = r.get(key) or []
        ids = [i.strip() for i in ids.split(",") if i.strip()] if isinstance(ids, str) else list(ids)
        tables.append(Table(key.replace("_", "-"), [Column("title", title, link="video")],
                            [{"video_id": v, "title": _title(data, v)} for v in ids]))
    return Section("highlights", "Most watched and struggle lectures", "From course_report() for the range.",
                   figures=figures, tables=tables)


def funnel(data: ReportData, course_id: str) -> Section | None:
    rows = sorted(data.optional("course_funnel", "course_id").get(course_id, []), key=lambda r: r.get("position") or 0)
    if not rows:
        return None
    for r in rows:
        r["video_id"], r["title"] = r["lecture_id"], _title(data, r["lecture_id"])
    svg = ChartSpec(Chart("funnel-chart", [r["title"] for r in rows], [Series("learners completed", [r["learners_completed"] for r in rows])],
                          y_label="learners completed", kind="barh", size=(8.0, 0.6 + 0.3 * len(rows))),
                    "Course funnel; the figures are in the table below")
    columns = [Column("position", "Position", "count"), Column("title", "Lecture", link="video"),
               Column("learners_started", "Started", "count"), Column("learners_completed", "Completed", "count"),
               Column("share_of_starters", "Share of starters", "pct")]
    return Section("funnel", "Funnel by lecture", "Learners who started the course in the range, lecture by lecture "
                   "(course_funnel).", chart=ChartBlock(svg, "Learners completing each lecture."),
                   tables=[Table("funnel", columns, rows)])


def attendance(data: ReportData, course_id: str) -> Section | None:
    rows = [r for r in data.optional("course_attendance_weekly", "course_id").get(course_id, [])
            if r["week_start"] <= data.end and r["week_start"] >= data.start - timedelta(days=6)]
    if not rows:
        return None
    rows.sort(key=lambda r: r["week_start"])
    svg = ChartSpec(Chart("attendance-chart", [r["week_start"] for r in rows],
                          [Series("attendance rate (%)", [(r["attendance_rate"] or 0) * 100 for r in rows])],
                          y_label="% of enrolled"), "Weekly attendance; the figures are in the table below")
    columns = [Column("week_start", "Week of", "day"), Column("learners_enrolled", "Enrolled", "count"),
               Column("learners_attending", "Attending", "count"), Column("attendance_rate", "Attendance", "pct")]
    return Section("attendance", "Attendance by week", "ISO weeks overlapping the range (course_attendance_weekly).",
                   chart=ChartBlock(svg, "Share of enrolled learners who watched each week."),
                   tables=[Table("attendance", columns, rows)])


def cohorts(data: ReportData, course_id: str) -> Section | None:
    rows = sorted(data.optional("course_cohorts", "course_id").get(course_id, []),
                  key=lambda r: (r["cohort_week"], r["week_number"]))
    if not rows:
        return None
    columns = [Column("cohort_week", "Cohort (week of first view)", "day"), Column("week_number", "Week", "count"),
               Column("cohort_size", "Cohort size", "count"), Column("learners_active", "Active", "count"),
               Column("retention_pct", "Retention %", "number")]
    return Section("cohorts", "Cohorts", "Learners by the week they started, active in each later week (course_cohorts).",
                   tables=[Table("cohorts", columns, rows, collapsed=len(rows) > 30)])


def at_risk(data: ReportData, course_id: str) -> Section | None:
    if not data.offers.has("learner_course_progress"):
        return None
    rows = [r for r in data.optional("learner_course_progress", "course_id").get(course_id, []) if r.get("status") == "at_risk"]
    rows.sort(key=lambda r: (str(r.get("last_active_date")), str(r["learner_id"])))
    columns = [Column("learner_id", "Learner id"), Column("progress_pct", "Progress %", "number"),
               Column("last_active_date", "Last active", "day"), Column("next_lecture_id", "Next lecture")]
    return Section("at-risk", "At-risk learners", "Learners whose status is at_risk (learner_course_progress); ids only.",
                   figures=[Figure("learners_at_risk", "At-risk learners", len(rows))],
                   tables=[Table("at-risk", columns, rows)])


SECTIONS = [overview, lectures, highlights, funnel, attendance, cohorts, at_risk]
