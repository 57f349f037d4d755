"""Retention on a landing zone and lake of known ages: exactly the expected files go, nothing else."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from analytics_pipeline.defs.automation.retention import old_run_ids, retention_job
from analytics_pipeline_tests.support import lake_at
from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.retention import RetentionPolicy, apply_retention, plan_retention
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import write_events

NOW = datetime(2024, 9, 1, 12, 0, tzinfo=timezone.utc)
POLICY = RetentionPolicy()  # 90 / 30 / 730 days


def audit(storage: Storage, arrival: str, files: dict[str, int], ingested: datetime) -> None:
    rows = [{"arrival_date": date.fromisoformat(arrival), "source_file": f, "file_bytes": size, "lines_read": 1}
            for f, size in files.items()]
    rel = storage.write_partition("ingest_audit", arrival, pa.Table.from_pylist(rows, schema=schemas.INGEST_AUDIT))
    os.utime(storage.full(rel), (ingested.timestamp(), ingested.timestamp()))


def landing(root: Path, arrival: str, name: str) -> tuple[str, int]:
    path = write_events(root, arrival, name, ['{"event_id": "x"}'])
    return f"landing/events/{arrival}/{name}", path.stat().st_size


def partition(storage: Storage, table: str, day: str, schema=schemas.EVENTS, rows=None) -> None:
    storage.write_partition(table, day, pa.Table.from_pylist(rows or [], schema=schema))


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "data"
    storage = Storage(str(root))
    old, kept_late, newer, changed, edge_in, edge_out = (
        landing(root, "2024-05-01", "old.jsonl"), landing(root, "2024-05-01", "after-ingest.jsonl"),
        landing(root, "2024-07-01", "newer.jsonl"), landing(root, "2024-04-01", "changed.jsonl"),
        landing(root, "2024-04-15", "edge-in.jsonl"), landing(root, "2024-04-16", "edge-out.jsonl"))
    audit(storage, "2024-05-01", dict([old]), NOW - timedelta(days=100))           # after-ingest.jsonl not audited
    audit(storage, "2024-07-01", dict([newer]), NOW - timedelta(days=60))
    audit(storage, "2024-04-01", {changed[0]: changed[1] + 5}, NOW - timedelta(days=200))  # file changed since
    audit(storage, "2024-04-15", dict([edge_in]), NOW - timedelta(days=90, hours=1))
    audit(storage, "2024-04-16", dict([edge_out]), NOW - timedelta(days=89, hours=23))
    write_events(root, "2024-08-31", "never-ingested.jsonl", ['{"event_id": "y"}'])
    for day in ("2024-08-01", "2024-08-02"):  # quarantine cutoff: 2024-09-01 - 30 days = 2024-08-02
        partition(storage, "events_quarantine", day, schemas.EVENTS_QUARANTINE)
    for day in ("2022-08-31", "2022-09-01"):  # events cutoff: 2024-09-01 - 730 days = 2022-09-02
        for table in ("events", "playback_sessions", "played_ranges"):
            partition(storage, table, day)
    partition(storage, "events", "2022-09-02")
    ead = schemas.ARRIVAL_EVENT_DAYS
    d = date.fromisoformat
    partition(storage, "event_arrivals", "2022-08-30")
    partition(storage, "arrival_event_days", "2022-08-30", ead, [{"arrival_date": d("2022-08-30"), "event_date": d("2022-08-30"), "events": 1, "late": False}])
    partition(storage, "event_arrivals", "2022-09-01")  # clock skew: holds 2022-09-02, inside the window
    partition(storage, "arrival_event_days", "2022-09-01", ead, [
        {"arrival_date": d("2022-09-01"), "event_date": d("2022-09-01"), "events": 1, "late": False},
        {"arrival_date": d("2022-09-01"), "event_date": d("2022-09-02"), "events": 1, "late": False}])
    partition(storage, "video_daily", "2020-01-01", pa.schema([("video_id", pa.string())]))  # marts are kept
    return root, storage


EXPECTED = {
    "landing/events/2024-05-01/old.jsonl",        # ingested 100 days ago
    "landing/events/2024-04-15/edge-in.jsonl",    # ingested 90 days and 1 hour ago
    "lake/events_quarantine/date=2024-08-01",
    "lake/events/date=2022-08-31", "lake/events/date=2022-09-01",
    "lake/playback_sessions/date=2022-08-31", "lake/playback_sessions/date=2022-09-01",
    "lake/played_ranges/date=2022-08-31", "lake/played_ranges/date=2022-09-01",
    "lake/event_arrivals/date=2022-08-30",
}


def all_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_the_plan_is_exactly_what_the_policy_allows_and_nothing_unaudited(lake):
    root, storage = lake
    plan = plan_retention(storage, POLICY, NOW)
    assert {r.path for r in plan} == EXPECTED
    assert not any("after-ingest" in r.path or "never-ingested" in r.path or "changed" in r.path for r in plan)


def test_a_dry_run_of_the_job_deletes_nothing_and_a_real_run_deletes_exactly_the_plan(lake, tmp_path):
    root, storage = lake
    before = all_files(root)
    resources = {"lake": lake_at(root)}
    with dg.instance_for_test() as instance:
        config = {"ops": {"apply_retention_policy": {"config": {"dry_run": True, "as_of": NOW.isoformat()}}}}
        dry = retention_job.execute_in_process(run_config=config, resources=resources, instance=instance)
        assert dry.success and all_files(root) == before
        assert dry.output_for_node("apply_retention_policy")["landing_files"] == 2
        config["ops"]["apply_retention_policy"]["config"]["dry_run"] = False
        real = retention_job.execute_in_process(run_config=config, resources=resources, instance=instance)
        assert real.success
    gone = {p for p in before - all_files(root)}
    assert {g.rsplit("/data.parquet", 1)[0] for g in gone} == EXPECTED
    assert storage.exists("landing/events/2024-05-01/after-ingest.jsonl")
    assert storage.exists("lake/video_daily/date=2020-01-01/data.parquet")
    assert plan_retention(storage, POLICY, NOW) == []


def test_an_interrupted_run_is_finished_by_running_again(lake):
    _, storage = lake
    plan = plan_retention(storage, POLICY, NOW)
    apply_retention(storage, plan[:3])  # "killed" after three deletions
    rest = plan_retention(storage, POLICY, NOW)
    assert {r.path for r in rest} == EXPECTED - {r.path for r in plan[:3]}
    apply_retention(storage, rest)
    assert plan_retention(storage, POLICY, NOW) == []


def test_finished_runs_before_the_window_are_listed_for_deletion():
    with dg.instance_for_test() as instance:
        @dg.op
        def noop():
            return 1

        @dg.job
        def tiny():
            noop()

        ran = tiny.execute_in_process(instance=instance).run_id
        assert old_run_ids(instance, datetime.now(timezone.utc) - timedelta(days=1), 100) == []
        assert old_run_ids(instance, datetime.now(timezone.utc) + timedelta(seconds=5), 100) == [ran]
        instance.delete_run(ran)
        assert instance.get_run_by_id(ran) is None


def test_policy_from_settings():
    policy = RetentionPolicy.from_settings_extra({"ANALYTICS_RETENTION_LANDING_DAYS": "7"}, events_days=365)
    assert (policy.landing_days, policy.quarantine_days, policy.events_days) == (7, 30, 365)
    with pytest.raises(ValueError):
        RetentionPolicy.from_settings_extra({"ANALYTICS_RETENTION_QUARANTINE_DAYS": "0"})
