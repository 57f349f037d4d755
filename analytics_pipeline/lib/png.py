"""A minimal PNG writer (RGB, no dependencies) for small charts in Dagster metadata."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    """`pixels[y][x] = (r, g, b)`; every row the same width."""
    height, width = len(pixels), len(pixels[0]) if pixels else 0
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def heat_colour(share: float) -> tuple[int, int, int]:
    """White (0) to deep red (1)."""
    s = max(0.0, min(1.0, share))
    return (255 - int(55 * s), int(255 * (1 - s)), int(255 * (1 - s)))


def heatmap_png(rows: list[list[float]], cell: int = 8) -> bytes:
    """One band per row, one cell per value in [0, 1], scaled up `cell` times."""
    width = max((len(r) for r in rows), default=1) or 1
    pixels = []
    for values in rows:
        band = [heat_colour(values[i]) if i < len(values) else (235, 235, 235) for i in range(width)]
        scaled = [px for px in band for _ in range(cell)]
        pixels += [scaled] * cell + [[(255, 255, 255)] * (width * cell)] * 2
    return encode_png(pixels or [[(255, 255, 255)]])
