"""Time one day of the progress tables on a kept lake: the state read back from history against the
state carried from the day before, as a run over several days does (outside Dagster).

    python benchmarks/bench_engine.py --history-days 365 --keep
    python benchmarks/progress_day.py /tmp/engine-history-365-XXXX 2026-06-09

It rewrites that day's progress partitions with what they already hold and leaves the snapshots
as they are (`publish=False`).
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
    p.add_argument("day", type=date.fromisoformat)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()

    from analytics_pipeline.lib.marts_day import build_progress_day
    from analytics_pipeline.lib.storage import Storage

    storage = Storage(str(Path(args.base) / "data"))
    before = build_progress_day(storage, args.day - timedelta(days=1), publish=False)
    for _ in range(args.repeat):
        started = time.perf_counter()
        state = build_progress_day(storage, args.day, publish=False)
        read_back = time.perf_counter() - started
        started = time.perf_counter()
        carried = build_progress_day(storage, args.day, previous=before, publish=False)
        carried_s = time.perf_counter() - started
        same = all(carried[name].equals(state[name]) for name in state)
        print(f"{args.day}: read back {read_back:.3f} s, carried {carried_s:.3f} s; "
              f"viewer_progress {state['viewer_progress'].num_rows:,} rows; equal: {same}")


if __name__ == "__main__":
    main()
