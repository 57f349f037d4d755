"""Learners through the real pipeline: raw events of a signed-in learner on two devices, the CLI's
build, the warehouse's course macros checked against a direct computation over playback_sessions,
the at-risk warning in Dagster and the learners_at_risk view, then erasure of the learner."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from analytics_pipeline.instance import instance_for
from analytics_pipeline.runner import Runner
from analytics_pipeline_tests.scenarios.playback import at, timeline
from analytics_pipeline_tests.support import lake_rows, materialize, write_catalog, write_events

D = date(2024, 3, 4)
LAST = D + timedelta(days=8)
CATALOG = [
    dict(video_id="lec-a", title="Lecture A", duration_s=100, course_id="crs", creator_id="kr", position=2),
    dict(video_id="lec-b", title="Lecture B", duration_s=100, course_id="crs", creator_id="kr", position=1),
    dict(video_id="lec-p", title="Preview", duration_s=100, course_id="crs", creator_id="kr", is_preview="true"),
]


def played(session: str, video: str, viewer: str, start, first: float, last: float, user: str | None = None):
    """A view playing `video` from `first` to `last` seconds (heartbeats every 10 s)."""
    steps = [(0, "view_start", first), (1, "play", first), (2, "playing", first)]
    position, t = first, 2
    while position < last:
        step = min(10.0, last - position)
        position, t = position + step, t + step
        steps.append((t, "heartbeat", position))
    steps.append((t + 1, "view_end", position))
    events = timeline(session, video, start, steps, viewer_id=viewer)
    for e in events:
        if user:
            e["user_id"] = user
    return events


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import os

    from analytics_pipeline.settings import load_settings

    base = tmp_path_factory.mktemp("learners")
    (base / "home").mkdir()
    env = {"ANALYTICS_DATA_ROOT": str(base / "data"), "DAGSTER_HOME": str(base / "home"), "ANALYTICS_IP_HASH_KEY": "k",
           "ANALYTICS_START_DATE": "2024-01-01", "HOME": os.environ.get("HOME", "/tmp")}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        settings = load_settings(env)
        root = Path(settings.data_root)
        write_catalog(root, CATALOG)
        d1 = D + timedelta(days=1)
        write_events(root, D, "a.jsonl",
                     played("stu-1", "lec-b", "phone-1", at("10:00:00", D), 0, 50, user="stu-1-user")
                     + played("anon", "lec-a", "anon-2", at("11:00:00", D), 0, 30)
                     + played("prev", "lec-p", "anon-2", at("11:30:00", D), 0, 100))
        write_events(root, d1, "a.jsonl",
                     played("stu-2", "lec-b", "laptop-1", at("09:00:00", d1), 50, 100, user="stu-1-user")
                     + played("stu-3", "lec-a", "laptop-1", at("09:30:00", d1), 0, 40, user="stu-1-user"))
        write_events(root, LAST, "a.jsonl", played("late", "lec-b", "late-3", at("08:00:00", LAST), 0, 20))
        report = materialize(settings, D, LAST)
        yield settings, root, report
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_a_signed_in_learner_resumes_across_devices(built):
    _, root, _ = built
    sessions = {r["view_id"]: r["learner_id"] for r in lake_rows(root, "playback_sessions")}
    assert sessions["stu-1"] == sessions["stu-2"] == "stu-1-user" and sessions["anon"] == "anon-2"
    progress = lake_rows(root, "viewer_progress", "learner_id = 'stu-1-user'", "video_id")
    assert [(r["video_id"], r["viewer_id"], r["completed"], r["content_watched_s"]) for r in progress] == [
        ("lec-a", "laptop-1", False, 40.0), ("lec-b", "laptop-1", True, 100.0)]
    [learner] = lake_rows(root, "learner_course_progress", "learner_id = 'stu-1-user'")
    assert (learner["lectures_total"], learner["lectures_started"], learner["lectures_completed"]) == (2, 2, 1)
    assert (learner["next_lecture_id"], learner["status"], learner["as_of_date"]) == ("lec-a", "active", LAST)


def test_the_at_risk_share_warns_in_dagster_and_the_warehouse_lists_the_learners(built):
    settings, _, report = built
    # as of LAST: anon-2 last active 8 days before (at risk), stu-1-user 7 days (active), late-3 active
    assert any("learner_course_progress:at_risk_share" in w for w in report.warnings)
    assert not any("at_risk_share" in c for c in report.failed_checks)
    record = instance_for(settings).get_latest_asset_check_evaluation_record(
        dg.AssetCheckKey(dg.AssetKey("learner_course_progress"), "at_risk_share"))
    evaluation = record.event.dagster_event.event_specific_data
    assert evaluation.passed is False and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["at_risk_courses"].value == [
        {"course_id": "crs", "at_risk": 1, "enrolled": 3, "at_risk_share": 0.3333}]
    wh = duckdb.connect(settings.warehouse_path, read_only=True)
    assert wh.execute("SELECT learner_id, course_id, last_active_date, days_inactive, progress_pct, next_lecture_id "
                      "FROM learners_at_risk").fetchall() == [("anon-2", "crs", D, 8, 0.0, "lec-b")]
    daily = dict(wh.execute("SELECT date, learners_at_risk FROM course_daily").fetchall())
    assert daily[LAST] == 1 and daily[D] == 0


def test_the_period_macros_equal_a_direct_computation_over_playback_sessions(built):
    settings, _, _ = built
    wh = duckdb.connect(settings.warehouse_path, read_only=True)
    start, end = D, LAST
    counted = f"date BETWEEN DATE '{start}' AND DATE '{end}' AND counts_as_view AND NOT is_bot"
    report = wh.execute(f"SELECT course_id, views, learners_active, learners_new, lectures_total, most_watched_lectures, "
                        f"engagement_trend FROM course_report('{start}', '{end}')").fetchall()
    direct = wh.execute(f"""
        SELECT course_id, count(*), count(DISTINCT learner_id), count(DISTINCT learner_id),
               (SELECT count(*) FROM video_catalog WHERE course_id = 'crs' AND NOT is_preview)
        FROM playback_sessions WHERE {counted} GROUP BY course_id""").fetchall()
    assert [r[:5] for r in report] == direct == [("crs", 6, 3, 3, 2)]
    assert report[0][5] == ["lec-b", "lec-a"] and report[0][6] is None  # 9 days: no trend
    funnel = wh.execute(f"SELECT lecture_id, position, learners_started, learners_completed "
                        f"FROM course_funnel('{start}', '{end}')").fetchall()
    started = dict(wh.execute(f"""
        SELECT video_id, count(DISTINCT learner_id) FROM playback_sessions
        WHERE {counted} AND video_id IN ('lec-a', 'lec-b') GROUP BY video_id""").fetchall())
    # no single view completed lec-b; stu-1-user's two halves on two devices did
    assert funnel == [("lec-b", 1, started["lec-b"], 1), ("lec-a", 2, started["lec-a"], 0)]
    assert wh.execute(f"SELECT count(*) FROM playback_sessions WHERE {counted} AND completed").fetchone() == (1,)
    top = wh.execute(f"SELECT video_id, rank, views FROM creator_top_videos('{start}', '{end}', 5)").fetchall()
    ranked = wh.execute(f"""
        SELECT video_id, row_number() OVER (ORDER BY count(*) DESC, sum(watch_time_s) DESC, video_id), count(*)
        FROM playback_sessions JOIN video_catalog USING (video_id)
        WHERE {counted} AND NOT is_preview GROUP BY video_id ORDER BY 2""").fetchall()
    assert top == ranked and [t[0] for t in top] == ["lec-b", "lec-a"]
    platform = wh.execute("SELECT date, unique_viewers, new_viewers, returning_viewers FROM platform_daily ORDER BY date").fetchall()
    assert [(d, u, n, r) for d, u, n, r in platform if u] == [(D, 2, 2, 0), (D + timedelta(days=1), 1, 1, 0), (LAST, 1, 1, 0)]


def test_erasing_the_user_removes_the_learner_from_every_table(built):
    settings, root, _ = built
    Runner(settings).erase("user", "stu-1-user")
    con = duckdb.connect()
    holding = [str(f.relative_to(root)) for f in sorted((root / "lake").glob("**/*.parquet"))
               if "stu-1-user" in repr(con.sql(f"SELECT * FROM read_parquet('{f}')").fetchall())]
    assert holding == []
    assert {r["learner_id"] for r in lake_rows(root, "learner_course_progress")} == {"anon-2", "late-3"}
    wh = duckdb.connect(settings.warehouse_path, read_only=True)
    assert wh.execute("SELECT count(*) FROM viewer_progress WHERE learner_id = 'stu-1-user'").fetchone() == (0,)
    assert wh.execute("SELECT learners_active FROM course_report(?, ?)", [D, LAST]).fetchone() == (2,)
