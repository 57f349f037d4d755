"""Where a day of marts and progress tables goes, step by step, outside Dagster.

    python benchmarks/bench_engine.py --history-days 365 --keep
    python benchmarks/marts_steps.py /tmp/engine-history-365-XXXX 2026-06-05 2026-06-10

Builds the days' marts on one connection, then their progress tables (the state carried from day
to day), as the two assets do, and prints the milliseconds a day of each step: binding each input
relation, each mart's SQL, the insights, viewer_progress, the learner tables and each table's
write. Run it on two lakes of different history lengths to see what grows with history. It
rewrites those days' partitions with what they already hold and leaves the snapshots as they are.
"""

from __future__ import annotations

import collections
import sys
import time

from kept_lake import lake_range  # also puts the checkout on sys.path

SECONDS: collections.Counter = collections.Counter()


def timed(module, name: str, label=None) -> None:
    """Replace `module.name` by itself, adding its time under `label(args)` (or its name)."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SECONDS[label(args) if label else name] += time.perf_counter() - started

    setattr(module, name, wrapper)


def main() -> None:
    args, storage, days = lake_range(__doc__.splitlines()[0])

    from analytics_pipeline.lib import duck, marts, marts_day
    from analytics_pipeline.lib.storage import Storage

    timed(marts, "_run", lambda a: f"SQL {a[1]}")
    timed(marts_day, "_register_inputs", lambda a: "binding the inputs, in all")
    timed(duck, "register_partitions", lambda a: f"binding {a[1]}")
    timed(duck, "register_snapshot", lambda a: f"binding {a[1]}")
    for name in ("build_day_insights", "build_viewer_progress", "build_learner_tables"):
        timed(marts_day, name)
    timed(Storage, "write_partition", lambda a: f"write {a[1]}")

    with marts_day.marts_connection(storage) as con:
        for day in days:
            started = time.perf_counter()
            marts_day.build_marts_day(storage, day, con=con)
            SECONDS["build_marts_day, in all"] += time.perf_counter() - started
    with marts_day.marts_connection(storage) as con:
        previous = None
        for day in days:
            started = time.perf_counter()
            previous = marts_day.build_progress_day(storage, day, previous=previous, publish=False, con=con)
            SECONDS["build_progress_day, in all"] += time.perf_counter() - started
    print(f"{args.base}, {args.start}..{args.end} ({len(days)} days), ms a day:")
    for step, seconds in SECONDS.most_common():
        print(f"  {seconds / len(days) * 1000:8.1f}  {step}")


if __name__ == "__main__":
    main()
