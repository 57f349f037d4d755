"""Time the `events` partitions of a range of days outside Dagster, each day's arrivals unioned.

    python benchmarks/bench_engine.py --history-days 365 --keep
    python benchmarks/events_days.py /tmp/engine-history-365-XXXX 2026-06-01 2026-06-08 --repeat 2

Prints how many arrivals fed each day and the milliseconds a day of `build_events_day` (each
round on a connection of its own). To compare with another checkout, run it from that
checkout's folder with PYTHONPATH set to it. It rewrites those days' partitions.
"""

from __future__ import annotations

import sys
import time

from kept_lake import lake_range  # also puts the checkout on sys.path


def main() -> None:
    args, storage, days = lake_range(__doc__.splitlines()[0], repeat=True)

    from analytics_pipeline.lib.ingest.events_day import build_events_day
    from analytics_pipeline.lib.ingest.staged import arrivals_by_event_day
    by_day = arrivals_by_event_day(storage)
    print("arrivals a day:", [len(by_day.get(day, [])) for day in days])
    for _ in range(args.repeat):
        started = time.perf_counter()
        for day in days:
            build_events_day(storage, day, by_day.get(day, []))
        print(f"build_events_day: {(time.perf_counter() - started) / len(days) * 1000:.1f} ms a day")


if __name__ == "__main__":
    main()
