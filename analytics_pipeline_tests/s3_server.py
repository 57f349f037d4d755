"""An S3-compatible server for tests: moto in server mode, in its own process, on 127.0.0.1.

Its own process keeps the server's request handling off the pipeline's interpreter (and its
GIL), and lets a test SIGKILL a pipeline subprocess while the server keeps the bucket's state.
Run as a script it prints `PORT <n>` once listening on an ephemeral port and serves until killed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import boto3
import pytest

ACCESS_KEY = "analytics-test-key"
SECRET_KEY = "analytics-test-secret"
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen

    def env(self) -> dict[str, str]:
        """The `AWS_*` variables a client of this server needs (no real credentials anywhere)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name=REGION,
        )

    def new_bucket(self, prefix: str = "lake") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(timeout_s: float = 60) -> S3Server:
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )
    deadline = time.monotonic() + timeout_s
    line = proc.stdout.readline()
    if not line.startswith("PORT ") or time.monotonic() > deadline:
        proc.kill()
        raise RuntimeError(f"moto server did not start: {line!r}")
    return S3Server(f"http://127.0.0.1:{int(line.split()[1])}", proc)


def _serve() -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(f"PORT {server.get_host_and_port()[1]}", flush=True)
    while True:
        time.sleep(3600)



def comparable(value):
    # DuckDB sums floats in thread order: the last bits of a double may differ between two runs
    return float(f"{value:.12g}") if isinstance(value, float) else value


def comparable_rows(rows) -> list[tuple]:
    return [tuple(comparable(v) for v in r) for r in rows]


def storage_snapshot(storage) -> dict[str, tuple[str, list[tuple]]]:
    """Every lake file's schema and sorted rows, keyed by its path under `lake/`, read the same
    way (pyarrow through the Storage) whether the root is a folder or a bucket."""
    out = {}
    for entry in storage.list_files("lake", recursive=True):
        table = storage.read_parquet(entry.path)
        rows = sorted((tuple(comparable(v) for v in r.values()) for r in table.to_pylist()), key=repr)
        out[entry.path[len("lake/"):]] = (str(table.schema.remove_metadata()), rows)
    return out


@pytest.fixture(scope="module")
def s3_server():
    """A moto S3 server on an ephemeral 127.0.0.1 port for the module's tests."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    _serve()
