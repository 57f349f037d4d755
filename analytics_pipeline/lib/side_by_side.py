"""Days of a range run built two at a time when each is small.

At 100 k events a day a day's statements are too small for DuckDB to spread over both cores,
and the Python around them holds one: the sessions phase of a backfill ran at 111 % CPU. Days
whose builds read and write only their own partitions (sessions, events) can then run side by
side, each with its share of the memory limit. A big day's statements use every core alone,
and two of them would need twice the memory: those run one at a time, as before. Days built one
after the other (marts, progress) still run their pictures, checks or writes beside the next day.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TypeVar

from analytics_pipeline.lib.duck import part_of_memory_limit

R = TypeVar("R")
B = TypeVar("B")

# A day's input at or under this is small: 100 k events are about 3.3 MB of Parquet (5.6 MB of
# gzip). At 1 M events a day (33 MB) two days at once took as long as one at a time, and 28 % more memory.
SMALL_DAY_BYTES = 16 * 2**20


def days_at_once(input_bytes: list[int]) -> int:
    """How many days to build at once: 2 (at most the cores) when there are several and every
    day's input is small, else 1."""
    if len(input_bytes) < 2 or any(size > SMALL_DAY_BYTES for size in input_bytes):
        return 1
    return min(2, os.cpu_count() or 1)


def memory_share(memory_limit: str, at_once: int) -> str:
    """Each day's part of DuckDB's memory limit (settings.duckdb_memory_limit) when `at_once` are built."""
    return memory_limit if at_once == 1 else part_of_memory_limit(memory_limit, 1 / at_once)


def file_sizes(storage, table: str) -> dict[str, int]:
    """Path -> bytes of every file of a lake table (one listing)."""
    return {entry.path: entry.size for entry in storage.list_files(f"lake/{table}", recursive=True)}


def in_day_order(build: Callable[[date], R], days: list[date], at_once: int,
                 discard: Callable[[R], None] | None = None) -> Iterator[tuple[date, R]]:
    """(day, build(day)) in the order of `days`, with up to `at_once` days being built meanwhile.

    A failed day stops the run there: no further day is started, and the one beside it finishes
    (every write replaces, so it is as if the run had stopped after it). `discard` is given the
    results built and never handed out (a day failed, or the caller stopped early)."""
    if at_once <= 1:
        for day in days:
            yield day, build(day)
        return
    with ThreadPoolExecutor(at_once, "day") as pool:
        building: deque = deque()
        try:
            for day in days:
                building.append((day, pool.submit(build, day)))
                if len(building) == at_once:
                    first, done = building.popleft()
                    yield first, done.result()
            while building:
                first, done = building.popleft()
                yield first, done.result()
        finally:
            for _, left in building:
                if discard is not None and not left.cancel() and left.exception() is None:
                    discard(left.result())


def beside_next_day(days: list[date], build: Callable[[date], B],
                    beside: Callable[[date, B], R]) -> Iterator[tuple[date, R]]:
    """For each day, `build(day)` on this thread, then `beside(day, built)` in one worker thread
    while the next day is built; yields (day, what `beside` returned) in day order.

    For days that must be built one after the other (state carried from day to day) whose
    pictures, checks or writes need not hold up the next day. A day is yielded once its `beside`
    is done; if a build fails, the day before it is finished beside it but not yielded."""
    with ThreadPoolExecutor(1, "beside") as pool:
        pending = None
        for day in days:
            built = build(day)
            if pending:
                yield pending[0], pending[1].result()
            pending = (day, pool.submit(beside, day, built))
        if pending:
            yield pending[0], pending[1].result()
