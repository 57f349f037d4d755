"""Late events reach their day without anyone naming it; re-running a range changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
import re
from pathlib import Path

from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import lake_rows, lake_snapshot, materialize, write_catalog, write_events

D = date(2026, 6, 10)
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"


def ev(event_id: str, event_type: str, at: str, position: float, session: str = "late-s1", **extra) -> dict:
    return {"event_id": event_id, "event_type": event_type, "occurred_at": at, "session_id": session,
            "viewer_id": "late-viewer", "video_id": "late-vid", "position_s": position, "user_agent": UA, **extra}


def test_late_arrival_rebuilds_its_event_day_and_drops_a_later_retry(settings):
    root = Path(settings.data_root)
    write_catalog(root, [{"video_id": "late-vid", "title": "Late", "duration_s": 100, "creator_id": "c"}])
    on_time = [ev("l1", "view_start", "2026-06-10T10:00:00.000Z", 0), ev("l2", "playing", "2026-06-10T10:00:01.000Z", 0),
               ev("l3", "heartbeat", "2026-06-10T10:00:11.000Z", 10)]
    write_events(root, D, "a.jsonl", on_time)
    materialize(settings, D, D)
    (view,) = lake_rows(root, "playback_sessions")
    assert view["watch_time_s"] == 10  # 0 -> 10 over 10 s

    # a mobile client flushes the rest of the view two days later, with a retry of l3
    late = [ev("l3", "heartbeat", "2026-06-10T10:00:11.000Z", 10), ev("l4", "heartbeat", "2026-06-10T10:00:21.000Z", 20),
            ev("l5", "pause", "2026-06-10T10:00:31.000Z", 30)]
    write_events(root, D + timedelta(days=2), "flush.jsonl", late)
    summary = materialize(settings, D + timedelta(days=2), D + timedelta(days=2))

    assert summary.other_days == [D]
    audit = {r["source_file"].rsplit("/", 1)[-1]: r for r in lake_rows(root, "ingest_audit")}
    assert (audit["flush.jsonl"]["accepted"], audit["flush.jsonl"]["duplicates"], audit["flush.jsonl"]["late_events"]) == (2, 1, 2)
    touched = lake_rows(root, "arrival_event_days", where=f"arrival_date = DATE '{D + timedelta(days=2)}'")
    assert [(r["event_date"], r["events"], r["late"]) for r in touched] == [(D, 2, True)]
    events = lake_rows(root, "events", where=f"date = DATE '{D}'", order="event_id")
    assert [e["event_id"] for e in events] == ["l1", "l2", "l3", "l4", "l5"]
    (view,) = lake_rows(root, "playback_sessions")
    assert view["watch_time_s"] == 30  # 0 -> 10 -> 20 -> 30, each 10 s apart
    (daily,) = lake_rows(root, "video_daily", where=f"date = DATE '{D}'")
    assert daily["watch_time_s"] == 30


def test_materialize_twice_leaves_every_table_identical(settings):
    root = Path(settings.data_root)
    start, end = D, D + timedelta(days=2)
    generate(Storage(str(root)), start, end, 3000, seed=11)
    materialize(settings, start, end)
    first = lake_snapshot(root)
    materialize(settings, start, end)
    second = lake_snapshot(root)
    assert set(first) == set(second)
    for table in first:
        assert first[table] == second[table], table
    for table in ("events", "playback_sessions", "video_daily", "events_quarantine", "ingest_audit"):
        assert first[table], f"{table} should not be empty"
    audit = lake_rows(root, "ingest_audit")
    assert sum(r["duplicates"] for r in audit) > 0 and sum(r["quarantined"] for r in audit) > 0
    for r in audit:
        assert r["lines_read"] == r["accepted"] + r["duplicates"] + r["quarantined"]
    # no lake directory holds anything but its published files (event_arrivals: one per event day)
    stray = [p for p in (root / "lake").rglob("*") if p.is_file() and p.name != "data.parquet"
             and not (p.parent.parent.name == "event_arrivals" and re.fullmatch(r"events-of-\d{4}-\d{2}-\d{2}\.parquet", p.name))]
    assert stray == []
    staged_days = sorted((p.parent.name, p.name[10:20]) for p in (root / "lake" / "event_arrivals").rglob("*.parquet"))
    recorded = sorted((f"date={r['arrival_date']}", str(r["event_date"])) for r in lake_rows(root, "arrival_event_days"))
    assert staged_days == recorded  # a file for every (arrival, event day) pair, and no other


def test_every_asset_check_passes_on_realistic_data(settings):
    """On generated data (duplicates, late and malformed lines, bots, midnight) no check fails."""
    import dagster as dg

    root = Path(settings.data_root)
    generate(Storage(str(root)), D, D + timedelta(days=1), 3000, seed=5)
    materialize(settings, D, D + timedelta(days=1))
    instance = dg.DagsterInstance.get()
    records = instance.get_event_records(
        dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION), limit=1000
    )
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    names = {e.check_name for e in evaluations}
    assert {"lines_accounted_for", "no_clear_ip", "unique_event_id", "events_contract", "no_view_counted_twice",
            "watch_time_within_wall_time", "platform_views_equal_sum_over_videos",
            "heatmap_views_within_video_views", "completion_rate_within_0_1"} <= names
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []
