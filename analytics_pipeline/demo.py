"""`analytics-pipeline demo`: sample data for the last 7 days, every asset built, a short report."""

from __future__ import annotations

from datetime import date, timedelta

from analytics_pipeline.lib.duck import connect
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import Settings

DEMO_DAYS = 7


def _report(warehouse: str, day: date) -> list[str]:
    con = connect(warehouse, read_only=True)
    tables = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
    lines = []
    views, bots, watch, completed, viewers = con.execute(
        "SELECT count(*) FILTER (WHERE counts_as_view AND NOT is_bot), count(*) FILTER (WHERE is_bot),"
        " coalesce(sum(watch_time_s) FILTER (WHERE counts_as_view AND NOT is_bot), 0),"
        " count(*) FILTER (WHERE completed AND counts_as_view AND NOT is_bot),"
        " count(DISTINCT viewer_id) FILTER (WHERE counts_as_view AND NOT is_bot)"
        " FROM playback_sessions WHERE date = ?", [day]).fetchone()
    lines.append(f"{day}: {views} views by {viewers} viewers ({bots} bot views excluded), "
                 f"{watch / 3600:.1f} h watched, completion rate {completed / views:.1%}" if views else f"{day}: no views")
    if "video_daily" in tables:
        top = con.execute(
            "SELECT d.video_id, coalesce(c.title, d.video_id) || coalesce(' (' || c.course_title || ')', ''), d.views, "
            "d.completion_rate FROM video_daily d "
            "LEFT JOIN video_catalog c USING (video_id) WHERE d.date = ? ORDER BY d.views DESC, d.watch_time_s DESC LIMIT 5",
            [day]).fetchall()
        lines.append("top videos:")
        lines += [f"  {title[:60]:<60} {v:>6} views  completion {(cr or 0):.0%}" for _, title, v, cr in top]
    if "platform_daily" in tables:
        row = con.execute(
            "SELECT startup_time_ms_p50, startup_time_ms_p95, rebuffer_ratio, ebvs_rate, playback_failure_rate, peak_concurrent_views "
            "FROM platform_daily WHERE date = ?", [day]).fetchone()
        if row:
            p50, p95, rr, ebvs, fail, peak = row
            lines.append(f"quality of experience: startup p50 {p50 or 0:.0f} ms, p95 {p95 or 0:.0f} ms, rebuffer ratio "
                         f"{(rr or 0):.2%}, exits before start {(ebvs or 0):.1%}, playback failures {(fail or 0):.1%}, "
                         f"peak concurrent views {peak}")
    audit = con.execute("SELECT sum(lines_read), sum(accepted), sum(duplicates), sum(quarantined), sum(late_events) "
                        "FROM ingest_audit").fetchone()
    lines.append(f"ingestion (all arrival days): {audit[0]} lines read = {audit[1]} accepted + {audit[2]} duplicates "
                 f"+ {audit[3]} quarantined; {audit[4]} late events")
    con.close()
    return lines


def run_demo(settings: Settings, events_per_day: int, seed: int, today: date) -> int:
    from analytics_pipeline.cli import Progress, _graph_extras
    from analytics_pipeline.lib.generator import generate
    from analytics_pipeline.runner import Runner

    start, end = today - timedelta(days=DEMO_DAYS - 1), today
    storage = Storage.from_settings(settings)
    progress = Progress()
    progress(f"generating {events_per_day} events a day for {start}..{end}")
    generate(storage, start, end, events_per_day, seed=seed)
    summary = Runner(settings, progress=progress).materialize(start, end, **_graph_extras())
    progress.done()
    report_day = end - timedelta(days=1)  # the last complete day
    print(f"results: lake {storage.uri('lake')}, warehouse {settings.warehouse_path}")
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in summary["timings"].items()))
    for line in _report(settings.warehouse_path, report_day):
        print(line)
    print(f'try: analytics-pipeline query "SELECT * FROM playback_sessions LIMIT 5"')
    return 0
