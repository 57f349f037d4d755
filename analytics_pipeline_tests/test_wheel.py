"""The package as users install it: a wheel, in a fresh venv outside the checkout, runs the demo."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from analytics_pipeline.settings import PROJECT_ROOT


def _run(argv, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def test_the_wheel_installed_outside_the_checkout_runs_the_demo(tmp_path):
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
          str(PROJECT_ROOT)], cwd=tmp_path)
    [wheel] = wheels.glob("analytics_pipeline-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "analytics_pipeline/sql/marts/video_daily.sql" in names and "analytics_pipeline/sql/warehouse/macros.sql" in names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    [packages] = venv.glob("lib/python*/site-packages")
    # the dependencies come from this environment (no download); the project itself only from the wheel
    (packages / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)])

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "ANALYTICS_DATA_ROOT", "PYTHONPATH", "ANALYTICS_WAREHOUSE")}
    env["ANALYTICS_IP_HASH_KEY"] = "wheel-test-key"
    where = _run([str(venv / "bin" / "python"), "-c", "import analytics_pipeline; print(analytics_pipeline.__file__)"],
                 cwd=work, env=env)
    assert str(packages) in where.stdout, where.stdout
    demo = _run([str(venv / "bin" / "analytics-pipeline"), "demo", "--events-per-day", "500"], cwd=work, env=env)
    assert "top videos" in demo.stdout and (work / "data" / "warehouse" / "analytics.duckdb").exists()
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(work / ".dagster_home"))) as instance:
        records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=dg.AssetKey("video_daily")), limit=10)
        assert len({r.partition_key for r in records.records}) == 7
