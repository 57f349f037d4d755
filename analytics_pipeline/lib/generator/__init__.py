"""A realistic, deterministic sample-data generator for the landing zone.

`generate` writes the catalog CSVs and the player-event NDJSON files of player-events.md for a
range of days. The same seed gives byte-identical files. Events are simulated view by view and
streamed to several files per day, so ten million events a day never sit in memory at once;
chunks of work are independent (own sub-seed) and run in child processes when large
(`lib/child_process.py`, each child taking the next chunk when it is free).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from ..child_process import map_in_children
from ..storage import Storage
from .catalog import build_catalog, catalog_files
from .chunk import DAY_MS, ChunkPlan, ChunkResult, run_chunk, window_bounds, window_weight
from .lines import day_ms, ms_day

__all__ = ["GenerateSummary", "generate", "last_days"]

PARALLEL_FROM_EVENTS = 400_000  # below this, process start-up costs more than it saves


@dataclass
class GenerateSummary:
    start: date
    end: date
    seed: int
    files: dict[date, list[str]] = field(default_factory=dict)          # arrival day -> landing paths
    lines_by_arrival_day: dict[date, int] = field(default_factory=dict)  # every line written, per folder
    events_by_day: dict[date, int] = field(default_factory=dict)         # distinct valid events, by occurred_at day
    catalog_files: list[str] = field(default_factory=list)
    lines_written: int = 0
    events: int = 0               # distinct valid events written
    malformed_lines: int = 0
    malformed_by_kind: dict[str, int] = field(default_factory=dict)
    duplicate_lines: int = 0      # re-deliveries of an event already written (same event_id, same line)
    late_lines: int = 0           # valid first deliveries whose arrival day is after their occurred_at day
    held_back_events: int = 0     # would arrive after `end` or happen/arrive after `now`: not written
    views: int = 0
    bot_views: int = 0


def last_days(n: int, today: date | None = None) -> tuple[date, date]:
    """The `n` days ending `today` (UTC) inclusive."""
    today = today or datetime.now(timezone.utc).date()
    return today - timedelta(days=n - 1), today


def _plans(storage: Storage, start: date, end: date, events_per_day: int, seed: int, files_per_day: int,
           gzip: bool | None, now_ms: int) -> list[ChunkPlan]:
    """One plan per time window of each day; a window cut by `now` gets its share, one after it none."""
    whole_day = window_weight(0, DAY_MS)
    plans = []
    for day_number in range((end - start).days + 1):
        day = start + timedelta(days=day_number)
        for index in range(files_per_day):
            lo, hi = window_bounds(index, files_per_day)
            hi = min(hi, now_ms - day_ms(day))
            if hi <= lo:
                continue
            share = window_weight(lo, hi) / whole_day
            compress = gzip if gzip is not None else (day_number + index) % 2 == 1
            plans.append(ChunkPlan(
                root=storage.root, endpoint_url=storage.endpoint_url, region=storage.region, seed=seed,
                day=day, index=index, files_per_day=files_per_day,
                events_target=max(1, round(events_per_day * share)), first_day=start, last_day=end,
                compress=compress, audience_size=max(150, events_per_day // 150),
                cover_malformed_kinds=(day_number == 0 and index == 0), now_ms=now_ms,
            ))
    return plans


def _merge(summary: GenerateSummary, part: ChunkResult) -> None:
    for arrival, files in part.files.items():
        summary.files.setdefault(arrival, []).extend(rel for rel, _ in files)
    summary.duplicate_lines += part.duplicate_lines
    summary.late_lines += part.late_lines
    summary.held_back_events += part.held_back_events
    summary.views += part.views
    summary.bot_views += part.bot_views
    for kind, n in part.malformed.items():
        summary.malformed_by_kind[kind] = summary.malformed_by_kind.get(kind, 0) + n
    for index, n in part.events_by_day.items():
        day = ms_day(index * DAY_MS)
        summary.events_by_day[day] = summary.events_by_day.get(day, 0) + n
    for index, n in part.lines_by_arrival_day.items():
        day = ms_day(index * DAY_MS)
        summary.lines_by_arrival_day[day] = summary.lines_by_arrival_day.get(day, 0) + n


def generate(storage: Storage, start: date, end: date, events_per_day: int, seed: int = 7, *,
             files_per_day: int = 4, gzip: bool | None = None, write_catalog: bool = True,
             workers: int | None = None, now: datetime | None = None) -> GenerateSummary:
    """Write the catalog and `events_per_day` (about) simulated events for each day start..end.

    Each day gets `files_per_day` files `landing/events/<day>/collector-<day>-<nn>.jsonl[.gz]`
    (one per time window of view starts); what a window delivers on a later day (views past
    midnight, offline batches, retries) goes to `landing/events/<later day>/collector-<day>-<nn>-flush-<later day>...`.
    Events land in the arrival folder of their `received_at` day; nothing lands after `end`
    (those are counted in `held_back_events`). `gzip` None mixes `.jsonl` and `.jsonl.gz`
    files; True/False forces one kind. `workers` defaults to the CPU count for runs of
    400k+ events and 1 otherwise.

    Nothing happens or is received at or after `now` (default: the current time, UTC): a range
    ending today stops at the current time, so the same seed gives the same bytes only for days
    before `now` (or with the same `now`). Events a view would send later are held back.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if events_per_day < 1 or files_per_day < 1:
        raise ValueError("events_per_day and files_per_day must be positive")
    summary = GenerateSummary(start=start, end=end, seed=seed)
    if write_catalog:
        for name, content in catalog_files(build_catalog(seed, start)).items():
            rel = f"landing/catalog/{name}"
            storage.write_bytes(rel, content)
            summary.catalog_files.append(rel)

    now = now or datetime.now(timezone.utc)
    now_ms = int(now.timestamp() * 1000)
    plans = _plans(storage, start, end, events_per_day, seed, files_per_day, gzip, now_ms)
    total = events_per_day * ((end - start).days + 1)
    if workers is None:
        workers = min(os.cpu_count() or 1, len(plans)) if total >= PARALLEL_FROM_EVENTS else 1
    if workers <= 1:
        results = [run_chunk(plan) for plan in plans]
    else:
        results = map_in_children(run_chunk, plans, workers)
    for part in results:
        _merge(summary, part)

    summary.files = {day: sorted(paths) for day, paths in sorted(summary.files.items())}
    summary.events_by_day = dict(sorted(summary.events_by_day.items()))
    summary.lines_by_arrival_day = dict(sorted(summary.lines_by_arrival_day.items()))
    summary.events = sum(summary.events_by_day.values())
    summary.lines_written = sum(summary.lines_by_arrival_day.values())
    summary.malformed_lines = sum(summary.malformed_by_kind.values())
    return summary
