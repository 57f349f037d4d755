"""Time the marts and progress tables of a range of days outside Dagster: each day on a DuckDB
connection of its own (the baseline) against one connection for all of them, as a run does.

    python benchmarks/bench_engine.py --history-days 365 --keep
    python benchmarks/marts_days.py /tmp/engine-history-365-XXXX 2026-06-01 2026-06-10

It rewrites those days' partitions with what they already hold and leaves the snapshots as they
are (`publish=False`). The two ways alternate `--repeat` times; each must return the same tables
(exit 1 if not).
"""

from __future__ import annotations

import sys
import time
from datetime import date

from kept_lake import lake_range  # also puts the checkout on sys.path


def build_days(storage, days: list[date], shared: bool) -> dict:
    """Every day's marts, then every day's progress (carried from the day before), each on the connection given."""
    from analytics_pipeline.lib.marts_day import build_marts_day, build_progress_day, marts_connection

    out, previous = {}, None
    with marts_connection(storage) as con:
        for day in days:
            out[("marts", day)] = build_marts_day(storage, day, con=con if shared else None)
    with marts_connection(storage) as con:
        for day in days:
            previous = build_progress_day(storage, day, previous=previous, publish=False, con=con if shared else None)
            out[("progress", day)] = previous
    return out


def main() -> None:
    args, storage, days = lake_range(__doc__.splitlines()[0], repeat=True)

    results, same = {}, True
    for _ in range(args.repeat):
        for shared in (False, True):
            wall, cpu = time.perf_counter(), time.process_time()
            tables = build_days(storage, days, shared)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            label = "one connection" if shared else "a connection a day"
            print(f"{label:>20}: {wall:6.2f} s ({wall / len(days):.3f} s a day), CPU {cpu:6.2f} s")
            if label in results:
                same &= _equal(results[label], tables)
            results[label] = tables
    same &= _equal(*results.values())
    print(f"same tables: {same}")
    sys.exit(0 if same else 1)


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k].keys() == b[k].keys() and all(a[k][n].equals(b[k][n]) for n in a[k]) for k in a)


if __name__ == "__main__":
    main()
