from __future__ import annotations

import pytest

from analytics_pipeline.settings import load_settings
from analytics_pipeline_tests.support import built_once


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings of an isolated data root, Dagster home and IP key under tmp_path."""
    root = tmp_path / "data"
    root.mkdir()
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("ANALYTICS_DATA_ROOT", str(root))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("ANALYTICS_IP_HASH_KEY", "test-ip-key")
    monkeypatch.delenv("ANALYTICS_WAREHOUSE", raising=False)
    for var in ("BUNNY_LIBRARY_ID", "BUNNY_API_KEY", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return load_settings()


def _report_warehouse(base):
    from datetime import timedelta

    from analytics_pipeline.lib.generator import generate
    from analytics_pipeline.lib.storage import Storage
    from analytics_pipeline.runner import Runner, today_utc

    (base / "home").mkdir()
    (base / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {"ANALYTICS_DATA_ROOT": str(base / "data"), "DAGSTER_HOME": str(base / "home"),
           "ANALYTICS_IP_HASH_KEY": "test-ip-key"}
    settings = load_settings(env)
    end = today_utc() - timedelta(days=1)
    first = end - timedelta(days=13)
    generate(Storage.from_settings(settings), first, end, 6_000, seed=11)
    Runner(settings).materialize(first, end)
    return settings, end - timedelta(days=6), end


@pytest.fixture(scope="session")
def report_warehouse(tmp_path_factory, worker_id):
    """A warehouse built by the real pipeline from 14 days of generated data (the report tests read it).

    Returns (settings, start, end): the report range is the last 7 complete days, so the 7 days
    before it give the overview's "change vs the previous range" real figures. Built once per run.
    """
    return built_once(tmp_path_factory, worker_id, "report_warehouse", _report_warehouse)


@pytest.fixture(scope="session")
def report_site(report_warehouse, tmp_path_factory, worker_id):
    """The report site of the warehouse's range, built once per run for the tests that only read it.

    Yields (SiteSummary, a read-only connection to the warehouse).
    """
    import duckdb

    from analytics_pipeline.report import build_site

    settings, start, end = report_warehouse

    def site(folder):
        with duckdb.connect(settings.warehouse_path, read_only=True) as con:
            return build_site(con, start, end, folder / "site")

    summary = built_once(tmp_path_factory, worker_id, "report_site", site)
    con = duckdb.connect(settings.warehouse_path, read_only=True)
    yield summary, con
    con.close()
