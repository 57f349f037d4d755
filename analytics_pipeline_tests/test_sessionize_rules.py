"""Sessionisation rules (metrics.md, "Views" and "Playback within a view") on hand-computed scenarios."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.duck import connect
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS, PLAYED_RANGES, build_playback_sessions
from analytics_pipeline_tests.scenarios.playback import DAY, SCENARIOS, Scenario, at, timeline, video

_EVENT_FIELDS = [
    "event_id", "event_type", "session_id", "viewer_id", "user_id", "video_id", "position_s",
    "from_position_s", "duration_s", "playback_rate", "bitrate_kbps", "rendition", "error_code",
    "error_message", "error_fatal", "user_agent", "country", "referrer", "player",
]


def _parse_ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def events_table(raw_events: list[dict], catalog: list[dict]) -> pa.Table:
    """What ingestion would store for these raw events (pure-test stand-in: 'bot' in the UA is a bot)."""
    known = {row["video_id"] for row in catalog}
    rows = []
    for line_number, raw in enumerate(raw_events):
        occurred = _parse_ts(raw["occurred_at"])
        row = {name: raw.get(name) for name in _EVENT_FIELDS}
        row.update(
            occurred_at=occurred,
            received_at=_parse_ts(raw.get("received_at")),
            ip_hash=None,
            properties=json.dumps(raw["properties"]) if "properties" in raw else None,
            device_type=None, browser=None, os=None,
            is_bot="bot" in (raw.get("user_agent") or "").lower(),
            unknown_video=raw["video_id"] not in known,
            event_date=occurred.date(),
            arrival_date=occurred.date(),
            source_file="test.jsonl",
            line_number=line_number,
        )
        rows.append(row)
    table = pa.Table.from_pylist(rows, schema=schemas.EVENTS)
    return table.append_column("date", table.column("event_date"))


def catalog_table(catalog: list[dict]) -> pa.Table:
    rows = [{name: row.get(name) for name in schemas.VIDEO_CATALOG.names} for row in catalog]
    return pa.Table.from_pylist(rows, schema=schemas.VIDEO_CATALOG)


def sessionize(raw_events: list[dict], catalog: list[dict], day: date, gap_minutes: int = 60):
    con = connect()
    con.register("events", events_table(raw_events, catalog))
    con.register("video_catalog", catalog_table(catalog))
    return build_playback_sessions(con, day, gap_minutes)


def _same(actual, expected) -> bool:
    if isinstance(expected, float) and actual is not None:
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    return actual == expected


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_views(scenario: Scenario):
    sessions, _ = sessionize(scenario.events, scenario.catalog, scenario.day)
    by_view = {row["view_id"]: row for row in sessions.to_pylist()}
    assert set(by_view) == set(scenario.expected)
    mismatches = {
        (view_id, column): (by_view[view_id][column], value)
        for view_id, columns in scenario.expected.items()
        for column, value in columns.items()
        if not _same(by_view[view_id][column], value)
    }
    assert mismatches == {}, "(view, column): (actual, expected)"


@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if s.expected_ranges], ids=lambda s: s.name
)
def test_scenario_played_ranges(scenario: Scenario):
    _, ranges = sessionize(scenario.events, scenario.catalog, scenario.day)
    rows = sorted(ranges.to_pylist(), key=lambda r: (r["view_id"], r["from_at"]))
    for view_id, expected in scenario.expected_ranges.items():
        actual = [r for r in rows if r["view_id"] == view_id]
        assert len(actual) == len(expected), [(r["range_start_s"], r["range_end_s"]) for r in actual]
        for got, want in zip(actual, expected):
            assert all(_same(got[k], v) for k, v in want.items()), (got, want)


def test_played_ranges_add_up_to_watch_time_and_carry_view_keys():
    scenario = next(s for s in SCENARIOS if s.name == "rebuffers")
    sessions, ranges = sessionize(scenario.events, scenario.catalog, scenario.day)
    assert sessions.num_rows == 1
    assert sum(ranges.column("played_s").to_pylist()) == pytest.approx(sessions.column("watch_time_s")[0].as_py())
    assert set(ranges.column("viewer_id").to_pylist()) == {"viewer-s-buffer"}
    assert set(ranges.column("video_id").to_pylist()) == {"vid-buffer"}
    assert set(ranges.column("session_id").to_pylist()) == {"s-buffer"}


def test_output_schemas_and_no_date_column():
    scenario = next(s for s in SCENARIOS if s.name == "midnight")
    sessions, ranges = sessionize(scenario.events, scenario.catalog, scenario.day)
    assert sessions.schema == PLAYBACK_SESSIONS
    assert ranges.schema == PLAYED_RANGES
    assert "date" not in sessions.schema.names


def test_previous_day_sees_the_views_that_begin_there():
    # the same midnight events sessionised for DAY - 1: the early view and view 1 of the split
    scenario = next(s for s in SCENARIOS if s.name == "midnight")
    sessions, _ = sessionize(scenario.events, scenario.catalog, DAY - timedelta(days=1))
    rows = {r["view_id"]: r for r in sessions.to_pylist()}
    assert set(rows) == {"s-night-early", "s-night-split"}
    assert rows["s-night-early"]["event_count"] == 5  # includes its DAY events
    assert rows["s-night-split"]["watch_time_s"] == 10.0  # 0..10 before the pause


def test_gap_is_a_setting_and_a_new_view_starts_with_fresh_state():
    # 20 minutes without events after heartbeat@11: one view at the default 60, two at 15.
    # View 1 leaves the flag true, rate 2 and rendition 720p; none of them carries into view 2.
    events = timeline("s-gap", "vid-gap", at("10:00:00"), [
        (0, "view_start", 0),
        (1, "playing", 0),
        (2, "rate_change", 1, {"playback_rate": 2.0}),                           # 0..1
        (3, "quality_change", 3, {"rendition": "720p", "bitrate_kbps": 2500}),   # 1..3 (2 <= 1*2+2)
        (11, "heartbeat", 19),                                                   # 3..19 (16 <= 8*2+2)
        (1211, "play", 19),
        (1212, "playing", 20),
        (1222, "heartbeat", 34),
        (1232, "heartbeat", 44),
        (1233, "view_end", 45),
    ])
    catalog = [video("vid-gap", 100)]
    split, split_ranges = sessionize(events, catalog, DAY, gap_minutes=15)
    # view 2: play..playing not playing (fresh flag); 20..34 = 14 > 10*1+2 (fresh rate 1);
    # 34..44 = 10; 44..45 = 1 -> 11
    assert split.column("view_id").to_pylist() == ["s-gap", "s-gap:2"]
    assert split.column("watch_time_s").to_pylist() == [19.0, 11.0]  # 1 + 2 + 16
    view2 = [r for r in split_ranges.to_pylist() if r["view_id"] == "s-gap:2"]
    assert [(r["rendition"], r["rate"]) for r in view2] == [(None, 1.0), (None, 1.0)]
    # one view: 19 + (19..20 = 1, still playing) + (20..34 = 14 <= 22 at rate 2) + 10 + 1 = 45
    single, _ = sessionize(events, catalog, DAY)
    assert single.column("view_id").to_pylist() == ["s-gap"]
    assert single.column("watch_time_s").to_pylist() == [45.0]


def test_ties_keep_file_order():
    # pause and heartbeat at the same instant: file order decides which comes first.
    def events(order):
        steps = [(0, "view_start", 0), (1, "playing", 0)] + order + [(21, "heartbeat", 20)]
        return timeline("s-tie", "vid-tie", at("10:00:00"), steps)
    catalog = [video("vid-tie", 100)]
    # heartbeat then pause at 11: 0..10, then paused -> 10
    paused_last, _ = sessionize(events([(11, "heartbeat", 10), (11, "pause", 10)]), catalog, DAY)
    # pause then heartbeat at 11: 0..10, heartbeat resumes, 10..20 -> 20
    paused_first, _ = sessionize(events([(11, "pause", 10), (11, "heartbeat", 10)]), catalog, DAY)
    assert paused_last.column("watch_time_s").to_pylist() == [10.0]
    assert paused_first.column("watch_time_s").to_pylist() == [20.0]


def test_empty_input_gives_empty_tables():
    sessions, ranges = sessionize([], [], DAY)
    assert sessions.num_rows == 0 and ranges.num_rows == 0
    assert sessions.schema == PLAYBACK_SESSIONS and ranges.schema == PLAYED_RANGES


def test_all_scenarios_together_match_each_alone():
    events = [e for s in SCENARIOS for e in s.events]
    catalog = [c for s in SCENARIOS for c in s.catalog]
    sessions, _ = sessionize(events, catalog, DAY)
    expected_views = {v for s in SCENARIOS for v in s.expected}
    assert set(sessions.column("view_id").to_pylist()) == expected_views


def test_view_events_chunked_by_session_equal_one_pass(monkeypatch):
    """Every scenario of the day at once: one chunk per session gives the single pass's tables
    (views, played ranges and quality changes; the rebuffers, summaries and ranges are reduced
    chunk by chunk in SQL)."""
    import analytics_pipeline.lib.sessionize as sessionize

    events = [e for s in SCENARIOS if s.day == DAY for e in s.events]
    catalog = list({v["video_id"]: v for s in SCENARIOS for v in s.catalog}.values())

    def run():
        con = connect()
        con.register("events", events_table(events, catalog))
        con.register("video_catalog", catalog_table(catalog))
        changes = []
        sessions, ranges = build_playback_sessions(con, DAY, write_quality_changes=changes.append)
        return sessions, ranges, changes[0]

    one_pass = run()
    monkeypatch.setattr(sessionize, "CHUNK_ROWS", 1)
    chunked = run()
    assert one_pass[0].num_rows > 10 and one_pass[1].num_rows > 10 and one_pass[2].num_rows > 1
    assert sum(one_pass[0].column("rebuffer_count").to_pylist()) > 1
    assert all(c.equals(o) for c, o in zip(chunked, one_pass))


def test_floats_rounded_in_sql_as_round_floats_does():
    """The outputs are rounded in DuckDB; the result must be round_floats' to the last bit."""
    import random

    from analytics_pipeline.lib.sessionize import _select_as

    rng = random.Random(7)
    values = [0.5e-9, 1.5e-9, 2.5e-9, -0.5e-9, -2.5e-9, 1 / 3, 2 / 3, 0.1 + 0.2, 1e-10, 123456.7890123455,
              float("inf"), float("-inf"), None, 0.0, -0.0, 2.0 ** 60 + 0.5]
    values += [rng.uniform(-1e6, 1e6) for _ in range(5000)] + [round(rng.uniform(0, 100), 12) for _ in range(5000)]
    table = pa.table({"x": pa.array(values, pa.float64()), "n": pa.array(range(len(values)), pa.int64())})
    con = connect()
    con.register("t", table)
    in_sql = con.sql(_select_as(table.schema, "t") + " ORDER BY n").to_arrow_table()
    expected = schemas.round_floats(table)
    assert in_sql.column("x").to_pylist() == expected.column("x").to_pylist()
    assert [math.copysign(1, v) for v in in_sql.column("x").to_pylist() if v == 0] == \
           [math.copysign(1, v) for v in expected.column("x").to_pylist() if v == 0]


def test_an_event_time_with_microseconds_is_kept_to_the_millisecond():
    """player-events.md asks for milliseconds; a collector that sends microseconds once must not
    fail the day (Arrow refused to cast such a value to the tables' millisecond unit)."""
    scenario = next(s for s in SCENARIOS if s.name == "rebuffers")
    events = [dict(e) for e in scenario.events]
    first = events[0]["occurred_at"]
    assert first.endswith(".000Z")
    events[0]["occurred_at"] = first[: -len("000Z")] + "000456Z"
    sessions, ranges = sessionize(events, scenario.catalog, scenario.day)
    plain_sessions, plain_ranges = sessionize(scenario.events, scenario.catalog, scenario.day)
    assert sessions.column("started_at").to_pylist() == plain_sessions.column("started_at").to_pylist()
    assert sessions.column("watch_time_s").to_pylist() == plain_sessions.column("watch_time_s").to_pylist()
    assert ranges.equals(plain_ranges)
