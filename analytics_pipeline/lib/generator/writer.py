"""Streaming landing files: written under a temporary name, moved into place when complete."""

from __future__ import annotations

import gzip
import uuid
from pathlib import PurePosixPath

from ..storage import Storage

FLUSH_LINES = 8192


class LandingFile:
    """One `.jsonl` or `.jsonl.gz` file; lines are buffered and written in blocks.

    Gzip output is byte-identical for the same lines (no timestamp or name in the header); level 1
    because compression would otherwise cost more than generating the events.
    """

    def __init__(self, storage: Storage, rel: str, compress: bool, level: int = 1):
        self.storage = storage
        self.rel = rel
        target = storage.full(rel)
        parent = str(PurePosixPath(target).parent)
        storage.fs.create_dir(parent, recursive=True)
        self._target = target
        self._tmp = f"{parent}/.tmp-{uuid.uuid4().hex}-{PurePosixPath(target).name}"
        self._raw = storage.fs.open_output_stream(self._tmp, compression=None)  # no suffix-based auto gzip
        self._out = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=level, mtime=0, filename="") \
            if compress else self._raw
        self._buffer: list[str] = []
        self.lines = 0

    def write_many(self, lines: list[str]) -> None:
        self._buffer.extend(lines)
        if len(self._buffer) >= FLUSH_LINES:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self.lines += len(self._buffer)
            self._out.write(("\n".join(self._buffer) + "\n").encode("utf-8"))
            self._buffer.clear()

    def close(self) -> None:
        self._flush()
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()
        self.storage.fs.move(self._tmp, self._target)

    def abort(self) -> None:
        try:
            self._raw.close()
        finally:
            self.storage.fs.delete_file(self._tmp)
