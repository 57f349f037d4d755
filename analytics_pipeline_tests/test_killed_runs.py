"""kill -9 at any step, then the same command again: it finishes in bounded time with the clean result."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import PROJECT_ROOT
from analytics_pipeline_tests.support import lake_snapshot

START, END = "2026-02-01", "2026-02-02"


def _env(root: Path, home: Path) -> dict[str, str]:
    return {**os.environ, "ANALYTICS_DATA_ROOT": str(root), "DAGSTER_HOME": str(home), "ANALYTICS_IP_HASH_KEY": "k",
            "PYTHONPATH": str(PROJECT_ROOT), "ANALYTICS_POOL_WAIT_SECONDS": "60"}


def _home(path: Path) -> Path:
    path.mkdir()
    (path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text().replace(".dagster_home", str(path)))
    return path


def _command(env: dict[str, str]) -> list[str]:
    return [sys.executable, "-m", "analytics_pipeline.cli", "materialize", "--start", START, "--end", END]


@pytest.fixture(scope="module")
def landing_and_clean_lake(tmp_path_factory):
    base = tmp_path_factory.mktemp("killed")
    clean = base / "clean"
    generate(Storage(str(clean)), date.fromisoformat(START), date.fromisoformat(END), 1500, seed=5, files_per_day=2)
    env = _env(clean, _home(base / "clean_home"))
    subprocess.run(_command(env), env=env, check=True, capture_output=True, timeout=600)
    return clean, lake_snapshot(clean)


def _warehouse_slot_taken(home: Path, wait_seconds: float = 0.0) -> bool:
    """Whether the warehouse pool's slot is claimed, polled for up to `wait_seconds` through one
    open instance: opening an instance per poll took longer than a small warehouse step holds it."""
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        deadline = time.monotonic() + wait_seconds
        while True:
            if instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.002)


@pytest.mark.parametrize("phase", ["ingest", "events", "sessions", "marts", "warehouse"])
def test_a_run_killed_during_a_step_leaves_nothing_that_stops_the_next(landing_and_clean_lake, tmp_path, phase):
    clean, expected = landing_and_clean_lake
    root, home = tmp_path / "data", _home(tmp_path / "home")
    shutil.copytree(clean / "landing", root / "landing")
    env = _env(root, home)
    system_tmp = tmp_path / "system_tmp"  # nothing with person data may go to the system's temporary folder
    system_tmp.mkdir()
    env["TMPDIR"] = str(system_tmp)
    proc = subprocess.Popen(_command(env), env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        if line.split("] ", 1)[-1].startswith(f"{phase}:"):
            break
    if phase == "warehouse":  # kill while the run holds the warehouse pool's only slot
        assert _warehouse_slot_taken(home, wait_seconds=30), "the warehouse step never took its pool slot"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    again = subprocess.run(_command(env), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert lake_snapshot(root) == expected
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        assert not instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        assert not instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots
    leftovers = [p for p in (root / ".staging").rglob("*") if p.is_file()] if (root / ".staging").exists() else []
    assert leftovers == []
    assert not list((root / "warehouse").glob(".analytics.duckdb.*"))
    assert [p.name for p in system_tmp.rglob("*") if p.is_file()] == []
