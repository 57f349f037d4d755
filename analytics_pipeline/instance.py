"""The Dagster instance: one run history and asset catalog for the CLI and `dagster dev`.

With `DAGSTER_HOME` set, both use it. Without it, `dagster dev` started from the checkout reads
the checkout's `dagster.yaml`, which keeps its storage in `.dagster_home/`; the CLI opens that same
folder as its home, with the same settings and the paths made absolute, so it can run from any
folder. Installed from a wheel (no checkout), the home is `.dagster_home/` of the current folder
and the instance settings are `DEFAULT_INSTANCE` (the checkout's `dagster.yaml` keeps the same
concurrency, a test checks that). When that storage is Dagster's SQLite, the CLI reads and writes
its files through instance_storage.py's classes, which keep an engine per file.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml
from dagster._core.instance.ref import InstanceRef
from dagster._serdes import ConfigurableClassData

from analytics_pipeline.settings import PROJECT_ROOT, Settings, in_checkout

HOME_NAME = ".dagster_home"
# what the checkout's dagster.yaml says about concurrency, for installs without a checkout
DEFAULT_INSTANCE = {
    "concurrency": {"runs": {"max_concurrent_runs": 3}, "pools": {"default_limit": 1, "granularity": "op"}},
    "scheduler": {"module": "dagster._core.scheduler", "class": "DagsterDaemonScheduler",
                  "config": {"max_catchup_runs": 1}},
    "run_monitoring": {"enabled": True, "start_timeout_seconds": 180, "poll_interval_seconds": 60,
                       "free_slots_after_run_end_seconds": 60},
    "telemetry": {"enabled": False},
}
_STORAGE_KEYS = ("storage", "local_artifact_storage", "compute_logs")


def instance_home(settings: Settings) -> Path:
    if settings.dagster_home:
        return Path(settings.dagster_home)
    return (PROJECT_ROOT if in_checkout() else Path.cwd()) / HOME_NAME


def _absolute(value, base: Path):
    """The config with every `.dagster_home...` path made absolute against `base`."""
    if isinstance(value, dict):
        return {k: _absolute(v, base) for k, v in value.items()}
    if isinstance(value, str) and value.startswith(HOME_NAME):
        return str(base / value)
    return value


def default_instance_config() -> dict:
    """The instance settings `dagster dev` would read from the checkout, with absolute paths."""
    if not in_checkout():
        return dict(DEFAULT_INSTANCE)
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text()) or {}
    return _absolute(config, PROJECT_ROOT)


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """DAGSTER_HOME's instance, else the one `dagster dev` uses from the checkout (see module doc)."""
    home = instance_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    if not settings.dagster_home:
        config = home / "dagster.yaml"
        text = yaml.safe_dump(default_instance_config(), sort_keys=False)
        if not config.exists() or config.read_text() != text:
            tmp = config.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(config)
    return dg.DagsterInstance.from_ref(_with_kept_engines(InstanceRef.from_dir(str(home))))


_DAGSTER_SQLITE = ("dagster._core.storage.sqlite_storage", "DagsterSqliteStorage")


def _with_kept_engines(ref: InstanceRef) -> InstanceRef:
    """The same instance, its SQLite storage (if it is Dagster's) read and written through
    instance_storage.py's classes: the same files, fewer statements compiled, Dagster's batches of
    events (a run's planned events, the materializations it makes from an output) stored whole."""
    data = ref.storage_data
    if data is None or (data.module_name, data.class_name) != _DAGSTER_SQLITE:
        return ref
    kept = ConfigurableClassData("analytics_pipeline.instance_storage", "KeptEngineSqliteStorage", data.config_yaml)
    ref = ref._replace(storage_data=kept)
    if ref.custom_instance_class_data is None:  # an instance class of the user's own stays
        ref = ref._replace(custom_instance_class_data=ConfigurableClassData(
            "analytics_pipeline.instance_storage", "KeptEngineInstance", "{}\n"))
    return ref
