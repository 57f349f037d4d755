"""`analytics-pipeline query` reads the lake and nothing else: no file written, none read outside."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from analytics_pipeline.errors import UsageError
from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.ingest.arrival import ingest_arrival
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.lib.warehouse import build_warehouse
from analytics_pipeline.query import run_query
from analytics_pipeline_tests.s3_server import s3_server  # noqa: F401 (fixture)
from analytics_pipeline_tests.support import write_events

DAY = date(2026, 6, 10)


def _lake(storage: Storage, warehouse: Path) -> None:
    storage.write_partition("platform_daily", DAY, pa.table({"views": pa.array([7], pa.int64())}))
    storage.write_bytes("landing/secret.csv", b"name\nnot-for-queries\n")
    build_warehouse(storage, str(warehouse))


def _q(path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _refused(warehouse: Path, storage: Storage, sql: str, tmp_path: Path) -> str:
    with pytest.raises(UsageError) as err:
        run_query(str(warehouse), sql, "csv", str(tmp_path / "out.csv"), 10, storage=storage)
    return str(err.value)


def test_query_writes_no_file_and_reads_nothing_outside_the_lake(tmp_path, capsys, monkeypatch):
    root = tmp_path / "o'q"  # a quote in the data root: paths in SQL must be quoted
    storage = Storage(str(root))
    warehouse = tmp_path / "wh" / "analytics.duckdb"
    _lake(storage, warehouse)
    monkeypatch.chdir(tmp_path)

    assert run_query(str(warehouse), "SELECT views FROM platform_daily", "json", None, 10, storage=storage) == 0
    assert json.loads(capsys.readouterr().out) == [{"views": 7}]

    for target in (tmp_path / "x.csv", root / "lake" / "x.csv"):
        assert "read-only" in _refused(warehouse, storage, f"COPY (SELECT 1) TO {_q(target)}", tmp_path)
        assert not target.exists()
    _refused(warehouse, storage, f"EXPORT DATABASE {_q(root / 'lake' / 'export')}", tmp_path)
    assert not (root / "lake" / "export").exists()
    assert "Permission" in _refused(warehouse, storage, "SELECT * FROM read_csv('/etc/passwd')", tmp_path)
    landing = _q(root / "landing" / "secret.csv")
    assert "Permission" in _refused(warehouse, storage, f"SELECT * FROM read_csv({landing})", tmp_path)
    _refused(warehouse, storage, "SET enable_external_access = true; SELECT * FROM read_csv('/etc/passwd')", tmp_path)
    assert not (tmp_path / "out.csv").exists()


def test_ingest_works_under_a_data_root_with_a_quote(tmp_path):
    root = tmp_path / "o'q"
    write_events(root, DAY, "a.jsonl", [{"event_id": "e1", "event_type": "heartbeat", "occurred_at": "2026-06-10T10:00:00Z",
                                         "session_id": "s", "viewer_id": "v", "video_id": "vid", "position_s": 1.0}])
    result = ingest_arrival(Storage(str(root)), DAY, b"k", schemas.VIDEO_CATALOG.empty_table(), work_dir=str(root))
    assert (result.accepted, result.quarantined) == (1, 0)


def test_query_over_an_s3_root_reads_the_bucket_and_only_its_lake(s3_server, tmp_path, monkeypatch, capsys):  # noqa: F811
    for k, v in s3_server.env().items():
        monkeypatch.setenv(k, v)
    storage = Storage(f"s3://{s3_server.new_bucket()}/analytics", s3_server.endpoint_url, "us-east-1")
    warehouse = tmp_path / "analytics.duckdb"
    _lake(storage, warehouse)

    assert run_query(str(warehouse), "SELECT views AS v FROM platform_daily", "json", None, 10, storage=storage) == 0
    assert json.loads(capsys.readouterr().out) == [{"v": 7}]
    assert "Permission" in _refused(warehouse, storage, f"SELECT * FROM read_csv('{storage.uri('landing/secret.csv')}')",
                                    tmp_path)
    assert "Permission" in _refused(warehouse, storage, "SELECT * FROM read_csv('/etc/passwd')", tmp_path)
