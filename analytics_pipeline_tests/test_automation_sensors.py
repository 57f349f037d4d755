"""The landing and touched-days sensors, evaluated for real on an instance and landing under tmp_path."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from analytics_pipeline.defs.automation.config import AutomationConfig
from analytics_pipeline.defs.automation.sensors import build_landing_sensor, build_touched_days_sensor, rebuild_range
from analytics_pipeline_tests.support import lake_at
from analytics_pipeline_tests.support import write_catalog, write_events

CONFIG = AutomationConfig(max_runs_per_tick=4)


def ev(n: int, occurred: str, received: str) -> dict:
    return {"event_id": f"e-{n}", "event_type": "heartbeat", "occurred_at": occurred, "received_at": received,
            "session_id": "s1", "viewer_id": "w1", "video_id": "vid-1", "position_s": float(n), "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36"}


def tick(sensor, instance, root, cursor=None):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"lake": lake_at(root)})
    result = sensor(ctx)
    return result.run_requests or [], result.cursor


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "instance").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "instance"), set_dagster_home=False) as inst:
        yield inst


def test_a_new_file_requests_its_arrival_day_once_even_after_a_restart(settings, instance, tmp_path):
    root = Path(settings.data_root)
    sensor = build_landing_sensor(CONFIG)
    write_events(root, "2024-05-02", "a.jsonl", [ev(1, "2024-05-02T10:00:00Z", "2024-05-02T10:00:01Z")])
    write_events(root, "2024-05-02", ".b.jsonl.tmp", ["in flight"])  # hidden: a writer not finished yet
    write_events(root, "not-a-day", "x.jsonl", ["?"])
    runs, cursor = tick(sensor, instance, root)
    assert [(r.partition_key, r.job_name) for r in runs] == [("2024-05-02", None)]
    assert runs[0].run_key.startswith("ingest:2024-05-02:")
    assert tick(sensor, instance, root, cursor)[0] == []  # same files: nothing

    # a daemon restart: a new instance object over the same storage, with the cursor Dagster stored
    with dg.instance_for_test(temp_dir=str(tmp_path / "instance"), set_dagster_home=False) as restarted:
        assert tick(sensor, restarted, root, cursor)[0] == []
        write_events(root, "2024-05-02", "c.jsonl", [ev(2, "2024-05-02T11:00:00Z", "2024-05-02T11:00:01Z")])
        again, cursor2 = tick(sensor, restarted, root, cursor)
    assert [r.partition_key for r in again] == ["2024-05-02"]
    assert again[0].run_key != runs[0].run_key  # a new file is a new run, the old run key is not reused
    assert json.loads(cursor2)["seen"] == {"2024-05-02": ["a.jsonl", "c.jsonl"]}


def test_a_burst_gives_at_most_the_cap_per_tick_and_every_day_exactly_once(settings, instance):
    root = Path(settings.data_root)
    sensor = build_landing_sensor(CONFIG)
    days = [f"2024-06-{d:02d}" for d in range(1, 11)]  # 10 arrival days x 5 files
    for day in days:
        for k in range(5):
            write_events(root, day, f"f{k}.jsonl", [ev(k, f"{day}T10:00:00Z", f"{day}T10:00:01Z")])
    seen, cursor, per_tick = [], None, []
    for _ in range(5):
        runs, cursor = tick(sensor, instance, root, cursor)
        per_tick.append(len(runs))
        seen += [r.partition_key for r in runs]
    assert per_tick == [4, 4, 2, 0, 0]  # 10 days, 4 per tick, then nothing
    assert seen == days


def test_retention_deleting_files_shrinks_the_cursor_and_never_retriggers(settings, instance):
    root = Path(settings.data_root)
    sensor = build_landing_sensor(CONFIG)
    old = write_events(root, "2024-05-01", "old.jsonl", [ev(1, "2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z")])
    write_events(root, "2024-05-03", "new.jsonl", [ev(2, "2024-05-03T10:00:00Z", "2024-05-03T10:00:01Z")])
    runs, cursor = tick(sensor, instance, root)
    assert len(runs) == 2
    old.unlink()
    runs, cursor = tick(sensor, instance, root, cursor)
    assert runs == [] and json.loads(cursor)["seen"] == {"2024-05-03": ["new.jsonl"]}


def test_a_late_file_rebuilds_the_event_days_it_touched(settings, instance):
    """Arrival 2024-05-05 brings events of 05-02 (late) and 05-05: rebuild 05-01..05-05.

    Views are rebuilt from the day before each touched day (a view may run over midnight):
    touched {05-02, 05-05} -> view days {05-01, 05-02, 05-04, 05-05} -> one range 05-01..05-05.
    """
    from analytics_pipeline.defs.keys import INGEST_KEYS
    from analytics_pipeline.runner import Runner

    root = Path(settings.data_root)
    write_catalog(root, [{"video_id": "vid-1", "title": "One", "duration_s": 600, "creator_id": "c1"}])
    write_events(root, "2024-05-05", "late.jsonl", [
        ev(1, "2024-05-02T23:00:00Z", "2024-05-05T08:00:00Z"),
        ev(2, "2024-05-05T07:00:00Z", "2024-05-05T08:00:00Z"),
    ])
    landing = build_landing_sensor(CONFIG)
    runs, _ = tick(landing, instance, root)
    assert [r.partition_key for r in runs] == ["2024-05-05"]

    # the requested ingestion, run for real into the instance of DAGSTER_HOME
    runner = Runner(settings)
    runner.run_phase("ingest", INGEST_KEYS, [date(2024, 5, 5)])
    home = runner.instance
    touched = build_touched_days_sensor(CONFIG)
    runs, cursor = tick(touched, home, root)
    assert len(runs) == 1
    assert (runs[0].tags["dagster/asset_partition_range_start"], runs[0].tags["dagster/asset_partition_range_end"]) == (
        "2024-05-01", "2024-05-05")
    assert tick(touched, home, root, cursor)[0] == []  # handled: nothing new
    # a re-ingest of the same day is a new materialisation: one new run, with its own run key
    runner.run_phase("ingest", INGEST_KEYS, [date(2024, 5, 5)])
    again, _ = tick(touched, home, root, cursor)
    assert len(again) == 1 and again[0].run_key != runs[0].run_key


def test_the_rebuild_range_reaches_the_newest_built_marts_day():
    d = date.fromisoformat
    # counters of 05-06 carry 05-05's: built up to 05-06 means rebuilding through 05-06
    assert rebuild_range([d("2024-05-03")], d("2024-05-06"), d("2024-01-01"), d("2024-05-07")) == (d("2024-05-02"), d("2024-05-06"))
    # nothing before the first partition, nothing after today
    assert rebuild_range([d("2024-01-01")], None, d("2024-01-01"), d("2024-05-07")) == (d("2024-01-01"), d("2024-01-01"))
    assert rebuild_range([], d("2024-05-06"), d("2024-01-01"), d("2024-05-07")) is None
