"""Every hand-computed playback scenario, end to end: landing files -> Dagster runs -> playback_sessions."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from analytics_pipeline_tests.scenarios import playback
from analytics_pipeline_tests.support import built_once, lake_rows, materialize, write_catalog, write_events

SCENARIOS = playback.SCENARIOS


def _build(tmp: Path) -> Path:
    """All scenarios loaded together (their ids are disjoint) and built by one `materialize`."""
    import os

    from analytics_pipeline.settings import load_settings

    env = {"ANALYTICS_DATA_ROOT": str(tmp / "data"), "DAGSTER_HOME": str(tmp / "home"), "ANALYTICS_IP_HASH_KEY": "k"}
    (tmp / "home").mkdir()
    (tmp / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = load_settings()
        root = Path(settings.data_root)
        catalog = {row["video_id"]: row for s in SCENARIOS for row in s.catalog}
        write_catalog(root, list(catalog.values()))
        by_day = defaultdict(list)
        for s in SCENARIOS:
            for e in s.events:
                by_day[datetime.fromisoformat(e["occurred_at"].replace("Z", "+00:00")).date()].append(e)
        for day, events in by_day.items():
            write_events(root, day, "scenarios.jsonl", events)
        materialize(settings, min(by_day), max(by_day))
        return root
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def built(tmp_path_factory, worker_id):
    """The data root every scenario was built into, once per test run."""
    return built_once(tmp_path_factory, worker_id, "playback_scenarios", _build)


def _same(actual, expected) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        if expected is None or actual is None:
            return expected is actual
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-6)
    return actual == expected


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_through_the_pipeline(built, scenario):
    sessions = {e["session_id"] for e in scenario.events}
    rows = [r for r in lake_rows(built, "playback_sessions", where=f"date = DATE '{scenario.day}'")
            if r["session_id"] in sessions]
    got = {r["view_id"]: r for r in rows}
    assert set(got) == set(scenario.expected)
    for view_id, expected in scenario.expected.items():
        for column, value in expected.items():
            assert _same(got[view_id][column], value), (view_id, column, got[view_id][column], value)
    for view_id, ranges in scenario.expected_ranges.items():
        actual = lake_rows(built, "played_ranges", where=f"view_id = '{view_id}'", order="from_at")
        assert len(actual) == len(ranges), view_id
        for a, e in zip(actual, ranges):
            for column, value in e.items():
                assert _same(a[column], value), (view_id, column, a[column], value)
