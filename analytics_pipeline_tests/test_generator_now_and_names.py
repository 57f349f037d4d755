"""The generator stops at "now" and gives every landing file a name no other arrival folder has."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from analytics_pipeline.lib.generator import generate, last_days
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.test_generator import _parse_ts, problem, read_landing

START, END = date(2026, 6, 14), date(2026, 6, 16)


def stamps(lines) -> tuple[list[datetime], list[datetime]]:
    """(received_at of every line that has a valid one, occurred_at of every valid event)."""
    received, occurred = [], []
    for _, _, _, line in lines:
        try:
            event = json.loads(line)
            received.append(_parse_ts(event["received_at"]))
        except (ValueError, TypeError, KeyError):
            continue
        if problem(line) is None:
            occurred.append(_parse_ts(event["occurred_at"]))
    return received, occurred


def test_the_last_day_stops_at_now(tmp_path):
    now = datetime(2026, 6, 16, 13, 27, 5, tzinfo=timezone.utc)
    naive_now = now.replace(tzinfo=None)
    summary = generate(Storage(str(tmp_path)), START, END + timedelta(days=1), 3000, seed=2, now=now)
    received, occurred = stamps(read_landing(tmp_path))
    assert max(received) < naive_now and max(occurred) < naive_now
    # runs up to the current time, not to the last 6-hour window boundary before it
    assert naive_now - max(occurred) < timedelta(hours=2), "today's events run up to the current time"
    assert summary.held_back_events > 0
    assert END + timedelta(days=1) not in summary.files, "no folder for a day after now"
    # today holds a part of a day: by the hour weights, less than the full 16 June and more than a third
    today_events = summary.events_by_day[END]
    assert 0.3 * summary.events_by_day[START] < today_events < 0.8 * summary.events_by_day[START]


def test_the_default_now_is_the_current_time(tmp_path):
    start, today = last_days(2)
    generate(Storage(str(tmp_path)), start, today, 1500, seed=4)
    after = datetime.now(timezone.utc).replace(tzinfo=None)
    received, occurred = stamps(read_landing(tmp_path))
    assert received and max(received) < after and max(occurred) < after


def test_no_file_name_repeats_across_arrival_folders(tmp_path):
    summary = generate(Storage(str(tmp_path)), START, END, 6000, seed=11, files_per_day=4)
    names = Counter(path.rsplit("/", 1)[-1] for paths in summary.files.values() for path in paths)
    assert [n for n, count in names.items() if count > 1] == []
    flushes = [(arrival, path) for arrival, paths in summary.files.items() for path in paths if "-flush" in path]
    assert len({arrival for arrival, _ in flushes}) >= 2, "late deliveries in more than one folder"
    for arrival, path in flushes:
        assert f"-flush-{arrival:%Y%m%d}." in path, path
