"""The progress state across a run of several days: carried in memory, published once, repaired."""

from __future__ import annotations

from datetime import date, timedelta

from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.marts_day import STATE_HISTORIES, build_progress_day
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import materialize

START = date(2026, 5, 4)
DAYS = [START + timedelta(days=i) for i in range(3)]


def _history(storage: Storage, table: str, day: date):
    return storage.read_parquet(storage.partition_file(table, day))


def _snapshot(storage: Storage, table: str):
    return storage.read_parquet(storage.snapshot_path(table))


def test_carried_state_equals_state_read_back_and_a_lagging_snapshot_is_republished(settings):
    storage = Storage(settings.data_root)
    generate(storage, DAYS[0], DAYS[-1], 300, seed=5)
    materialize(settings, DAYS[0], DAYS[-1])
    assert all(_snapshot(storage, name).num_rows > 0 for name in STATE_HISTORIES)

    # each day from the state read back from history, then from the one carried from the day before
    read_back = {day: build_progress_day(storage, day, publish=False) for day in DAYS[1:]}
    carried = build_progress_day(storage, DAYS[0], publish=False)
    for day in DAYS[1:]:
        carried = build_progress_day(storage, day, previous=carried, publish=False)
        for name in ("viewer_progress", "learner_course_progress", "course_attendance_weekly", "course_cohorts"):
            assert carried[name].equals(read_back[day][name]), (day, name)
    assert carried["viewer_progress"].num_rows > read_back[DAYS[1]]["viewer_progress"].num_rows > 0

    # a run that built the newest day and stopped before publishing leaves the snapshots a day behind
    for name, history in STATE_HISTORIES.items():
        storage.write_snapshot(name, _history(storage, history, DAYS[-2]))
    build_progress_day(storage, DAYS[1])  # a later run of an older day publishes the newest state
    for name, history in STATE_HISTORIES.items():
        newest = _history(storage, history, DAYS[-1])
        assert _snapshot(storage, name).equals(newest), name
        assert set(newest["as_of_date"].to_pylist()) == {DAYS[-1]}
