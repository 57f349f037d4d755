from __future__ import annotations

import pytest

from analytics_pipeline.settings import load_settings


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
