"""Where each daily mart's statement goes on one day: binding and planning, optimising, running.

    python benchmarks/bench_engine.py --history-days 365 --keep
    python benchmarks/mart_statements.py /tmp/engine-history-365-XXXX 2026-06-01

Binds the day's inputs and builds its shared models as `build_daily_marts` does, then runs each
mart's SQL three times under DuckDB's profiler (`profiling_mode = 'detailed'`) and prints, for
the fastest of the three, the wall time and the profiler's planner (binding included), optimiser
and physical planner times and its CPU time of the operators. On a lake of small days it shows how
much of a day's SQL is paid per statement whatever the rows. Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIELDS = ("wall", "planner", "optimizer", "physical", "cpu")


def profiled(con, query: str, profile: Path) -> dict[str, float]:
    """Milliseconds of one run of `query`, from the clock and from DuckDB's profile."""
    started = time.perf_counter()
    con.execute(query).fetchall()
    wall = time.perf_counter() - started
    p = json.loads(profile.read_text())
    optimizer = p["optimizer"].get("total_time")
    if optimizer is None:
        optimizer = sum(v for v in p["optimizer"].values() if isinstance(v, (int, float)))
    seconds = {"wall": wall, "planner": p["planner"]["total_time"], "optimizer": optimizer,
               "physical": p["physical_planner"]["total_time"], "cpu": p["query"]["cpu_time"]}
    return {k: v * 1000 for k, v in seconds.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", help="a kept benchmark folder (holding data/)")
    p.add_argument("day", type=date.fromisoformat)
    args = p.parse_args()

    from analytics_pipeline.lib import duck, marts, marts_day
    from analytics_pipeline.lib.storage import Storage

    storage, day = Storage(str(Path(args.base) / "data")), args.day
    profile = Path(tempfile.mkdtemp()) / "profile.json"
    totals = dict.fromkeys(FIELDS, 0.0)
    with marts_day.marts_connection(storage) as con:
        marts_day._register_inputs(con, storage, day, marts.DAILY_MARTS)
        marts.build_daily_marts(con, day)  # warm: footers and files in the page cache
        marts._prepare(con, day)
        for model, sql_name in marts._SHARED_MODELS.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {model} AS {duck.load_sql(f'marts/{sql_name}')}")
        con.execute("SET enable_profiling = 'json'")
        con.execute(f"SET profiling_output = {duck.sql_string(str(profile))}")
        con.execute("SET profiling_mode = 'detailed'")
        print(f"{args.base}, {day}, ms (fastest of 3):")
        print(f"  {'mart':22} " + " ".join(f"{f:>9}" for f in FIELDS))
        for name in marts.DAILY_MARTS:
            query = (f"SELECT * FROM {marts._MODEL_MARTS[name]}" if name in marts._MODEL_MARTS
                     else duck.load_sql(f"marts/{name}"))
            best = min((profiled(con, query, profile) for _ in range(3)), key=lambda r: r["wall"])
            for f in FIELDS:
                totals[f] += best[f]
            print(f"  {name:22} " + " ".join(f"{best[f]:9.1f}" for f in FIELDS))
    print(f"  {'all':22} " + " ".join(f"{totals[f]:9.1f}" for f in FIELDS))


if __name__ == "__main__":
    main()
