"""A partition materialised against a Dagster instance stored in PostgreSQL (deploy/dagster.postgres.yaml).

Needs a server: `.ci/postgres.sh` starts a throwaway one on 127.0.0.1 and exports DAGSTER_PG_HOST,
DAGSTER_PG_PORT, DAGSTER_PG_USER, DAGSTER_PG_PASSWORD, DAGSTER_PG_DB and DAGSTER_PG_URL; without them the test is skipped.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest

from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.runner import Runner
from analytics_pipeline.settings import PROJECT_ROOT, load_settings

PG_VARS = ("DAGSTER_PG_URL", "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB")
DAY = date(2024, 6, 3)

pytestmark = pytest.mark.skipif(
    not all(os.environ.get(v) for v in PG_VARS),
    reason="no PostgreSQL given: source .ci/postgres.sh and run ci_postgres_start (sets DAGSTER_PG_*)",
)


def _pg():
    psycopg2 = pytest.importorskip("psycopg2", reason="psycopg2 (dagster-postgres' driver) is not installed")
    env = os.environ
    return psycopg2.connect(host=env["DAGSTER_PG_HOST"], port=int(env["DAGSTER_PG_PORT"]), user=env["DAGSTER_PG_USER"],
                            password=env["DAGSTER_PG_PASSWORD"], dbname=env["DAGSTER_PG_DB"])


def test_materialised_partition_is_recorded_in_postgres(settings, tmp_path, monkeypatch):
    pytest.importorskip("dagster_postgres", reason="dagster-postgres is not installed")
    home = tmp_path / "pg_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    settings = load_settings()
    generate(Storage.from_settings(settings), DAY, DAY, 120, seed=3, files_per_day=1)

    runner = Runner(settings)
    assert type(runner.instance.run_storage).__name__ == "PostgresRunStorage"
    runner.materialize(DAY, DAY)

    import dagster as dg

    runs = runner.instance.get_runs()
    run_ids = [r.run_id for r in runs]
    assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    with _pg() as pg, pg.cursor() as cur:
        cur.execute("SELECT run_id, status FROM runs WHERE run_id = ANY(%s)", (run_ids,))
        stored = dict(cur.fetchall())
        assert set(stored) == set(run_ids) and set(stored.values()) == {"SUCCESS"}
        cur.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = ANY(%s) AND dagster_event_type = 'ASSET_MATERIALIZATION' "
            "AND asset_key = %s AND partition = %s",
            (run_ids, '["events"]', DAY.isoformat()),
        )
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM event_logs WHERE run_id = ANY(%s)", (run_ids,))
        assert cur.fetchone()[0] > 10 * len(run_ids)  # run start/success, steps, logs of every run
    record = runner.instance.get_latest_materialization_event(dg.AssetKey("events"))
    assert record is not None and record.dagster_event.partition == DAY.isoformat()
