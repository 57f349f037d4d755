"""The one place that reads the environment.

Everything else receives a `Settings` (or the values in it) as an argument, so tests can build
their own without touching `os.environ`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"


def _is_remote(root: str) -> bool:
    return "://" in root and not root.startswith("file://")


@dataclass(frozen=True)
class Settings:
    data_root: str
    warehouse_path: str
    start_date: date
    ip_hash_key: bytes
    dagster_home: str
    session_gap_minutes: int = 60
    aws_endpoint_url: str | None = None
    aws_region: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def remote(self) -> bool:
        return _is_remote(self.data_root)

    def with_root(self, data_root: str) -> "Settings":
        return replace(self, data_root=data_root)


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


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_root = env.get("ANALYTICS_DATA_ROOT") or str(PROJECT_ROOT / "data")
    if not _is_remote(data_root):
        data_root = str(Path(data_root).expanduser().resolve())
    local_base = Path(data_root) if not _is_remote(data_root) else PROJECT_ROOT / "data"
    warehouse = env.get("ANALYTICS_WAREHOUSE") or str(local_base / "warehouse" / "analytics.duckdb")
    key_env = env.get("ANALYTICS_IP_HASH_KEY")
    if key_env:
        key = key_env.encode()
    else:
        key_file = env.get("ANALYTICS_IP_HASH_KEY_FILE") or str(
            Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "analytics_pipeline" / "ip_hash.key"
        )
        key = _local_secret_key(Path(key_file))
    return Settings(
        data_root=data_root,
        warehouse_path=warehouse,
        start_date=date.fromisoformat(env.get("ANALYTICS_START_DATE") or "2024-01-01"),
        ip_hash_key=key,
        dagster_home=env.get("DAGSTER_HOME") or str(PROJECT_ROOT / ".dagster_home"),
        session_gap_minutes=int(env.get("ANALYTICS_SESSION_GAP_MINUTES") or 60),
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL_S3"),
        aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
        extra={k: v for k, v in env.items() if k.startswith(("BUNNY_", "CLOUDFLARE_", "ANALYTICS_"))},
    )
