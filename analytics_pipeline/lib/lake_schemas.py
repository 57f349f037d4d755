"""Which daily lake tables have the same columns in every partition file, remembered between
warehouse builds so that a build reads the footers of new or rewritten files only; and whether
the partitions a step binds (`duck.register_partitions`) do, remembered within the process.

A view over files of one schema needs only the first file's footer (`union_by_name = false`).
Over files of several schemas (partitions an older version of the pipeline wrote, without a
newer column) DuckDB must read every footer to line the columns up by name, and that read grows
with the days of history: 0.5 s of a 120-day warehouse build, three times that at a year. The
record (JSON beside the warehouse file) keeps each file's size, modification time and schema
fingerprint; a file whose size or time changed is read again. Within a process the same holds
for the files each day's SQL binds: a view over a year of `viewer_first_views` partitions took
15 to 23 ms to bind with `union_by_name` and 5 to 8 ms without (benchmarks/bind_views.py), and
the marts bound it three times a day.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow.parquet as pq

from analytics_pipeline.lib.storage import FileEntry, Storage


def table_schemas(storage: Storage, tables: list[str], record: Path) -> dict[str, list[str]]:
    """Each of `tables` -> the schema fingerprints of its partition files (`lake/<table>/*/*.parquet`),
    sorted, once each (one fingerprint: every file has one schema); `record` is read, then rewritten
    with what the lake holds now."""
    known = _load(record)
    now: dict[str, dict[str, list]] = {}
    for table in tables:
        seen = known.get(table, {})
        files = {}
        for entry in storage.list_files(f"lake/{table}", recursive=True):
            if len(entry.path.split("/")) != 4 or not entry.path.endswith(".parquet"):
                continue  # the view's glob: lake/<table>/<partition>/<file>.parquet
            stamp = [entry.size, entry.mtime]
            old = seen.get(entry.path)
            files[entry.path] = stamp + [old[2] if old and old[:2] == stamp else _schema_of(storage, entry)[0]]
        now[table] = files
    save_json(record, now)
    return {table: sorted({f[2] for f in files.values()}) for table, files in now.items()}


def snapshot_schema(storage: Storage, rel: str) -> str | None:
    """The schema fingerprint of the snapshot file `rel`, None when there is none."""
    folder = rel.rsplit("/", 1)[0]
    entry = next((e for e in storage.list_files(folder) if e.path == rel), None)
    return _schema_of(storage, entry)[0] if entry else None


# file URI -> (size, modification time, fingerprint, column names), as of the last footer read
_SEEN_IN_PROCESS: dict[str, tuple[int, float, str, tuple[str, ...]]] = {}


def common_columns(storage: Storage, entries: list[FileEntry]) -> tuple[str, ...] | None:
    """The column names of the Parquet files `entries` when they all have one schema (the same
    names and types), else None."""
    fingerprints, names = set(), None
    for entry in entries:
        fingerprint, names = _schema_of(storage, entry)
        fingerprints.add(fingerprint)
        if len(fingerprints) > 1:
            return None
    return names


def _schema_of(storage: Storage, entry: FileEntry) -> tuple[str, tuple[str, ...]]:
    """A file's schema fingerprint and column names; its footer is read once a process while its
    size and modification time stay the same."""
    uri = storage.uri(entry.path)
    known = _SEEN_IN_PROCESS.get(uri)
    if known is None or known[:2] != (entry.size, entry.mtime):
        schema = pq.read_schema(storage.full(entry.path), filesystem=storage.fs)
        columns = sorted(f"{field.name}:{field.type}" for field in schema)
        fingerprint = hashlib.sha1("\n".join(columns).encode()).hexdigest()[:16]
        known = (entry.size, entry.mtime, fingerprint, tuple(schema.names))
        if entry.mtime is not None:
            _SEEN_IN_PROCESS[uri] = known
    return known[2], known[3]


def _load(record: Path) -> dict:
    try:
        return json.loads(record.read_text())
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: every footer is read once


def save_json(path: Path, content: dict) -> None:
    """Replace the JSON file `path` in one step."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(content, separators=(",", ":")))
    os.replace(tmp, path)
