"""`dagster dev` starts, lists every asset and check, and materialises a partition via GraphQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from analytics_pipeline.settings import PROJECT_ROOT
from analytics_pipeline_tests.scenarios.playback import SEEKS_AND_PAUSE
from analytics_pipeline_tests.support import lake_rows, write_catalog, write_events

EXPECTED_ASSETS = {
    "video_catalog", "event_arrivals", "events_quarantine", "ingest_audit", "arrival_event_days", "events",
    "playback_sessions", "played_ranges", "video_daily", "course_daily", "creator_daily", "platform_daily",
    "qoe_daily", "rendition_daily", "video_heatmap_daily", "video_counters", "viewer_sessions", "viewer_progress",
    "warehouse", "provider_video_daily", "provider_reconciliation_daily",
}
EXPECTED_CHECKS = {"lines_accounted_for", "no_clear_ip", "unique_event_id", "no_view_counted_twice",
                   "watch_time_within_wall_time", "platform_views_equal_sum_over_videos"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gql(url: str, query: str, variables: dict | None = None) -> dict:
    r = requests.post(url, json={"query": query, "variables": variables or {}}, timeout=30)
    r.raise_for_status()
    body = r.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


@pytest.fixture
def dagster_dev(tmp_path):
    root = tmp_path / "data"
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "ANALYTICS_DATA_ROOT": str(root),
           "ANALYTICS_IP_HASH_KEY": "test-ip-key"}
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-m", "analytics_pipeline.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=open(tmp_path / "dev.log", "wb"), stderr=subprocess.STDOUT,
        start_new_session=True,  # dagster dev ignores SIGTERM from a plain background start
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                data = _gql(url, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }")
                if data["repositoriesOrError"].get("nodes"):
                    break
            except (requests.ConnectionError, requests.HTTPError, AssertionError):
                pass
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / "dev.log").read_text()[-3000:])
            time.sleep(1)
        else:
            raise RuntimeError("dagster dev did not answer within 120 s: " + (tmp_path / "dev.log").read_text()[-3000:])
        yield url, root, env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            # alone it is down in about 2 s; in a full suite run it sometimes waited out 30 s (its
            # daemon threads), time the suite need not spend on a throwaway instance
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_dagster_dev_shows_the_partitions_the_cli_built(dagster_dev):
    url, root, env = dagster_dev
    day = SEEKS_AND_PAUSE.day.isoformat()
    write_catalog(root, SEEKS_AND_PAUSE.catalog)
    write_events(root, SEEKS_AND_PAUSE.day, "batch.jsonl", SEEKS_AND_PAUSE.events)
    cli = Path(sys.executable).with_name("analytics-pipeline")
    built = subprocess.run([str(cli), "materialize", "--start", day, "--end", day], env=env, capture_output=True,
                           text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    nodes = _gql(url, """{ assetNodes { assetKey { path } partitionStats { numMaterialized } } }""")["assetNodes"]
    stats = {"/".join(n["assetKey"]["path"]): n["partitionStats"] for n in nodes}
    for table in ("events", "playback_sessions", "video_daily", "platform_daily", "viewer_progress"):
        assert stats[table]["numMaterialized"] == 1, (table, stats[table])
    rows = _gql(url, """query($day: String!) { assetNodeOrError(assetKey: {path: ["platform_daily"]}) { ... on AssetNode {
        assetMaterializations(partitions: [$day]) { partition metadataEntries { label ... on IntMetadataEntry { intValue } } } } } }""",
                {"day": day})["assetNodeOrError"]["assetMaterializations"]
    assert [e["intValue"] for e in rows[0]["metadataEntries"] if e["label"] == "dagster/row_count"] == [1]


def test_dagster_dev_lists_assets_and_materialises_a_partition(dagster_dev):
    url, root, _ = dagster_dev
    day = SEEKS_AND_PAUSE.day
    write_catalog(root, SEEKS_AND_PAUSE.catalog)
    write_events(root, day, "batch.jsonl", SEEKS_AND_PAUSE.events)

    nodes = _gql(url, """{ assetNodes { assetKey { path } assetChecksOrError {
        ... on AssetChecks { checks { name } } } } }""")["assetNodes"]
    keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
    assert EXPECTED_ASSETS <= keys, EXPECTED_ASSETS - keys
    checks = {c["name"] for n in nodes for c in (n["assetChecksOrError"].get("checks") or [])}
    assert EXPECTED_CHECKS <= checks, EXPECTED_CHECKS - checks

    repo = _gql(url, """{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name }
        jobs { name } } } } }""")["repositoriesOrError"]["nodes"][0]
    job = next(j["name"] for j in repo["jobs"] if j["name"].startswith("__ASSET_JOB"))
    launched = _gql(url, """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
        __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""", {"p": {
        "selector": {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"],
                     "jobName": job, "assetSelection": [{"path": ["video_catalog"]}]},
        "executionMetadata": {"tags": []},
    }})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    _wait(url, launched["run"]["runId"])
    launched = _gql(url, """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
        __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""", {"p": {
        "selector": {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"],
                     "jobName": job, "assetSelection": [{"path": [k]} for k in
                                                        ("event_arrivals", "events_quarantine", "ingest_audit", "arrival_event_days")]},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": day.isoformat()}]},
    }})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    _wait(url, launched["run"]["runId"])

    audit = lake_rows(root, "ingest_audit")
    assert [r["date"] for r in audit] == [day]
    assert audit[0]["accepted"] == len(SEEKS_AND_PAUSE.events)


def _wait(url: str, run_id: str) -> None:
    deadline = time.monotonic() + 180
    status = None
    while time.monotonic() < deadline:
        status = _gql(url, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    assert status == "SUCCESS", f"run {run_id} ended {status}"
