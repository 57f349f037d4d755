"""Each daily mart's SQL run as `con.sql(q).to_arrow_table()` (bound twice) against `duck.arrow_of` (once).

    python benchmarks/bind_once.py /tmp/engine-history-365-XXXX 2026-06-01 2026-06-03
    python benchmarks/bind_once.py /tmp/small-days-XXXX 2026-03-03 2026-03-05 --repeat 5

For each day of a kept lake, binds the marts' inputs as `build_marts_day` does, then runs every
mart's SQL both ways, alternating, `--repeat` times, and its `EXPLAIN` (planning alone); prints the
fastest of each in ms, summed over the marts, and exits 1 if the two ways give different tables
(rows, types or schema metadata).
"""

from __future__ import annotations

import sys
import time

from kept_lake import lake_range  # also puts the checkout on sys.path


def main() -> None:
    args, storage, days = lake_range(__doc__.splitlines()[0], repeat=True)

    from analytics_pipeline.lib import duck, marts, marts_day

    totals = {"con.sql": 0.0, "arrow_of": 0.0, "EXPLAIN": 0.0}
    differ = []
    with marts_day.marts_connection(storage) as con:
        for day in days:
            marts_day._register_inputs(con, storage, day, marts.DAILY_MARTS)
            marts._prepare(con, day)
            for model, sql_name in marts._SHARED_MODELS.items():
                con.execute(f"CREATE OR REPLACE TEMP TABLE {model} AS {duck.load_sql(f'marts/{sql_name}')}")
            for name in marts.DAILY_MARTS:
                query = (f"SELECT * FROM {marts._MODEL_MARTS[name]}" if name in marts._MODEL_MARTS
                         else duck.load_sql(f"marts/{name}"))
                best = {way: float("inf") for way in totals}
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    twice = con.sql(query).to_arrow_table()
                    best["con.sql"] = min(best["con.sql"], time.perf_counter() - started)
                    started = time.perf_counter()
                    once = duck.arrow_of(con, query)
                    best["arrow_of"] = min(best["arrow_of"], time.perf_counter() - started)
                    started = time.perf_counter()
                    con.execute("EXPLAIN " + query).fetchall()
                    best["EXPLAIN"] = min(best["EXPLAIN"], time.perf_counter() - started)
                    if not (twice.equals(once) and twice.schema.equals(once.schema, check_metadata=True)):
                        differ.append((day, name))
                for way, seconds in best.items():
                    totals[way] += seconds
    print(f"{args.base}, {args.start}..{args.end} ({len(days)} days), the fastest of {args.repeat} runs, "
          f"ms a day over {len(marts.DAILY_MARTS)} marts:")
    for way, seconds in totals.items():
        print(f"  {seconds / len(days) * 1000:8.1f}  {way}")
    if differ:
        print("different tables:", sorted(set(differ)))
        sys.exit(1)


if __name__ == "__main__":
    main()
