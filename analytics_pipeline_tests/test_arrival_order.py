"""Arrival days built in any order give the lake that building them in order gives.

The generator's retries land on the same or a later arrival day and its offline flushes days
later, so the days share event days and event ids: the earliest arrival of an id must win
whichever day was built first.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import load_settings
from analytics_pipeline_tests.support import lake_rows, lake_snapshot, materialize

START = date(2024, 5, 6)
DAYS = [START + timedelta(days=i) for i in range(3)]


def _ids_of_arrival(root, arrival: date) -> set[str]:
    return {r["event_id"] for r in lake_rows(root, "event_arrivals", f"arrival_date = DATE '{arrival}'")}


def _duplicates(root, arrival: date) -> int:
    return sum(r["duplicates"] for r in lake_rows(root, "ingest_audit", f"arrival_date = DATE '{arrival}'"))


def test_reverse_order_equals_forward_order(tmp_path, monkeypatch, settings):
    roots = {name: tmp_path / name for name in ("forward", "reverse")}
    generate(Storage(str(roots["forward"])), DAYS[0], DAYS[-1], 1200, seed=16, files_per_day=2)
    shutil.copytree(roots["forward"] / "landing", roots["reverse"] / "landing")

    reingested = {}
    for name, order in (("forward", DAYS), ("reverse", DAYS[::-1])):
        monkeypatch.setenv("ANALYTICS_DATA_ROOT", str(roots[name]))
        reingested[name] = [materialize(load_settings(), day, day).reingested for day in order]
    assert reingested["forward"] == [[], [], []]  # in order costs nothing extra
    # each day built before its predecessors is ingested again once per predecessor sharing its event days
    assert reingested["reverse"] == [[], [DAYS[2]], [DAYS[1], DAYS[2]]]

    forward, reverse = lake_snapshot(roots["forward"]), lake_snapshot(roots["reverse"])
    assert set(forward) == set(reverse)
    for table in ("event_arrivals", "events", "ingest_audit", "arrival_event_days", "events_quarantine",
                  "playback_sessions", "played_ranges", "video_counters", "viewer_progress"):
        assert forward[table], table  # the comparison below compares something
    for table in sorted(forward):
        assert reverse[table] == forward[table], table

    # the scenario has what makes order matter: later arrivals repeating ids of earlier ones ...
    audit = lake_rows(roots["forward"], "ingest_audit", f"arrival_date > DATE '{DAYS[0]}'")
    assert sum(r["duplicates"] for r in audit) > 0
    # ... and no id is staged by two arrivals: each kept its earliest arrival only
    staged = [_ids_of_arrival(roots["reverse"], d) for d in DAYS]
    assert not (staged[0] & staged[1]) and not (staged[0] & staged[2]) and not (staged[1] & staged[2])


def test_an_earlier_arrival_built_later_takes_its_ids_back(tmp_path, monkeypatch, settings):
    """Day 2 built alone keeps retries of day 1's events; building day 1 afterwards must move
    them back to day 1 (its originals are not duplicates) and count them as day 2's duplicates."""
    root = tmp_path / "data"
    generate(Storage(str(root)), DAYS[0], DAYS[1], 1200, seed=16, files_per_day=2)
    monkeypatch.setenv("ANALYTICS_DATA_ROOT", str(root))
    materialize(load_settings(), DAYS[1], DAYS[1])
    alone = _ids_of_arrival(root, DAYS[1])
    duplicates_alone = _duplicates(root, DAYS[1])
    report = materialize(load_settings(), DAYS[0], DAYS[0])

    first, second = _ids_of_arrival(root, DAYS[0]), _ids_of_arrival(root, DAYS[1])
    retried = alone & first
    assert retried and not (first & second)
    assert second == alone - first
    assert _duplicates(root, DAYS[1]) == duplicates_alone + len(retried)
    events = lake_rows(root, "events", f"event_id IN ({', '.join(repr(i) for i in sorted(retried))})")
    assert len(events) == len(retried) and {r["arrival_date"] for r in events} == {DAYS[0]}
    assert report.reingested == [DAYS[1]]
