"""Fixed costs the CLI's classes replace, each against what it replaces, in the same run.

    python benchmarks/fixed_costs.py

- a new run's event-log file: Dagster's `SqliteEventLogStorage` against the CLI's
  `KeptEngineSqliteEventLogStorage` (median of 20 new runs, in ms)
- `has_table`, 50 calls each (ms a call)
- starting a drawing process and drawing one picture: a `multiprocessing` spawn pool (what the
  marts step used before) against `lib/child_process` (three each, in s)
- a day's DuckDB connection, opened, one query, closed: a database of its own (`duck.connect`,
  what the events of side-by-side days and each day's mart checks opened before) against a
  cursor of the run's database (`duck.cursor`) (median of 20, in ms)
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PICTURE = ([3, 1, 4], ["0-10", "10-20", "20-30"], "experience_score", "views")


def run_files_ms(storage_class) -> float:
    storage = storage_class(tempfile.mkdtemp())
    seconds = []
    for i in range(20):
        started = time.perf_counter()
        with storage.run_connection(f"run-{i}"):
            pass
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000


def has_table_ms(storage_class) -> float:
    storage = storage_class(tempfile.mkdtemp())
    started = time.perf_counter()
    for _ in range(50):
        storage.has_table("asset_event_tags")
    return (time.perf_counter() - started) / 50 * 1000


def day_connection_ms(open_day) -> float:
    seconds = []
    for _ in range(20):
        started = time.perf_counter()
        con = open_day()
        con.execute("SELECT count(*) FROM range(1000)").fetchall()
        con.close()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000


def spawn_pool_s() -> float:
    from analytics_pipeline.lib.charts import bars_png

    started = time.perf_counter()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(bars_png, *PICTURE).result()
    return time.perf_counter() - started


def child_process_s() -> float:
    from analytics_pipeline.lib.charts import bars_png
    from analytics_pipeline.lib.child_process import ChildProcess

    started = time.perf_counter()
    with ChildProcess() as child:
        child.call(bars_png, *PICTURE)
    return time.perf_counter() - started


def main() -> None:
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from analytics_pipeline.instance_storage import KeptEngineSqliteEventLogStorage

    for name, measure, unit in (("a new run's event-log file", run_files_ms, "ms"), ("has_table", has_table_ms, "ms")):
        print(f"{name}: Dagster's class {measure(SqliteEventLogStorage):.2f} {unit}, "
              f"the CLI's {measure(KeptEngineSqliteEventLogStorage):.2f} {unit}")
    from analytics_pipeline.lib import duck

    with duck.connect() as run_con:
        print(f"a day's DuckDB connection: a database of its own {day_connection_ms(duck.connect):.2f} ms, "
              f"a cursor of the run's {day_connection_ms(lambda: duck.cursor(run_con)):.2f} ms")
    spawn, child = [], []
    for _ in range(3):
        spawn.append(spawn_pool_s())
        child.append(child_process_s())
    print("drawing process, start and one picture: spawn pool " + ", ".join(f"{s:.2f}" for s in spawn)
          + " s; child process " + ", ".join(f"{s:.2f}" for s in child) + " s")


if __name__ == "__main__":
    main()
