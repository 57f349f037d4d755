"""A run killed (SIGKILL) while it writes a partition to S3 leaves the previous partition intact.

The run is a real `Runner.materialize` in a subprocess against the moto server. It is held at
the moment the new `events` partition is completely uploaded under its temporary key and about
to be published, and killed there: the worst moment, since the new bytes are all in the bucket.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import date

import pytest

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import STAGING_DIR, Storage
from analytics_pipeline.runner import Runner
from analytics_pipeline.settings import PROJECT_ROOT, load_settings
from analytics_pipeline_tests.s3_server import s3_server  # noqa: F401 (fixture)

DAY = date(2024, 5, 6)

HELD_RUN = """
import sys, time
from datetime import date
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.runner import Runner
from analytics_pipeline.settings import load_settings

held_rel, day = sys.argv[1], date.fromisoformat(sys.argv[2])
publish = Storage._commit

def held(self, tmp, rel):
    if rel == held_rel:
        print("HELD", tmp, flush=True)
        time.sleep(600)
    return publish(self, tmp, rel)

Storage._commit = held
Runner(load_settings()).materialize(day, day)
"""


def _event_count(storage: Storage) -> int:
    con = duck.connect()
    duck.register_partitions(con, "events", storage, "events", [DAY], schemas.EVENTS)
    return con.sql("SELECT count(*) FROM events").fetchall()[0][0]


def _redelivery(storage: Storage, accepted_ids: set[str]) -> bytes:
    """Copies of accepted events under new ids: the re-run must add exactly these."""
    source = next(e.path for e in storage.list_files(f"landing/events/{DAY}") if e.path.endswith(".jsonl"))
    lines = []
    for line in storage.read_bytes(source).decode().splitlines():
        try:
            event = json.loads(line)
        except ValueError:  # the generator also delivers broken lines, as collectors do
            continue
        if isinstance(event, dict) and event.get("event_id") in accepted_ids and len(lines) < 40:
            event["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, event["event_id"]))
            lines.append(json.dumps(event))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def s3_settings(s3_server, tmp_path, monkeypatch):  # noqa: F811
    bucket = s3_server.new_bucket()
    env = {**s3_server.env(), "ANALYTICS_DATA_ROOT": f"s3://{bucket}/root", "ANALYTICS_IP_HASH_KEY": "test-ip-key",
           "DAGSTER_HOME": str(tmp_path / "dagster_home"), "ANALYTICS_WAREHOUSE": str(tmp_path / "wh.duckdb")}
    (tmp_path / "dagster_home").mkdir()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return load_settings()


def test_killed_publish_leaves_previous_partition_and_rerun_completes(s3_settings, s3_server):  # noqa: F811
    storage = Storage.from_settings(s3_settings)
    generate(storage, DAY, DAY, 200, seed=5, files_per_day=2, gzip=False)
    Runner(s3_settings).materialize(DAY, DAY)
    rel = storage.partition_file("events", DAY)
    before = storage.read_parquet(rel)
    extra = _redelivery(storage, set(before.column("event_id").to_pylist()))
    added = extra.count(b"\n")
    assert before.num_rows > 100 and added == 40
    storage.write_bytes(f"landing/events/{DAY}/collector-redelivery.jsonl", extra)

    run = subprocess.Popen(
        [sys.executable, "-c", HELD_RUN, rel, DAY.isoformat()], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        line = run.stdout.readline()
        assert line.startswith("HELD"), "the run ended before it published the events partition"
        os.kill(run.pid, signal.SIGKILL)
        assert run.wait(timeout=30) == -signal.SIGKILL
    finally:
        if run.poll() is None:
            run.kill()

    # The new content was completely uploaded, but only under the temporary key.
    staged = [e for e in storage.list_files(STAGING_DIR) if e.path.endswith("data.parquet")]
    assert len(staged) == 1 and storage.read_parquet(staged[0].path).num_rows == before.num_rows + added
    # Readers of the lake still see the previous, complete partition, and nothing else beside it.
    assert [e.path for e in storage.list_files(f"lake/events/date={DAY}")] == [rel]
    assert storage.read_parquet(rel).equals(before)
    assert _event_count(storage) == before.num_rows

    Runner(s3_settings).materialize(DAY, DAY)
    assert _event_count(storage) == before.num_rows + added
    assert [e.path for e in storage.list_files(f"lake/events/date={DAY}")] == [rel]
    # The killed writer's temporary object was the only leftover, and the re-run's start removed it
    # (its name says which process left it, and that process is gone).
    assert storage.clean_staging(older_than_s=0) == 0
    assert [k for k in s3_server.keys(storage.base.split("/")[0]) if f"/{STAGING_DIR}/" in k and not k.endswith("/")] == []
