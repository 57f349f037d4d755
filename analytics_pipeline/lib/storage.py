"""Where files live: a data root that is a local folder or an `s3://bucket/prefix` URI.

Everything goes through a pyarrow filesystem, so the same calls serve a laptop and a bucket.
Lake partitions are one Parquet file each (`lake/<table>/date=YYYY-MM-DD/data.parquet`; the
internal `event_arrivals` splits its partitions by event day),
written under a temporary name in `<root>/.staging/` and then moved into place, so a reader
sees the previous complete partition or the new one, never half of one, a re-run replaces
instead of adding, and a killed writer leaves nothing inside `lake/` (only a stray temporary
file under `.staging/`, which `clean_staging` or an S3 lifecycle rule removes).

On S3 the move is a server-side copy of the finished temporary object onto the final key
(one PUT-like step: readers see the old object until the copy completes, then the new one)
followed by deleting the temporary object. Writing straight to the final key is avoided: a
stream closed on an error path may complete its upload with partial content.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from analytics_pipeline.lib.scratch import clean_work_dirs, left_by_gone_process, owner_tag, work_dir

PARQUET_NAME = "data.parquet"
ROW_GROUP_ROWS = 1_000_000
STAGING_DIR = ".staging"  # temporary files; a dot name, so never mistaken for a table or landing folder


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the data root, '/'-separated
    size: int
    mtime: float | None


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """Columns worth a dictionary: floats and timestamps rarely repeat, and hashing them cost
    a sixth of writing the 7.8 M played ranges of a 10 M-event day."""
    return [f.name for f in schema if not (pa.types.is_floating(f.type) or pa.types.is_timestamp(f.type))]


def row_groups(batches: pa.RecordBatchReader, rows: int) -> Iterator[pa.Table]:
    """Tables of exactly `rows` rows (the last one shorter, or empty for an empty stream)."""
    pending: list[pa.RecordBatch] = []
    count, any_yielded = 0, False
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(pending, batches.schema)
            yield table.slice(0, rows)
            any_yielded = True
            rest = table.slice(rows)
            pending, count = rest.to_batches(), rest.num_rows
    if count or not any_yielded:
        yield pa.Table.from_batches(pending, batches.schema)


class Storage:
    def __init__(self, root: str, endpoint_url: str | None = None, region: str | None = None,
                 local_scratch: str | None = None):
        self.root = root.rstrip("/")
        if self.root.startswith("s3://"):
            bucket_prefix = self.root[len("s3://"):]
            kwargs = {}
            if endpoint_url:
                kwargs["endpoint_override"] = endpoint_url
                kwargs["scheme"] = "https" if endpoint_url.startswith("https") else "http"
            if region:
                kwargs["region"] = region
            self.fs: pafs.FileSystem = pafs.S3FileSystem(**kwargs)
            self.base = bucket_prefix
            self.remote = True
        else:
            local = self.root[len("file://"):] if self.root.startswith("file://") else self.root
            self.fs = pafs.LocalFileSystem()
            self.base = local
            self.remote = False
        self.endpoint_url = endpoint_url
        self.region = region
        # where a run's temporary local files go (lib/scratch.py): inside the root when it is local
        self.local_scratch = f"{self.base}/{STAGING_DIR}/work" if not self.remote else local_scratch

    @classmethod
    def from_settings(cls, settings) -> "Storage":
        beside_warehouse = os.path.join(os.path.dirname(settings.warehouse_path), STAGING_DIR, "work")
        return cls(settings.data_root, settings.aws_endpoint_url, settings.aws_region, local_scratch=beside_warehouse)

    # -- paths -------------------------------------------------------------------------
    def full(self, rel: str) -> str:
        """Path inside `self.fs` for a path relative to the root."""
        return f"{self.base}/{rel}".rstrip("/") if rel else self.base

    def uri(self, rel: str) -> str:
        """What an outside reader (DuckDB, a person) uses for this path."""
        return f"s3://{self.full(rel)}" if self.remote else self.full(rel)

    # -- plain files ---------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        return self.fs.get_file_info(self.full(rel)).type != pafs.FileType.NotFound

    def is_dir(self, rel: str) -> bool:
        return self.fs.get_file_info(self.full(rel)).type == pafs.FileType.Directory

    def list_files(self, rel_dir: str, recursive: bool = False) -> list[FileEntry]:
        selector = pafs.FileSelector(self.full(rel_dir), allow_not_found=True, recursive=recursive)
        out = []
        prefix = self.base + "/"
        for info in self.fs.get_file_info(selector):
            if info.type != pafs.FileType.File:
                continue
            rel = info.path[len(prefix):] if info.path.startswith(prefix) else info.path
            mtime = info.mtime.timestamp() if info.mtime is not None else None
            out.append(FileEntry(rel, info.size or 0, mtime))
        return sorted(out, key=lambda e: e.path)

    def list_dirs(self, rel_dir: str) -> list[str]:
        selector = pafs.FileSelector(self.full(rel_dir), allow_not_found=True)
        # base_name, not a PurePosixPath per entry: the warehouse's lake_tables over a year of
        # partitions took 54 to 58 ms that way, 22 to 28 ms this (benchmarks/bind_views.py)
        return sorted(i.base_name for i in self.fs.get_file_info(selector) if i.type == pafs.FileType.Directory)

    def open_input(self, rel: str):
        return self.fs.open_input_stream(self.full(rel), compression=None)

    def read_bytes(self, rel: str) -> bytes:
        with self.open_input(rel) as f:
            return f.read()

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write a whole file atomically (temporary name, then move into place)."""
        with self._replacing(rel) as tmp, self.fs.open_output_stream(tmp, compression=None) as f:
            f.write(data)

    def copy(self, source_rel: str, rel: str) -> None:
        """Replace `rel` by a copy of the file `source_rel` in one step (on S3 the bucket copies it)."""
        with self._replacing(rel) as tmp:
            self.fs.copy_file(self.full(source_rel), tmp)

    def delete_file(self, rel: str) -> None:
        if self.exists(rel):
            self.fs.delete_file(self.full(rel))

    def delete_dir(self, rel: str) -> None:
        if self.exists(rel):
            self.fs.delete_dir(self.full(rel))

    # -- lake tables ---------------------------------------------------------------------
    @staticmethod
    def partition_dir(table: str, day: date | str) -> str:
        return f"lake/{table}/date={day}"

    @staticmethod
    def snapshot_path(table: str) -> str:
        return f"lake/{table}/{PARQUET_NAME}"

    def partition_file(self, table: str, day: date | str) -> str:
        return f"{self.partition_dir(table, day)}/{PARQUET_NAME}"

    def write_parquet(self, rel: str, table: pa.Table) -> None:
        """Write one Parquet file atomically; `rel` is replaced if it exists."""
        self._write_parquet(rel, table.schema, [table])

    def write_parquet_batches(self, rel: str, batches: pa.RecordBatchReader) -> int:
        """`write_parquet` for a stream, never held whole: the same row groups, from batches of
        any size; returns the rows written."""
        return self._write_parquet(rel, batches.schema, row_groups(batches, ROW_GROUP_ROWS))

    def _write_parquet(self, rel: str, schema: pa.Schema, tables: Iterable[pa.Table]) -> int:
        rows = 0
        # A dictionary-typed column is stored as Parquet dictionary pages of its values. Without
        # the Arrow schema in the file, readers get the value type, as from any other file.
        dictionary_typed = any(pa.types.is_dictionary(f.type) for f in schema)
        with self._replacing(rel) as tmp, pq.ParquetWriter(
                tmp, schema, filesystem=self.fs, compression="zstd", use_dictionary=_dictionary_columns(schema),
                store_schema=not dictionary_typed) as writer:
            for table in tables:
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
                rows += table.num_rows
        return rows

    def write_partition(self, table_name: str, day: date | str, table: pa.Table) -> str:
        rel = self.partition_file(table_name, day)
        self.write_parquet(rel, table)
        return rel

    def write_snapshot(self, table_name: str, table: pa.Table) -> str:
        rel = self.snapshot_path(table_name)
        self.write_parquet(rel, table)
        return rel

    def partition_days(self, table_name: str) -> list[date]:
        days = []
        for name in self.list_dirs(f"lake/{table_name}"):
            if name.startswith("date="):
                try:
                    days.append(date.fromisoformat(name[5:]))
                except ValueError:
                    continue
        return sorted(days)

    def existing_partition_files(self, table_name: str, days: Iterable[date | str]) -> list[str]:
        """The Parquet files of the given partitions: `data.parquet`, or one file per part where a
        table splits its partitions (`event_arrivals` holds one file per event day)."""
        return [e.path for e in self.existing_partition_entries(table_name, days)]

    def existing_partition_entries(self, table_name: str, days: Iterable[date | str]) -> list[FileEntry]:
        """`existing_partition_files` with each file's size and modification time."""
        entries = []
        for d in days:
            entries += [e for e in self.list_files(self.partition_dir(table_name, d))
                        if e.path.endswith(".parquet") and not PurePosixPath(e.path).name.startswith(".")]
        return entries

    def read_parquet(self, rel: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.full(rel), filesystem=self.fs, columns=columns)

    def read_parquet_head(self, rel: str, rows: int, columns: list[str] | None = None) -> pa.Table:
        """The first `rows` rows: one row group is read, not the whole file (a preview of a
        10 M-event partition took 11.6 s read whole)."""
        with self.fs.open_input_file(self.full(rel)) as f:
            reader = pq.ParquetFile(f)
            batch = next(reader.iter_batches(batch_size=rows, columns=columns), None)
            return (pa.Table.from_batches([batch]) if batch is not None
                    else reader.schema_arrow.empty_table().select(columns or reader.schema_arrow.names))

    def read_partitions(
        self, table_name: str, days: Iterable[date | str], columns: list[str] | None = None
    ) -> list[pa.Table]:
        return [self.read_parquet(p, columns) for p in self.existing_partition_files(table_name, days)]

    # -- files produced locally (e.g. by DuckDB COPY) and then published ------------------
    def staging_path(self, rel: str) -> str:
        """A local path to write `rel`'s new content to before `publish` moves it into place.

        Local roots stage in `<root>/.staging/` (same filesystem, so `publish` is one rename);
        remote roots in a local temporary folder that `publish` uploads and removes.
        """
        name = f"{uuid.uuid4().hex}-{PurePosixPath(rel).name}"
        if not self.remote:
            return self._temp_key(rel)
        return os.path.join(work_dir(self, "stage-"), name)

    def publish(self, local_path: str, rel: str) -> None:
        """Move a staged local file to `rel`, replacing what was there in one step."""
        if not self.remote:
            self._commit(local_path, rel)
            return
        try:
            with self._replacing(rel) as tmp:
                pafs.copy_files(local_path, tmp, source_filesystem=pafs.LocalFileSystem(),
                                destination_filesystem=self.fs)
        finally:
            shutil.rmtree(os.path.dirname(local_path), ignore_errors=True)

    # -- the one place a finished file becomes visible -------------------------------------
    @contextmanager
    def _replacing(self, rel: str) -> Iterator[str]:
        """A temporary path (inside `self.fs`) to write `rel`'s new content to: once the block
        ends it replaces `rel` in one step; if the block fails it is removed and `rel` stays."""
        tmp = self._temp_key(rel)
        try:
            yield tmp
        except BaseException:
            self._discard(tmp)
            raise
        self._commit(tmp, rel)

    def _temp_key(self, rel: str) -> str:
        """A fresh temporary path (inside `self.fs`) for new content of `rel`."""
        staging = self.full(STAGING_DIR)
        if not self.remote:
            os.makedirs(staging, exist_ok=True)
        return f"{staging}/{owner_tag()}-{uuid.uuid4().hex}-{PurePosixPath(rel).name}"

    def _commit(self, tmp: str, rel: str) -> None:
        """Replace `rel` by the complete temporary file `tmp` (rename locally, copy+delete on S3)."""
        target = self.full(rel)
        if not self.remote:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                os.replace(tmp, target)
            except OSError as exc:  # `.staging` on another device than the table (a mounted folder)
                if exc.errno != errno.EXDEV:
                    raise
                beside = f"{os.path.dirname(target)}/.{uuid.uuid4().hex}.tmp"
                shutil.move(tmp, beside)
                os.replace(beside, target)
            return
        self.fs.move(tmp, target)

    def _discard(self, tmp: str) -> None:
        try:
            self.fs.delete_file(tmp)
        except (FileNotFoundError, OSError):
            pass

    def stale_staging_files(self, older_than_s: float) -> list[FileEntry]:
        """Temporary files in `.staging/` that killed writers left: at once for a process of this
        host that is gone; otherwise only when older than `older_than_s`, so a concurrent writer's
        files are left alone."""
        cutoff = time.time() - older_than_s
        return [e for e in self.list_files(STAGING_DIR)
                if left_by_gone_process(PurePosixPath(e.path).name) or (e.mtime is not None and e.mtime < cutoff)]

    def clean_staging(self, older_than_s: float = 6 * 3600, only: set[str] | None = None) -> int:
        """Delete the stale temporary files (of them, those in `only`, when given) and the local work
        folders of gone processes; returns how many."""
        stale = [e for e in self.stale_staging_files(older_than_s) if only is None or e.path in only]
        for entry in stale:
            self._discard(self.full(entry.path))
        return len(stale) + clean_work_dirs(self, older_than_s)
