"""What a one-day `materialize` of a small day costs beyond its data: Dagster's runs and events.

    python benchmarks/small_days.py                 # 6 days of 200 events, each built alone
    python benchmarks/small_days.py --events 6000 --days 4

Generates the days into a fresh folder, then builds them one run each, as a nightly schedule
would, in this process (as the CLI's runner does). Prints each run's seconds and phases, the time
spent storing Dagster's events (`handle_new_event`, timed around Dagster's own method) and how many
it stored. Run it beside another checkout (`PYTHONPATH=/tmp/other`) to compare the two.
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST = date(2026, 3, 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=200, help="events a day")
    p.add_argument("--days", type=int, default=6, help="days, each built by a run of its own")
    args = p.parse_args()

    from dagster._core.instance.methods.event_methods import EventMethods

    from analytics_pipeline.lib.generator import generate
    from analytics_pipeline.lib.storage import Storage
    from analytics_pipeline.runner import Runner
    from analytics_pipeline.settings import load_settings

    storing = collections.Counter()
    handle_new_event = EventMethods.handle_new_event

    def timed(self, *a, **k):
        started = time.perf_counter()
        try:
            return handle_new_event(self, *a, **k)
        finally:
            storing["seconds"] += time.perf_counter() - started
            storing["events"] += 1

    EventMethods.handle_new_event = timed
    base = Path(tempfile.mkdtemp(prefix="small-days-"))
    (base / "home").mkdir()
    (base / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    settings = load_settings({"ANALYTICS_DATA_ROOT": str(base / "data"), "DAGSTER_HOME": str(base / "home"),
                              "ANALYTICS_IP_HASH_KEY": "bench"})
    generate(Storage.from_settings(settings), FIRST, FIRST + timedelta(days=args.days), args.events, seed=3)
    began = time.perf_counter()
    for i in range(args.days):
        day = FIRST + timedelta(days=i)
        started = time.perf_counter()
        report = Runner(settings).materialize(day, day)
        phases = ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items())
        print(f"{day}: {time.perf_counter() - started:.2f} s ({phases})", flush=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{args.days} runs: {time.perf_counter() - began:.2f} s, CPU {usage.ru_utime + usage.ru_stime:.1f} s "
          f"(generating included); storing Dagster's events {storing['seconds']:.2f} s for {storing['events']} events")
    print(f"kept in {base}")


if __name__ == "__main__":
    main()
