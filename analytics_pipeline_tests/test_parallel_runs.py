"""Two `analytics-pipeline materialize` processes of different days at once, on one data root.

Both share the lake, the Dagster instance and the warehouse file; afterwards every table must
hold what one process running the same days one after the other wrote, and the warehouse must
be one whole DuckDB file whose views read both days.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb

from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import PROJECT_ROOT, load_settings
from analytics_pipeline_tests.s3_server import comparable_rows, storage_snapshot
from analytics_pipeline_tests.support import materialize

DAY_A, DAY_B = date(2024, 4, 3), date(2024, 4, 10)
# Tables whose day D is built from D-1's rows. The runner serialises the marts phase of
# concurrent processes, so these too must equal the sequential run.
CHAINED: set[str] = set()

CLI = "import sys; from analytics_pipeline.cli import main; sys.exit(main(sys.argv[1:]))"


def _env(root: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANALYTICS_", "AWS_", "BUNNY_", "CLOUDFLARE_"))}
    home.mkdir(exist_ok=True)
    return {**env, "ANALYTICS_DATA_ROOT": str(root), "ANALYTICS_IP_HASH_KEY": "test-ip-key",
            "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}


def _generate(env: dict[str, str]) -> Storage:
    storage = Storage.from_settings(load_settings(env))
    for day in (DAY_A, DAY_B):  # one day at a time, so no delivery of one day lands on the other
        generate(storage, day, day, 200, seed=day.day, files_per_day=2)
    return storage


def _initialise_instance(home: Path) -> None:
    """Create the shared instance's SQLite schema once, as a deployment does before its workers
    start; two processes creating it at the same moment race on `CREATE TABLE`."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        instance.get_runs(limit=1)
        instance.all_instigator_state()
        instance.get_event_records(dg.EventRecordsFilter(event_type=dg.DagsterEventType.RUN_SUCCESS), limit=1)


def _lake_and_warehouse(tmp_path_factory):
    cached = getattr(_lake_and_warehouse, "cached", None)
    if cached:
        return cached
    tmp = tmp_path_factory.mktemp("parallel")
    # one after the other, in this process
    seq_env = _env(tmp / "sequential", tmp / "sequential_home")
    seq = _generate(seq_env)
    saved = dict(os.environ)
    try:
        os.environ.update(seq_env)
        settings = load_settings(seq_env)
        for day in (DAY_A, DAY_B):
            materialize(settings, day, day)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    # at the same time, in two processes sharing the root and the Dagster instance
    par_env = _env(tmp / "parallel", tmp / "parallel_home")
    par = _generate(par_env)
    _initialise_instance(Path(par_env["DAGSTER_HOME"]))
    runs = [
        subprocess.Popen([sys.executable, "-c", CLI, "materialize", "--start", str(d), "--end", str(d)],
                         env=par_env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for d in (DAY_A, DAY_B)
    ]
    outputs = [r.communicate(timeout=300) for r in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-2000:]
    cached = (seq, par, load_settings(seq_env).warehouse_path, load_settings(par_env).warehouse_path)
    _lake_and_warehouse.cached = cached
    return cached


def test_parallel_runs_write_the_sequential_tables(tmp_path_factory):
    seq, par, _, _ = _lake_and_warehouse(tmp_path_factory)
    expected, got = storage_snapshot(seq), storage_snapshot(par)
    assert sorted(got) == sorted(expected)
    assert f"events/date={DAY_A}/data.parquet" in got and f"events/date={DAY_B}/data.parquet" in got
    for path in expected:
        assert got[path] == expected[path], path
    assert not par.list_files(".staging")


def test_chained_counters_agree_on_each_days_own_views(tmp_path_factory):
    seq, par, _, _ = _lake_and_warehouse(tmp_path_factory)
    for storage_a, storage_b in [(seq, par)]:
        for day in (DAY_A, DAY_B):
            rel = storage_a.partition_file("video_counters", day)
            today = lambda s: sorted(zip(*[s.read_parquet(rel).column(c).to_pylist() for c in ("video_id", "views_today")]))  # noqa: E731
            assert today(storage_a) == today(storage_b)
    # day A has no earlier day in either order, so all its counters are fixed
    rel = seq.partition_file("video_counters", DAY_A)
    assert par.read_parquet(rel).equals(seq.read_parquet(rel))


def test_warehouse_is_one_whole_file_reading_both_days(tmp_path_factory):
    _, par, seq_wh, par_wh = _lake_and_warehouse(tmp_path_factory)
    leftovers = [p.name for p in Path(par_wh).parent.iterdir() if p.name.endswith((".tmp", ".tmp.wal"))]
    assert leftovers == []
    got, expected = duckdb.connect(par_wh, read_only=True), duckdb.connect(seq_wh, read_only=True)
    views = sorted(r[0] for r in got.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall())
    assert views == sorted(r[0] for r in expected.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall())
    for view in views:
        if view not in CHAINED:
            query = f"SELECT * FROM {view} ORDER BY ALL"
            assert comparable_rows(got.sql(query).fetchall()) == comparable_rows(expected.sql(query).fetchall()), view
    days = got.sql("SELECT DISTINCT date FROM events ORDER BY 1").fetchall()
    assert days == [(DAY_A,), (DAY_B,)]


NEXT_DAY = DAY_A + timedelta(days=1)


def _build_both(env: dict[str, str], days: list[date], at_once: bool) -> Storage:
    storage = Storage.from_settings(load_settings(env))
    # generated together: the second day holds retries and late events of the first
    generate(storage, days[0], days[-1], 600, seed=16, files_per_day=2)
    _initialise_instance(Path(env["DAGSTER_HOME"]))
    runs = []
    for day in days:
        runs.append(subprocess.Popen([sys.executable, "-c", CLI, "materialize", "--start", str(day), "--end", str(day)],
                                     env=env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True))
        if not at_once:
            runs[-1].wait(timeout=300)
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-2000:]
    return storage


