"""Retention freezes the days whose events it deletes: a late event, a backfill or an erasure
afterwards never rewrites their marts (nor the next day's) from what is left, the later days'
chain carries on from them, and erasure still takes the person out of their person-level rows."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from analytics_pipeline.cli import main
from analytics_pipeline.defs.automation.config import AutomationConfig
from analytics_pipeline.defs.automation.sensors import build_touched_days_sensor
from analytics_pipeline.lib.frozen import ANONYMOUS_MARTS, FROZEN_TABLE, PERSON_TABLES, frozen_days
from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.retention import RetentionPolicy, run_retention
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.runner import Runner
from analytics_pipeline_tests.support import all_stored_text, lake_at, lake_rows, materialize, write_events

START, END = date(2024, 3, 4), date(2024, 3, 7)
D = date(2024, 3, 5)                     # frozen: its events go
NEXT, LATER = D + timedelta(days=1), D + timedelta(days=2)  # NEXT keeps its events; LATER is rebuilt as usual
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
MARTS = [*ANONYMOUS_MARTS, "viewer_sessions", "viewer_progress_history"]


def marts_of(root: Path, days) -> dict[str, list[dict]]:
    where = "date IN (" + ", ".join(f"DATE '{d}'" for d in days) + ")"
    return {table: lake_rows(root, table, where, order="ALL") for table in MARTS}


def all_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def retained(tmp_path_factory):
    """(data root built for START..END, then retention with the events cutoff at NEXT; settings)."""
    from analytics_pipeline.settings import load_settings

    base = tmp_path_factory.mktemp("frozen")
    (base / "home").mkdir()
    (base / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {"ANALYTICS_DATA_ROOT": str(base / "built"), "DAGSTER_HOME": str(base / "home"), "ANALYTICS_IP_HASH_KEY": "k",
           "ANALYTICS_START_DATE": "2024-01-01", "HOME": os.environ.get("HOME", "/tmp")}
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        settings = load_settings(env)
        storage = Storage(str(base / "built"))
        generate(storage, START, END, 300, seed=5, files_per_day=2)
        materialize(settings, START, END)
        now = datetime.now(timezone.utc) + timedelta(days=2)   # the landing files are over a day old
        policy = RetentionPolicy(landing_days=1, events_days=(now.date() - NEXT).days)
        run_retention(storage, policy, now, dry_run=False)
        yield base, settings
    finally:
        os.environ.clear()
        os.environ.update(old)


def copy_of(retained, name: str):
    base, settings = retained
    root = base / name
    shutil.copytree(base / "built", root)
    return root, replace(settings.with_root(str(root)), warehouse_path=str(root / "warehouse" / "analytics.duckdb"))


def test_retention_records_the_days_whose_events_it_deleted(retained):
    base, _ = retained
    storage = Storage(str(base / "built"))
    assert frozen_days(storage) == [START, D]
    assert storage.partition_days("events")[0] == NEXT
    assert not list((base / "built" / "landing" / "events").glob("*/*"))
    assert marts_of(base / "built", [D])["platform_daily"][0]["views"] > 0


def test_a_late_event_for_a_frozen_day_changes_none_of_its_marts(retained):
    root, settings = copy_of(retained, "late")
    before = marts_of(root, days_of(START, END))
    video = lake_rows(root, "video_catalog")[0]["video_id"]
    at = f"{D}T12:00:0"
    late = [{"event_id": f"late-{n}", "event_type": kind, "occurred_at": f"{at}{n}.000Z", "session_id": "late-s",
             "viewer_id": "late-viewer", "video_id": video, "position_s": float(n), "user_agent": UA}
            for n, kind in enumerate(["view_start", "play", "playing", "heartbeat"])]
    write_events(root, END + timedelta(days=1), "late.jsonl", late)
    report = materialize(settings, END + timedelta(days=1), END + timedelta(days=1))
    assert marts_of(root, days_of(START, END)) == before
    assert D in report.kept_days and any("not rebuilt" in w and str(D) in w for w in report.warnings)
    assert D not in Storage(str(root)).partition_days("events")
    # the touched-days sensor, seeing every arrival ingested, starts its rebuild after the kept days
    touched = build_touched_days_sensor(AutomationConfig())
    result = touched(dg.build_sensor_context(instance=Runner(settings).instance, resources={"lake": lake_at(root)}))
    [run] = result.run_requests
    assert run.tags["dagster/asset_partition_range_start"] == LATER.isoformat()


def test_a_backfill_keeps_the_frozen_days_and_the_next_one_and_rebuilds_later_days_identically(retained):
    root, settings = copy_of(retained, "backfill")
    before = marts_of(root, days_of(START, END))
    report = materialize(settings, D, END)
    # D+1's views would rise if rebuilt without D's events; LATER carries on from NEXT's counters
    assert marts_of(root, days_of(START, END)) == before
    assert report.kept_days == [START, D, NEXT] and report.mart_days == [LATER]


def test_erasure_removes_the_person_from_frozen_days_and_keeps_their_aggregates(retained):
    root, settings = copy_of(retained, "erase")
    visits = lake_rows(root, "viewer_sessions", f"date = DATE '{D}'")
    on_later = {r["viewer_id"] for r in lake_rows(root, "viewer_sessions", f"date = DATE '{LATER}'")}
    viewer = sorted({r["viewer_id"] for r in visits} & on_later or {r["viewer_id"] for r in visits})[0]
    before = marts_of(root, [START, D, NEXT])
    summary = Runner(settings).erase("viewer", viewer)
    after = marts_of(root, [START, D, NEXT])
    for table in ANONYMOUS_MARTS:
        assert after[table] == before[table], table
    for table in ("viewer_sessions", "viewer_progress_history"):
        assert after[table] == [r for r in before[table] if r["viewer_id"] != viewer], table
    assert viewer not in all_stored_text(root)
    for table in PERSON_TABLES + ("viewer_progress", "learner_course_progress"):
        assert not [r for r in lake_rows(root, table) if viewer in (r.get("viewer_id"), r.get("learner_id"))], table
    assert set(summary["kept_days"]) >= {D.isoformat()} and summary["kept_rows_removed"]["viewer_sessions"] >= 1


def test_cli_retention_dry_run_deletes_nothing_and_a_real_run_deletes_exactly_the_plan(settings, capsys, monkeypatch):
    root = Path(settings.data_root)
    storage = Storage(str(root))
    generate(storage, START, D, 60, seed=2, files_per_day=1)
    materialize(settings, START, D)
    stale = root / ".staging" / "killed-writer.tmp"
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))
    monkeypatch.setenv("ANALYTICS_RETENTION_EVENTS_DAYS", str((datetime.now(timezone.utc).date() - D).days))
    before = all_files(root)

    assert main(["retention", "--dry-run"]) == 0
    dry = capsys.readouterr().out.splitlines()
    assert all_files(root) == before
    planned = {line.split(" ", 3)[2].rstrip(":") for line in dry if line.startswith("would delete ")}
    assert ".staging/killed-writer.tmp" in planned and f"lake/events/date={START}" in planned
    assert not any(p.startswith(f"lake/events/date={D}") for p in planned)
    assert dry[-1].startswith("retention (dry run): would delete") and "would freeze 1 event days" in dry[-1]

    assert main(["retention"]) == 0
    done = {line.split(" ", 2)[1].rstrip(":") for line in capsys.readouterr().out.splitlines() if line.startswith("deleted ")}
    assert done == planned
    gone = before - all_files(root)
    assert all(any(g == p or g.startswith(p + "/") for p in planned) for g in gone)
    assert all(any(g == p or g.startswith(p + "/") for g in gone) for p in planned)
    assert frozen_days(storage) == [START] and storage.exists(storage.snapshot_path(FROZEN_TABLE))

    with pytest.raises(SystemExit) as bad:
        main(["retention", "--dry-run", "--events-days", "3"])
    assert bad.value.code == 2


def test_cli_retention_without_data_is_a_usage_error(settings, capsys, tmp_path):
    assert main(["retention", "--data-root", str(tmp_path / "nothing")]) == 2
    assert "no landing or lake folder" in capsys.readouterr().err


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
