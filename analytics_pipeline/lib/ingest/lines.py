"""Landing files to batches of numbered lines, without a Python loop per line.

Files are streamed in blocks (gzip through zlib, so a truncated or non-gzip file still yields
the lines read before the fault); newline offsets are found with numpy and the lines become a
zero-copy Arrow array. A fault ends the file and is reported, never raised.
"""

from __future__ import annotations

import ctypes
import functools
import zlib
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pyarrow as pa

try:  # ISA-L inflates gzip about twice as fast as zlib, with the same API
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - optional speed-up
    _inflate = zlib

MAX_LINE_BYTES = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"  # some editors and Windows tools start a text file with it
READ_BLOCK = 16 * 1024 * 1024
DECOMPRESSED_BLOCK = 32 * 1024 * 1024  # bounds memory: gzip text is ~10x its compressed size
_INFLATE_ERRORS = (zlib.error, _inflate.error)


@dataclass
class LineBatch:
    line_number: pa.Array  # int64, 1-based physical line numbers
    raw: pa.Array  # large_string, line ending included; invalid UTF-8 replaced (and flagged)
    bad_utf8: pa.Array  # bool
    oversized: pa.Array  # bool


@dataclass
class FileScan:
    """Filled in while a file's batches are consumed."""

    bytes_read: int = 0
    file_error: str | None = None
    lines_seen: int = 0
    batches: list = field(default_factory=list)


@functools.cache
def reuse_large_blocks() -> bool:
    """Have glibc serve the 32 MB blocks from one heap and keep freed ones for the next block.

    By default an allocation that size is mapped and unmapped each time, and faulting its pages
    in again was a third of the reader's CPU (5.4 of 16 CPU-s at 10 M lines: 0.5 now). Call it
    before starting the reading thread: one arena for all threads, or the thread gets its own
    heaps, which are mapped and unmapped the same way. Process wide; at most 256 MB of freed
    heap is kept. Elsewhere than glibc this does nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8
        return bool(libc.mallopt(m_arena_max, 1) and libc.mallopt(m_mmap_threshold, 64 << 20)
                    and libc.mallopt(m_trim_threshold, 256 << 20))
    except (OSError, AttributeError):
        return False


def _blocks(stream, gz: bool, scan: FileScan) -> Iterator[bytes]:
    if not gz:
        while True:
            chunk = stream.read(READ_BLOCK)
            if not chunk:
                return
            scan.bytes_read += len(chunk)
            yield chunk
    decomp = _inflate.decompressobj(wbits=31)
    started = False
    in_member = False
    while True:
        chunk = stream.read(READ_BLOCK)
        if not chunk:
            break
        scan.bytes_read += len(chunk)
        data = chunk
        if not started:  # zlib's header check, so a file that is not gzip is named as such
            try:
                zlib.decompressobj(wbits=31).decompress(chunk[:65536], 1)
            except zlib.error as exc:
                scan.file_error = "not_gzip: " + str(exc)
                return
        while True:
            if decomp.eof:  # a multi-member gzip: the next member starts here
                if not data:
                    break
                decomp = _inflate.decompressobj(wbits=31)
            try:
                out = decomp.decompress(data, DECOMPRESSED_BLOCK)
            except _INFLATE_ERRORS as exc:
                scan.file_error = ("corrupt_gzip: " if started else "not_gzip: ") + str(exc)
                return
            started = in_member = True
            if out:
                yield out
            in_member = not decomp.eof
            data = decomp.unused_data if decomp.eof else decomp.unconsumed_tail
            # a full output block may leave inflated bytes pending even when all input is used
            if not decomp.eof and not data and len(out) < DECOMPRESSED_BLOCK:
                break
    if in_member:
        scan.file_error = "truncated_gzip: the file ends before the end of its gzip stream"


def _to_batch(buf, first_line: int, scratch: np.ndarray | None = None) -> LineBatch:
    """`buf` (bytes or a memoryview) holds whole lines separated by b'\\n' (the last one may lack its newline).

    Each value keeps its line ending, so the Arrow array is a zero-copy view of `buf`; SQL
    trims it. Oversized lines stay whole here (flagged); the quarantine cuts them at 64 KiB.
    `scratch`, a bool array at least as long as `buf` if given, holds the newline mask: a fresh
    32 MB mask per block cost a quarter of the newline search in page faults.
    """
    arr = np.frombuffer(buf, dtype=np.uint8)
    if scratch is not None and len(scratch) >= len(arr):
        is_newline = np.equal(arr, 10, out=scratch[:len(arr)])
    else:
        is_newline = arr == 10
    nl = np.flatnonzero(is_newline)
    ends = np.concatenate((nl + 1, [len(buf)])) if (len(nl) == 0 or nl[-1] != len(buf) - 1) else nl + 1
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    lengths = np.diff(offsets)
    oversized = lengths > MAX_LINE_BYTES + 2  # the newline (and a CR) do not count
    data = buf
    n = len(offsets) - 1
    binary = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), n, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)]
    )
    bad = np.zeros(n, dtype=bool)
    try:
        raw = binary.cast(pa.large_string())
    except pa.ArrowInvalid:
        values = []
        for i, b in enumerate(binary.to_pylist()):
            try:
                values.append(b.decode("utf-8"))
            except UnicodeDecodeError:
                bad[i] = True
                values.append(b.decode("utf-8", errors="replace"))
        raw = pa.array(values, pa.large_string())
    numbers = pa.array(np.arange(first_line, first_line + n, dtype=np.int64))
    return LineBatch(numbers, raw, pa.array(bad), pa.array(oversized))


def _joined(parts: list[LineBatch]) -> LineBatch:
    if len(parts) == 1:
        return parts[0]
    return LineBatch(*(pa.chunked_array([getattr(p, f) for p in parts]) for f in ("line_number", "raw", "bad_utf8", "oversized")))


def _without_leading_bom(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """The blocks of a file with a UTF-8 byte order mark at its very start removed."""
    head = b""
    for block in blocks:
        if len(head) + len(block) < len(UTF8_BOM) and UTF8_BOM.startswith(head + block):
            head += block  # a mark split across tiny blocks
            continue
        block = head + block
        yield block[len(UTF8_BOM):] if block.startswith(UTF8_BOM) else block
        break
    else:
        if head:
            yield head
        return
    yield from blocks


def read_line_batches(stream, gz: bool, scan: FileScan) -> Iterator[LineBatch]:
    """Yield batches of the lines of one file; faults end the stream and land in `scan`.

    A block's whole lines are used in place (a memoryview, no copy of the block); only the line
    split across two blocks is joined into a new small buffer.
    """
    reuse_large_blocks()
    pending = b""
    next_line = 1
    scratch = np.empty(max(READ_BLOCK, DECOMPRESSED_BLOCK), dtype=bool)
    for block in _without_leading_bom(_blocks(stream, gz, scan)):
        cut = block.rfind(b"\n")
        if cut < 0:
            pending += block
            continue
        parts, start = [], 0
        if pending:
            start = block.find(b"\n") + 1
            parts.append(_to_batch(pending + block[:start], next_line))
            next_line += 1
        if start < cut:
            parts.append(_to_batch(memoryview(block)[start:cut], next_line, scratch))
            next_line += len(parts[-1].line_number)
        pending = block[cut + 1:]
        yield _joined(parts)
    if pending:
        yield _to_batch(pending, next_line)
