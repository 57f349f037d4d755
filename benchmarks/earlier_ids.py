"""Ingest's duplicate check of arrivals of a kept lake: `_earlier_ids` and `arrival_duplicates`.

    python benchmarks/earlier_ids.py /tmp/engine-history-365-XXXX 2026-06-01 2026-06-03 --repeat 5

Stages each arrival (not timed), then binds the ids earlier arrivals staged and finds the
arrival's duplicate lines, `--repeat` times; prints the fastest and the median in ms and a
checksum of the duplicate positions, to compare with another checkout
(`PYTHONPATH=/tmp/other python /tmp/other/benchmarks/earlier_ids.py ...`). Writes nothing.
"""

from __future__ import annotations

import statistics
import time

from kept_lake import lake_range  # also puts the checkout on sys.path


def main() -> None:
    args, storage, days = lake_range(__doc__.splitlines()[0], repeat=True)

    from analytics_pipeline.lib import duck
    from analytics_pipeline.lib.ingest import arrival
    from analytics_pipeline.lib.ingest.staged import arrivals_by_event_day
    from analytics_pipeline.lib.storage import Storage

    catalog = storage.read_parquet(Storage.snapshot_path("video_catalog"))
    by_day = arrivals_by_event_day(storage)
    for day in days:
        staged = arrival.stage_arrival(storage, day, catalog)
        try:
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                arrival._earlier_ids(staged.con, storage, day, by_day)
                staged.con.execute("CREATE OR REPLACE TEMP TABLE arrival_duplicates AS "
                                   + duck.load_sql("ingest/arrival_duplicates"))
                times.append(time.perf_counter() - started)
            count, checksum = staged.con.execute(
                "SELECT count(*), sum(file_order * 1000000 + line_number) FROM arrival_duplicates").fetchone()
            print(f"{day}: fastest {min(times) * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms; "
                  f"{count} duplicates (checksum {checksum})")
        finally:
            staged.close()


if __name__ == "__main__":
    main()
