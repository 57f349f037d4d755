"""The one place that reads the environment.

`load_settings()` is called once per process, by the command line (`cli.main`) or by the Dagster
code location (`definitions.defs`); everything else receives the `Settings` it built, or a part
of it, as an argument. Nothing here runs at import time.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Mapping

from analytics_pipeline.lib.providers.config import ProvidersConfig, providers_config
from analytics_pipeline.lib.retention import RetentionPolicy

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent  # the checkout, when the package runs from one


def in_checkout() -> bool:
    """True when the package runs from its source checkout (editable install or PYTHONPATH)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "dagster.yaml").is_file()


def _is_remote(root: str) -> bool:
    return "://" in root and not root.startswith("file://")


@dataclass(frozen=True)
class AutomationConfig:
    """When the schedules and sensors fire, and whether they start on in a new instance."""

    lateness_hours: int = 2           # the nightly build of D starts at D+1 00:00 UTC + this
    hourly_minute: int = 10           # minute past each hour of the refresh of today
    retention_hour: int = 3           # retention job, daily at HH:45 UTC
    freshness_deadline_hour: int = 6  # yesterday's marts are late after this hour UTC
    sensor_interval_s: int = 60
    max_runs_per_tick: int = 4        # ingestion runs one landing-sensor tick may request
    start_running: bool = False       # default state of schedules and sensors in a fresh instance

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "AutomationConfig":
        def num(var: str, default: int, low: int, high: int) -> int:
            value = int(env.get(var) or default)
            if not low <= value <= high:
                raise ValueError(f"{var}={value} is outside {low}..{high}")
            return value

        return cls(
            lateness_hours=num("ANALYTICS_LATENESS_HOURS", 2, 0, 23),
            hourly_minute=num("ANALYTICS_HOURLY_MINUTE", 10, 0, 59),
            retention_hour=num("ANALYTICS_RETENTION_HOUR", 3, 0, 23),
            freshness_deadline_hour=num("ANALYTICS_FRESHNESS_DEADLINE_HOUR", 6, 0, 23),
            sensor_interval_s=num("ANALYTICS_SENSOR_INTERVAL_SECONDS", 60, 5, 3600),
            max_runs_per_tick=num("ANALYTICS_SENSOR_MAX_RUNS_PER_TICK", 4, 1, 100),
            start_running=(env.get("ANALYTICS_AUTOMATION") or "off").lower() in ("on", "1", "true", "running"),
        )


@dataclass(frozen=True)
class Settings:
    data_root: str
    warehouse_path: str
    start_date: date
    ip_hash_key: bytes = field(repr=False)
    dagster_home: str | None = None  # DAGSTER_HOME; None: the default home (see instance.py)
    session_gap_minutes: int = 60
    pool_wait_s: int = 900  # how long a command waits for a pool slot a live run holds
    at_risk_alert_share: float = 0.25  # a course warns when this share of its enrolled learners is at risk
    duckdb_memory_limit: str = "2GB"  # what one ingest, sessions or marts connection may hold before it spills to disk
    aws_endpoint_url: str | None = None
    aws_region: str | None = None
    providers: ProvidersConfig = field(default_factory=lambda: providers_config({}))
    automation: AutomationConfig = field(default_factory=AutomationConfig)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)

    @property
    def remote(self) -> bool:
        return _is_remote(self.data_root)

    def with_root(self, data_root: str) -> "Settings":
        """The same settings over another data root (a local root keeps its warehouse inside it)."""
        data_root, warehouse = _root_and_warehouse(data_root, None)
        return replace(self, data_root=data_root, warehouse_path=warehouse)


def _root_and_warehouse(data_root: str, warehouse: str | None) -> tuple[str, str]:
    if not _is_remote(data_root):
        data_root = str(Path(data_root).expanduser().resolve())
    local_base = Path(data_root) if not _is_remote(data_root) else Path.cwd() / "data"
    return data_root, warehouse or str(local_base / "warehouse" / "analytics.duckdb")


def _local_secret_key(path: Path) -> bytes:
    """The IP-hash key of the local default: generated once, kept outside the repository."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(key)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return key


_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


def default_memory_limit() -> str:
    """A twelfth of the machine's memory, between 1 and 2 GiB: 2 GiB from a 24 GiB machine up.

    With 3 GiB the sessions step's sort held enough that a 10 M-event day peaked at 3,090 MiB
    in all (benchmarks/README.md); with 2 GiB it spills a little, in the same time, and peaks at 2,584.
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2GB"
    return f"{min(2 * 1024, max(1024, total // 12 // 2**20))}MiB"


def memory_limit(value: str) -> str:
    """A DuckDB memory limit such as `2GB` or `1500MiB`; anything else is refused with its name."""
    if not _MEMORY.match(value):
        raise ValueError(f"ANALYTICS_DUCKDB_MEMORY_LIMIT={value!r} is not a size such as 2GB or 1500MiB")
    return value.strip()


def default_data_root() -> str:
    """`data/` of the checkout, or of the current folder when installed from a wheel."""
    return str((PROJECT_ROOT if in_checkout() else Path.cwd()) / "data")


def load_settings(env: Mapping[str, str] | None = None, data_root: str | None = None) -> Settings:
    """Settings from `env` (the process environment by default); `data_root` overrides ANALYTICS_DATA_ROOT."""
    env = dict(os.environ if env is None else env)
    root, warehouse = _root_and_warehouse(
        data_root or env.get("ANALYTICS_DATA_ROOT") or default_data_root(), env.get("ANALYTICS_WAREHOUSE"))
    key_env = env.get("ANALYTICS_IP_HASH_KEY")
    if key_env:
        key = key_env.encode()
    else:
        key_file = env.get("ANALYTICS_IP_HASH_KEY_FILE") or str(
            Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "analytics_pipeline" / "ip_hash.key"
        )
        key = _local_secret_key(Path(key_file))
    return Settings(
        data_root=root,
        warehouse_path=warehouse,
        start_date=date.fromisoformat(env.get("ANALYTICS_START_DATE") or "2024-01-01"),
        ip_hash_key=key,
        dagster_home=env.get("DAGSTER_HOME") or None,
        session_gap_minutes=int(env.get("ANALYTICS_SESSION_GAP_MINUTES") or 60),
        pool_wait_s=int(env.get("ANALYTICS_POOL_WAIT_SECONDS") or 900),
        at_risk_alert_share=float(env.get("ANALYTICS_AT_RISK_ALERT_SHARE") or 0.25),
        duckdb_memory_limit=memory_limit(env.get("ANALYTICS_DUCKDB_MEMORY_LIMIT") or default_memory_limit()),
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL_S3"),
        aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
        providers=providers_config(env),
        automation=AutomationConfig.from_env(env),
        retention=RetentionPolicy.from_settings_extra(env),
    )
