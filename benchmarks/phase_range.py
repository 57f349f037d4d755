"""Time one phase of `materialize` (ingest, events, sessions, marts or warehouse) over days of a kept lake.

Runs the phase's assets as the CLI does (one Dagster run for the range, in the lake's own
instance), nothing before or after it, so the same days can be timed again and a phase's cost
at the start of a history compared with its cost at the end:

    python benchmarks/bench_engine.py --history-days 365 --keep
    ls -dt /tmp/engine-history-365-* | head -1     # the kept folder, newest first
    python benchmarks/phase_range.py /tmp/engine-history-365-XXXX marts 2025-06-12 2025-06-21
    python benchmarks/phase_range.py /tmp/engine-history-365-XXXX marts 2026-06-01 2026-06-10

It rewrites the partitions of those days with what they already hold (every write replaces).
Days whose rebuild a later day depends on are not rebuilt after them: use it on a kept
benchmark lake, not on one whose later days matter. The warehouse has no days: START and END are
ignored for it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PHASES = ("ingest", "events", "sessions", "marts", "warehouse")


def phase_args(description: str) -> argparse.Namespace:
    """`BASE PHASE START END`, with DAGSTER_HOME set to the kept lake's instance."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("base", help="a kept benchmark folder (holding data/ and dagster_home/)")
    p.add_argument("phase", choices=PHASES)
    p.add_argument("start", type=date.fromisoformat)
    p.add_argument("end", type=date.fromisoformat)
    args = p.parse_args()
    os.environ["DAGSTER_HOME"] = str(Path(args.base) / "dagster_home")
    return args


def run_phase(args: argparse.Namespace):
    """Run the phase's assets over the days as the CLI does; returns (seconds, days, the runner)."""
    from analytics_pipeline.defs import keys as K
    from analytics_pipeline.runner import Runner
    from analytics_pipeline.settings import load_settings

    keys = {"ingest": K.INGEST_KEYS, "events": K.EVENTS_KEYS, "sessions": K.SESSION_KEYS, "marts": K.MART_KEYS,
            "warehouse": K.WAREHOUSE_KEYS}
    runner = Runner(load_settings(os.environ, data_root=str(Path(args.base) / "data")))
    days = [args.start + timedelta(days=i) for i in range((args.end - args.start).days + 1)]
    started = time.monotonic()
    runner.run_phase(args.phase, keys[args.phase], None if args.phase == "warehouse" else days)
    return time.monotonic() - started, days, runner


def main() -> None:
    args = phase_args(__doc__.splitlines()[0])
    seconds, days, runner = run_phase(args)
    print(f"{args.phase} {args.start}..{args.end}: {seconds:.2f} s ({seconds / len(days):.2f} s a day)"
          + (f"; failed checks: {runner.failed_checks}" if runner.failed_checks else ""))


if __name__ == "__main__":
    main()
