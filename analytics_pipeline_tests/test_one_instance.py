"""The CLI and `dagster dev` share one Dagster instance, and every partition carries its own figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.instance.ref import InstanceRef

from analytics_pipeline.instance import DEFAULT_INSTANCE, default_instance_config, instance_home
from analytics_pipeline.settings import PROJECT_ROOT, load_settings
from analytics_pipeline_tests.support import lake_rows

DAYS = ("2026-03-01", "2026-03-03")


def _cli(*argv: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("analytics-pipeline")
    return subprocess.run([str(exe), *argv], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_cli_materialisations_are_in_the_instance_dagster_dev_opens_with_their_own_row_counts(tmp_path):
    root, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text().replace(".dagster_home", str(home)))
    env = {**os.environ, "DAGSTER_HOME": str(home), "ANALYTICS_IP_HASH_KEY": "k", "PYTHONPATH": str(PROJECT_ROOT)}
    generated = _cli("generate", "--data-root", str(root), "--start", DAYS[0], "--end", DAYS[1],
                     "--events-per-day", "600", "--files-per-day", "2", env=env, cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    built = _cli("materialize", "--data-root", str(root), "--start", DAYS[0], "--end", DAYS[1], env=env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr

    # what `dagster dev` with this DAGSTER_HOME opens
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        for table in ("event_arrivals", "ingest_audit", "events", "playback_sessions", "video_daily",
                      "platform_daily", "video_heatmap_daily", "viewer_progress"):
            records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey(table)), limit=50).records
            by_day = {r.partition_key: r.asset_materialization.metadata for r in records}
            lake_days = {str(r["date"]) for r in lake_rows(root, "ingest_audit" if table == "event_arrivals" else table)} \
                if table not in ("viewer_progress",) else set(by_day)
            assert lake_days and lake_days <= set(by_day), (table, lake_days, set(by_day))
            for day in lake_days:
                expected = _rows(root, table, day)
                assert by_day[day]["dagster/row_count"].value == expected, (table, day)
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("platform_daily"), "platform_views_equal_sum_over_videos"), limit=5)
        assert checks, "the marts' checks ran"
    assert "partitions" in built.stderr  # the progress display
    assert "ingested" in built.stdout and "quarantined" in built.stdout  # the end-of-run summary

    # a second run of a day: the warehouse's views see its partitions without a new file
    again = _cli("materialize", "--data-root", str(root), "--start", DAYS[1], "--end", DAYS[1], env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        records = instance.fetch_materializations(dg.AssetKey("warehouse"), limit=5).records
        assert [r.asset_materialization.metadata["rebuilt"].value for r in records] == [False, True]  # newest first


def _rows(root: Path, table: str, day: str) -> int:
    if table == "event_arrivals":
        return sum(r["accepted"] for r in lake_rows(root, "ingest_audit", f"date = DATE '{day}'"))
    if table == "viewer_progress":
        return len(lake_rows(root, "viewer_progress_history", f"date = DATE '{day}'"))
    return len(lake_rows(root, table, f"date = DATE '{day}'"))


def test_without_dagster_home_the_cli_opens_the_storage_dagster_dev_uses_in_the_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("ANALYTICS_IP_HASH_KEY", "k")
    settings = load_settings()
    assert instance_home(settings) == PROJECT_ROOT / ".dagster_home"
    ours = default_instance_config()
    # `dagster dev` without DAGSTER_HOME: a temporary home whose config is the cwd's dagster.yaml
    monkeypatch.chdir(PROJECT_ROOT)
    dev = InstanceRef.from_dir(str(PROJECT_ROOT / ".tmp_dagster_home_probe"), config_dir=str(PROJECT_ROOT))
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(ours))
    cli = InstanceRef.from_dir(str(tmp_path))
    for part in ("run_storage_data", "event_storage_data", "schedule_storage_data"):
        dev_dir = PROJECT_ROOT / getattr(dev, part).config_dict["base_dir"]
        assert Path(getattr(cli, part).config_dict["base_dir"]) == dev_dir.resolve(), part
    assert ours["concurrency"] == DEFAULT_INSTANCE["concurrency"] | {"runs": ours["concurrency"]["runs"]}
    assert ours["concurrency"]["pools"] == DEFAULT_INSTANCE["concurrency"]["pools"]
    assert ours["run_monitoring"] == DEFAULT_INSTANCE["run_monitoring"]


def test_a_range_with_no_data_warns_and_invents_no_partitions(tmp_path):
    root, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    (root / "landing" / "events").mkdir(parents=True)
    env = {**os.environ, "DAGSTER_HOME": str(home), "ANALYTICS_IP_HASH_KEY": "k", "PYTHONPATH": str(PROJECT_ROOT)}
    built = _cli("materialize", "--data-root", str(root), "--start", "2025-01-01", "--end", "2025-01-02", env=env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "warning: no landing data for 2025-01-01..2025-01-02" in built.stderr
    assert not (root / "lake" / "platform_daily").exists()


def test_the_cli_writes_dagsters_sqlite_files_through_its_own_class_and_dagster_reads_them(tmp_path, monkeypatch):
    from analytics_pipeline.instance import instance_for
    from analytics_pipeline.instance_storage import KeptEngineSqliteEventLogStorage

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("ANALYTICS_IP_HASH_KEY", "k")
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-03-01"))
    def counted(context) -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"dagster/row_count": int(context.partition_key[-2:])})

    with instance_for(load_settings()) as cli:
        assert isinstance(cli.event_log_storage, KeptEngineSqliteEventLogStorage)
        for day in ("2026-03-02", "2026-03-03"):
            assert dg.materialize([counted], instance=cli, partition_key=day).success
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path))) as dev:  # Dagster's own classes
        assert type(dev.event_log_storage).__name__ == "SqliteEventLogStorage"
        records = dev.fetch_materializations(dg.AssetKey("counted"), limit=5).records
        assert {r.partition_key: r.asset_materialization.metadata["dagster/row_count"].value for r in records} == \
            {"2026-03-02": 2, "2026-03-03": 3}


def _shard(storage_class, folder: Path) -> tuple:
    import sqlite3

    storage = storage_class(str(folder))
    with storage.run_connection("a-run"):
        pass
    with sqlite3.connect(folder / "a-run.db") as db:
        return (sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()),
                db.execute("SELECT version_num FROM alembic_version").fetchall(),
                db.execute("PRAGMA journal_mode").fetchall())


def test_a_run_database_the_cli_creates_is_the_one_dagster_creates(tmp_path):
    # the CLI's class stamps a run's new file with alembic's scripts read once per process
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from analytics_pipeline.instance_storage import KeptEngineSqliteEventLogStorage

    ours, dagsters = _shard(KeptEngineSqliteEventLogStorage, tmp_path / "cli"), _shard(SqliteEventLogStorage, tmp_path / "dagster")
    assert ours == dagsters
    assert ours[1] and ours[2] == [("wal",)]
    storage = KeptEngineSqliteEventLogStorage(str(tmp_path / "cli"))
    assert storage.has_table("event_logs") and storage.has_table("event_logs")  # the second from what it saw
    assert not storage.has_table("no_such_table")


def _range_run_rows(instance: dg.DagsterInstance, home: Path) -> tuple:
    """A range run of a partitioned asset with a check, stored by `instance`; then what its two
    SQLite files hold, read back with sqlite3 (ids, run ids and times left out)."""
    import sqlite3

    @dg.asset(partitions_def=dg.DailyPartitionsDefinition("2026-03-01"), backfill_policy=dg.BackfillPolicy.single_run(),
              check_specs=[dg.AssetCheckSpec("positive", asset="counted")])
    def counted(context) -> dg.MaterializeResult:
        for key in context.partition_keys:  # as the pipeline's assets report each partition
            context.add_asset_metadata({"dagster/row_count": int(key[-2:])}, partition_key=key)
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=True)])

    tags = {"dagster/asset_partition_range_start": "2026-03-02", "dagster/asset_partition_range_end": "2026-03-06"}
    result = dg.materialize([counted], instance=instance, tags=tags)
    assert result.success
    runs = home / "history" / "runs"
    with sqlite3.connect(runs / f"{result.run_id}.db") as db:
        run_rows = db.execute("SELECT dagster_event_type, asset_key, partition, step_key FROM event_logs ORDER BY id").fetchall()
    with sqlite3.connect(runs / "index.db") as db:
        index_rows = sorted(db.execute("SELECT coalesce(dagster_event_type, ''), coalesce(asset_key, ''), "
                                       "coalesce(partition, ''), coalesce(step_key, '') FROM event_logs").fetchall())
        asset_keys = db.execute("SELECT asset_key, last_materialization IS NOT NULL, last_run_id IS NOT NULL, "
                                "cached_status_data IS NULL FROM asset_keys ORDER BY asset_key").fetchall()
        checks = db.execute("SELECT check_name, partition, execution_status FROM asset_check_executions "
                            "ORDER BY id").fetchall()
    planned = instance.get_event_records(dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
                                                               dg.AssetKey("counted")))
    return run_rows, index_rows, asset_keys, checks, sorted(r.partition_key for r in planned)


def test_a_runs_planned_events_stored_as_one_batch_are_the_rows_dagster_stores_one_by_one(tmp_path, monkeypatch):
    from analytics_pipeline.instance import instance_for
    from analytics_pipeline.instance_storage import KeptEngineInstance

    homes = {name: tmp_path / name for name in ("cli", "dagster")}
    for home in homes.values():
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(homes["cli"]))
    with instance_for(load_settings()) as cli:
        assert isinstance(cli, KeptEngineInstance) and cli._get_event_batch_size() > 0
        ours = _range_run_rows(cli, homes["cli"])
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(homes["dagster"]))) as dagster:  # Dagster's classes
        assert type(dagster).__name__ == "DagsterInstance" and dagster._get_event_batch_size() == 0
        theirs = _range_run_rows(dagster, homes["dagster"])
    assert ours == theirs
    run_rows, _, _, checks, planned = ours
    assert planned == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]
    assert [r[0] for r in run_rows].count("ASSET_MATERIALIZATION_PLANNED") == 5 and checks
