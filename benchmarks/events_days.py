"""Time the `events` partitions of a range of days outside Dagster, each day's arrivals unioned.

    python benchmarks/bench_engine.py --history-days 365 --keep
    python benchmarks/events_days.py /tmp/engine-history-365-XXXX 2026-06-01 2026-06-08 --repeat 2

Prints how many arrivals fed each day and the milliseconds a day of `build_events_day` (each
round on a connection of its own). To compare with another checkout, run it from that
checkout's folder with PYTHONPATH set to it. It rewrites those days' partitions.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", help="a kept benchmark folder (holding data/)")
    p.add_argument("start", type=date.fromisoformat)
    p.add_argument("end", type=date.fromisoformat)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()

    from analytics_pipeline.lib.ingest.events_day import build_events_day
    from analytics_pipeline.lib.ingest.staged import arrivals_by_event_day
    from analytics_pipeline.lib.storage import Storage

    storage = Storage(str(Path(args.base) / "data"))
    by_day = arrivals_by_event_day(storage)
    days = [args.start + timedelta(days=i) for i in range((args.end - args.start).days + 1)]
    print("arrivals a day:", [len(by_day.get(day, [])) for day in days])
    for _ in range(args.repeat):
        started = time.perf_counter()
        for day in days:
            build_events_day(storage, day, by_day.get(day, []))
        print(f"build_events_day: {(time.perf_counter() - started) / len(days) * 1000:.1f} ms a day")


if __name__ == "__main__":
    main()
