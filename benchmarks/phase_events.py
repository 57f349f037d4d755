"""Dagster's event storage during one phase of `materialize` over days of a kept lake, by event type.

    python benchmarks/phase_events.py /tmp/engine-history-365-XXXX marts 2026-05-12 2026-06-10

Runs the phase as `phase_range.py` does and times Dagster's `handle_new_event` around its own
method: how many events of each type the run stored, and the seconds they took. An event Dagster
holds for a batch costs nothing itself; the event that ends the batch carries the batch's write.
Run it beside another checkout (`PYTHONPATH=/tmp/other python /tmp/other/benchmarks/...`).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phase_range import PHASES  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", help="a kept benchmark folder (holding data/ and dagster_home/)")
    p.add_argument("phase", choices=PHASES)
    p.add_argument("start", type=date.fromisoformat)
    p.add_argument("end", type=date.fromisoformat)
    args = p.parse_args()
    os.environ["DAGSTER_HOME"] = str(Path(args.base) / "dagster_home")

    from dagster._core.instance.methods.event_methods import EventMethods

    from analytics_pipeline.defs import keys as K
    from analytics_pipeline.runner import Runner
    from analytics_pipeline.settings import load_settings

    seconds, counts = collections.Counter(), collections.Counter()
    stored = EventMethods.handle_new_event

    def timed(self, event, *a, **kw):
        started = time.perf_counter()
        try:
            return stored(self, event, *a, **kw)
        finally:
            kind = event.dagster_event_type.value if event.is_dagster_event else "log message"
            seconds[kind] += time.perf_counter() - started
            counts[kind] += 1

    EventMethods.handle_new_event = timed
    keys = {"ingest": K.INGEST_KEYS, "events": K.EVENTS_KEYS, "sessions": K.SESSION_KEYS, "marts": K.MART_KEYS}
    runner = Runner(load_settings(os.environ, data_root=str(Path(args.base) / "data")))
    days = [args.start + timedelta(days=i) for i in range((args.end - args.start).days + 1)]
    started = time.monotonic()
    runner.run_phase(args.phase, keys[args.phase], days)
    total = time.monotonic() - started
    print(f"{args.phase} {args.start}..{args.end}: {total:.2f} s; handle_new_event {sum(seconds.values()):.2f} s "
          f"for {sum(counts.values())} events")
    for kind, s in seconds.most_common():
        print(f"  {kind:34s} {counts[kind]:6d}  {s:7.2f} s  {s / counts[kind] * 1000:7.2f} ms each")


if __name__ == "__main__":
    main()
