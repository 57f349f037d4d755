"""DuckDB over an `s3://` data root without DuckDB's `httpfs` extension.

DuckDB 2.0 fetches `httpfs` from the internet on first use, which machines without internet
cannot do. DuckDB can instead be handed an fsspec filesystem for a protocol; this one wraps the
same pyarrow `S3FileSystem` the `Storage` uses (credentials, region and `AWS_ENDPOINT_URL`
included), so `read_parquet('s3://bucket/prefix/lake/...')` works here and the SQL text keeps
plain `s3://` paths that any DuckDB with `httpfs` and an S3 secret also reads.
"""

from __future__ import annotations

from urllib.parse import urlparse

import duckdb
from fsspec.implementations.arrow import ArrowFSWrapper


class S3ArrowFileSystem(ArrowFSWrapper):
    """fsspec view of a pyarrow S3FileSystem, answering for the `s3://` protocol."""

    protocol = "s3"

    @classmethod
    def _strip_protocol(cls, path):
        if isinstance(path, (list, tuple)):
            return [cls._strip_protocol(p) for p in path]
        return path[len("s3://"):] if path.startswith("s3://") else path.lstrip("/")


def register_lake_filesystem(con: duckdb.DuckDBPyConnection, storage) -> bool:
    """Let `con` read the storage's `s3://` paths through pyarrow; no-op for a local root.

    Returns whether the database reads them. A filesystem belongs to the database, not to one
    connection: one registered stays for every cursor of it (one data root a database). Replacing
    it while a cursor on another thread read through it crashed DuckDB.
    """
    if not storage.remote:
        return False
    if not con.filesystem_is_registered("s3"):
        con.register_filesystem(S3ArrowFileSystem(storage.fs))
    return True


def analyst_setup_sql(root: str, endpoint_url: str | None, region: str | None) -> str:
    """What an analyst's DuckDB runs before querying a warehouse whose views read `root`.

    Keys are left as placeholders (or `PROVIDER credential_chain`): they never go in files.
    """
    lines = [
        "INSTALL httpfs;",
        "LOAD httpfs;",
        "CREATE OR REPLACE SECRET analytics_lake (",
        "    TYPE s3, PROVIDER credential_chain" + (f", REGION '{region}'" if region else ""),
    ]
    if endpoint_url:
        url = urlparse(endpoint_url)
        lines[-1] += f", ENDPOINT '{url.netloc}', URL_STYLE 'path', USE_SSL {str(url.scheme == 'https').lower()}"
    lines[-1] += f", SCOPE '{root}'"
    lines.append(");")
    return "\n".join(lines)
