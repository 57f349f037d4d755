"""What binding a view over many lake partitions costs, with and without `union_by_name`.

    python benchmarks/bind_views.py /tmp/engine-history-365-XXXX 2026-06-01 2026-06-01 --repeat 5

For each day of a kept lake, the view the marts bind over every earlier `viewer_first_views`
partition (`earlier_first_views`): creating it, `DESCRIBE` and `EXPLAIN` of a query over it, with
`union_by_name = true` (every footer read at each binding) and `false` (the first), alternating;
then `register_partitions` as the marts call it, and the warehouse's listing of the lake's tables
(`warehouse.lake_tables`). Prints the fastest of `--repeat` in ms. Writes nothing.
"""

from __future__ import annotations

import time

from kept_lake import lake_range  # also puts the checkout on sys.path


def fastest(repeat: int, call) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    args, storage, days = lake_range(__doc__.splitlines()[0], repeat=True)

    from analytics_pipeline.lib import duck, marts_schemas, warehouse

    con = duck.connect()
    for day in days:
        earlier = [d for d in storage.partition_days("viewer_first_views") if d < day]
        files = storage.existing_partition_files("viewer_first_views", earlier)
        paths = ", ".join(duck.sql_string(storage.uri(f)) for f in files)
        print(f"{day}: {len(files)} earlier viewer_first_views files, fastest of {args.repeat}, ms")
        for by_name in ("true", "false"):
            source = f"read_parquet([{paths}], hive_partitioning = true, union_by_name = {by_name})"
            create = fastest(args.repeat, lambda: con.execute(f"CREATE OR REPLACE TEMP VIEW v AS SELECT * FROM {source}"))
            describe = fastest(args.repeat, lambda: con.execute("DESCRIBE v").fetchall())
            explain = fastest(args.repeat, lambda: con.execute("EXPLAIN SELECT count(DISTINCT viewer_id) FROM v").fetchall())
            print(f"  union_by_name = {by_name:5}  create {create:6.1f}  DESCRIBE {describe:6.1f}  EXPLAIN {explain:6.1f}")
        schema = marts_schemas.MART_SCHEMAS["viewer_first_views"]
        register = fastest(args.repeat, lambda: duck.register_partitions(
            con, "earlier_first_views", storage, "viewer_first_views", earlier, schema))
        print(f"  register_partitions (listing, schemas, view)  {register:6.1f}")
    print(f"warehouse.lake_tables  {fastest(args.repeat, lambda: warehouse.lake_tables(storage)):6.1f}")


if __name__ == "__main__":
    main()