def test_parallel_runs_of_days_sharing_events_equal_the_sequential_build(tmp_path):
    """Day B's arrival repeats ids of day A's and brings late events of day A: both processes
    write day A's partitions, and the result must not depend on which got there first."""
    days = [DAY_A, NEXT_DAY]
    seq = _build_both(_env(tmp_path / "sequential", tmp_path / "sequential_home"), days, at_once=False)
    par = _build_both(_env(tmp_path / "parallel", tmp_path / "parallel_home"), days, at_once=True)
    expected, got = storage_snapshot(seq), storage_snapshot(par)
    assert sorted(got) == sorted(expected)
    audit_b = seq.read_parquet(seq.partition_file("ingest_audit", NEXT_DAY))
    assert sum(audit_b.column("duplicates").to_pylist()) > 0  # the days do share event ids
    for path in expected:
        assert got[path] == expected[path], path
    assert not par.list_files(".staging")


def test_the_events_contract_reads_one_version_of_a_partition_replaced_meanwhile(tmp_path):
    """The contract's lazy scan opens the partition once per check; another run replacing it in
    between made Polars fail with "parquet: File out of specification". It reads a pinned version."""
    import polars as pl
    import pyarrow as pa

    from analytics_pipeline.lib.contracts import _as_it_is_now

    storage = Storage(str(tmp_path))
    rel = storage.write_partition("events", DAY_A, pa.table({"n": list(range(1000)), "s": ["x" * 3] * 1000}))
    with _as_it_is_now(storage, rel) as path:
        frame = pl.scan_parquet(path)
        assert frame.select(pl.len()).collect().item() == 1000
        storage.write_partition("events", DAY_A, pa.table({"n": list(range(50_000)), "s": ["y" * 5] * 50_000}))
        assert frame.select(pl.col("n").max()).collect().item() == 999  # still the version it started with
    assert not storage.list_files(".staging")
    assert storage.read_parquet(rel).num_rows == 50_000
