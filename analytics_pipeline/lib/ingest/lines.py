"""Landing files to batches of numbered lines, without a Python loop per line.

Files are streamed in blocks (gzip through zlib, so a truncated or non-gzip file still yields
the lines read before the fault); newline offsets are found with numpy and the lines become a
zero-copy Arrow array. A fault ends the file and is reported, never raised.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pyarrow as pa

MAX_LINE_BYTES = 64 * 1024
READ_BLOCK = 16 * 1024 * 1024


@dataclass
class LineBatch:
    line_number: pa.Array  # int64, 1-based physical line numbers
    raw: pa.Array  # large_string; invalid UTF-8 replaced (and flagged), oversized truncated
    bad_utf8: pa.Array  # bool
    oversized: pa.Array  # bool


@dataclass
class FileScan:
    """Filled in while a file's batches are consumed."""

    bytes_read: int = 0
    file_error: str | None = None
    lines_seen: int = 0
    batches: list = field(default_factory=list)


def _blocks(stream, gz: bool, scan: FileScan) -> Iterator[bytes]:
    if not gz:
        while True:
            chunk = stream.read(READ_BLOCK)
            if not chunk:
                return
            scan.bytes_read += len(chunk)
            yield chunk
    decomp = zlib.decompressobj(wbits=31)
    started = False
    in_member = False
    while True:
        chunk = stream.read(READ_BLOCK)
        if not chunk:
            break
        scan.bytes_read += len(chunk)
        data = chunk
        while data:
            if decomp.eof:  # a multi-member gzip: the next member starts here
                decomp = zlib.decompressobj(wbits=31)
            try:
                out = decomp.decompress(data)
            except zlib.error as exc:
                scan.file_error = ("corrupt_gzip: " if started else "not_gzip: ") + str(exc)
                return
            started = in_member = True
            if out:
                yield out
            data = decomp.unused_data if decomp.eof else b""
            in_member = not decomp.eof
    if in_member:
        scan.file_error = "truncated_gzip: the file ends before the end of its gzip stream"


def _to_batch(buf: bytes, first_line: int) -> LineBatch:
    """`buf` holds whole lines separated by b'\\n' (the last one without its newline)."""
    arr = np.frombuffer(buf, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], nl + 1)).astype(np.int64)
    ends = np.concatenate((nl, [len(buf)])).astype(np.int64)
    # drop a trailing '\r' of CRLF files
    has_cr = np.zeros(len(ends), dtype=bool)
    nonempty = ends > starts
    has_cr[nonempty] = arr[ends[nonempty] - 1] == 13
    ends = ends - has_cr
    lengths = ends - starts
    oversized = lengths > MAX_LINE_BYTES
    if oversized.any():
        ends = np.where(oversized, starts + MAX_LINE_BYTES, ends)
    if (starts[1:] == ends[:-1]).all() if len(starts) > 1 else True:
        data = buf
        offsets = np.concatenate((starts, ends[-1:]))
    else:  # CRs or oversized tails were cut: pack the kept byte ranges contiguously
        lens = ends - starts
        shift = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        data = arr[np.arange(lens.sum()) + shift].tobytes()
        offsets = np.concatenate(([0], np.cumsum(lens)))
    binary = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(starts), [None, pa.py_buffer(offsets.astype(np.int64).tobytes()), pa.py_buffer(data)]
    )
    bad = np.zeros(len(starts), dtype=bool)
    try:
        raw = binary.cast(pa.large_string())
    except pa.ArrowInvalid:
        values = []
        for i, b in enumerate(binary.to_pylist()):
            try:
                values.append(b.decode("utf-8"))
            except UnicodeDecodeError:
                if oversized[i]:  # a multi-byte character cut at the limit is not an encoding fault
                    values.append(b.decode("utf-8", errors="ignore"))
                else:
                    bad[i] = True
                    values.append(b.decode("utf-8", errors="replace"))
        raw = pa.array(values, pa.large_string())
    numbers = pa.array(np.arange(first_line, first_line + len(starts), dtype=np.int64))
    return LineBatch(numbers, raw, pa.array(bad), pa.array(oversized))


def read_line_batches(stream, gz: bool, scan: FileScan) -> Iterator[LineBatch]:
    """Yield batches of the lines of one file; faults end the stream and land in `scan`."""
    pending = b""
    next_line = 1
    for block in _blocks(stream, gz, scan):
        buf = pending + block
        cut = buf.rfind(b"\n")
        if cut < 0:
            pending = buf
            continue
        pending = buf[cut + 1:]
        batch = _to_batch(buf[:cut], next_line)
        next_line += len(batch.line_number)
        yield batch
    if pending:
        yield _to_batch(pending, next_line)
