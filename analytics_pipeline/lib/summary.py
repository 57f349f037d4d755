"""What a command tells its user at the end: what was quarantined, late or flagged; the demo's report."""

from __future__ import annotations

from datetime import date

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.providers.reconcile import RECONCILIATION
from analytics_pipeline.lib.storage import Storage


def ingestion_summary(storage: Storage, arrivals: list[date]) -> dict:
    """Totals of `ingest_audit` over the arrival days, and the files that had a problem."""
    con = duck.connect()
    duck.register_partitions(con, "audit", storage, "ingest_audit", arrivals, schemas.INGEST_AUDIT)
    totals = con.execute(
        "SELECT count(*), coalesce(sum(lines_read), 0), coalesce(sum(accepted), 0), coalesce(sum(duplicates), 0),"
        " coalesce(sum(quarantined), 0), coalesce(sum(late_events), 0) FROM audit").fetchone()
    problems = con.execute(
        "SELECT source_file, coalesce(file_error, redelivery) FROM audit"
        " WHERE file_error IS NOT NULL OR redelivery IS NOT NULL ORDER BY source_file").fetchall()
    con.close()
    names = ["files", "lines_read", "accepted", "duplicates", "quarantined", "late_events"]
    return {**dict(zip(names, totals)), "problem_files": problems}


def flagged_reconciliations(storage: Storage, days: list[date]) -> int:
    """Provider video-days whose figures differ from ours by more than the threshold."""
    con = duck.connect()
    duck.register_partitions(con, "r", storage, "provider_reconciliation_daily", days, RECONCILIATION)
    flagged = con.execute("SELECT count(*) FROM r WHERE flagged").fetchone()[0]
    con.close()
    return flagged


def demo_report(warehouse: str, day: date) -> list[str]:
    """A few lines about `day` from the warehouse: views, top videos, quality of experience, ingestion."""
    con = duck.connect(warehouse, read_only=True)
    lines = []
    views, viewers, watch, completion = con.execute(
        "SELECT views, unique_viewers, watch_time_s, completion_rate FROM platform_stats(?, ?)", [day, day]).fetchone()
    lines.append(f"{day}: {views:,} views by {viewers:,} viewers, {watch / 3600:,.1f} h watched, "
                 f"completion rate {completion:.1%}" if views else f"{day}: no views")
    top = con.execute("SELECT title, course_id, views, completion_rate FROM popular_videos(?, ?, 5)", [day, day]).fetchall()
    if top:
        lines.append("top videos (popular_videos, previews excluded):")
        lines += [f"  {(title or '')[:48]:<48} {course or '':<14} {v:>7,} views  completion {(cr or 0):.0%}"
                  for title, course, v, cr in top]
    row = con.execute(
        "SELECT startup_time_ms_p50, startup_time_ms_p95, rebuffer_ratio, ebvs_rate, playback_failure_rate, "
        "peak_concurrent_views FROM platform_daily WHERE date = ?", [day]).fetchone()
    if row:
        p50, p95, rr, ebvs, fail, peak = row
        lines.append(f"quality of experience: startup p50 {p50 or 0:.0f} ms, p95 {p95 or 0:.0f} ms, rebuffer ratio "
                     f"{(rr or 0):.2%}, exits before start {(ebvs or 0):.1%}, playback failures {(fail or 0):.1%}, "
                     f"peak concurrent views {peak}")
    con.close()
    return lines
