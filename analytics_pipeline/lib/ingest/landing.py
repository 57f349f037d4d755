"""The landing files of an arrival, read as Arrow tables of numbered lines with per-file facts."""

from __future__ import annotations

import hashlib
import os
from datetime import date

import pyarrow as pa

from analytics_pipeline.lib.ingest.lines import FileScan, read_line_batches
from analytics_pipeline.lib.storage import FileEntry, Storage

EVENT_SUFFIXES = (".jsonl", ".jsonl.gz")
SCAN_CHUNK_ROWS = 16384
LINE_BATCH = pa.schema([("source_file", pa.string()), ("file_order", pa.int32()), ("line_number", pa.int64()),
                         ("raw", pa.large_string()), ("bad_utf8", pa.bool_()), ("oversized", pa.bool_())])


class _HashingStream:
    def __init__(self, stream):
        self.stream = stream
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.sha.update(data)
        return data


def landing_files(storage: Storage, arrival: date) -> list[FileEntry]:
    """The arrival's landing files by path; symbolic links too (even dangling), to be refused."""
    folder = f"landing/events/{arrival}"
    entries = {e.path: e for e in storage.list_files(folder)}
    if not storage.remote:
        try:
            with os.scandir(storage.full(folder)) as found:
                links = [f"{folder}/{e.name}" for e in found if e.is_symlink()]
        except (FileNotFoundError, NotADirectoryError):
            links = []
        entries.update({rel: FileEntry(rel, 0, None) for rel in links})
    return [entries[p] for p in sorted(entries) if not p.rsplit("/", 1)[-1].startswith(".")]


def _is_symlink(storage: Storage, rel: str) -> bool:
    """A link in landing (the file or its day folder) could point anywhere: it is never read."""
    if storage.remote:
        return False
    path = storage.full(rel)
    return os.path.islink(path) or os.path.islink(os.path.dirname(path))


def file_batches(storage: Storage, files, facts: dict[str, dict]):
    """(file_order, line batch table) for every readable line; fills `facts` as files end."""
    for order, entry in enumerate(files):
        name = entry.path
        fact = facts[name] = {"file_bytes": entry.size, "lines": 0, "file_error": None, "sha": None}
        if _is_symlink(storage, name):
            fact["file_error"] = "symlink: a landing file must be a regular file, not a link"
            continue
        if not name.endswith(EVENT_SUFFIXES):
            fact["file_error"] = "unsupported_file: expected a .jsonl or .jsonl.gz file"
            continue
        scan = FileScan()
        with storage.open_input(name) as raw_stream:
            stream = _HashingStream(raw_stream)
            for batch in read_line_batches(stream, name.endswith(".gz"), scan):
                n = len(batch.line_number)
                fact["lines"] += n
                table = pa.table({
                    "source_file": pa.repeat(pa.scalar(name, pa.string()), n),
                    "file_order": pa.repeat(pa.scalar(order, pa.int32()), n),
                    "line_number": batch.line_number,
                    "raw": batch.raw,
                    "bad_utf8": batch.bad_utf8,
                    "oversized": batch.oversized,
                })
                # DuckDB scans one Arrow record batch per thread: several let both cores parse
                yield pa.Table.from_batches(table.to_batches(max_chunksize=SCAN_CHUNK_ROWS), LINE_BATCH)
            while stream.read(1 << 20):  # hash the whole file even after a fault
                pass
        fact["sha"] = stream.sha.hexdigest()
        fact["file_error"] = scan.file_error
