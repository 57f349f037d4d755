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


def heatmap_png(rows: list[list[float]], cell: int = 8,
                marks: list[dict[int, tuple[int, int, int]]] | None = None) -> bytes:
    """One band per row, one cell per value in [0, 1], scaled up `cell` times; `marks[i]` colours
    segments of band i in a strip under it (white elsewhere)."""
    width = max((len(r) for r in rows), default=1) or 1
    white = (255, 255, 255)
    pixels = []
    for i, values in enumerate(rows):
        band = [heat_colour(values[j]) if j < len(values) else (235, 235, 235) for j in range(width)]
        pixels += [[px for px in band for _ in range(cell)]] * cell
        if marks is not None:
            strip = [marks[i].get(j, white) for j in range(width)]
            pixels += [[px for px in strip for _ in range(cell)]] * max(2, cell // 2)
        pixels += [[white] * (width * cell)] * 2
    return encode_png(pixels or [[white]])


def bars_png(values: list[float], colour: tuple[int, int, int] = (60, 110, 200), bar: int = 16, height: int = 80) -> bytes:
    """A bar per value, bottom-aligned, the largest `height` pixels tall, a pixel of gap between."""
    top = max(values, default=0) or 1
    heights = [round(height * max(0.0, v) / top) for v in values]
    pixels = []
    for y in range(height, 0, -1):
        row = []
        for h in heights:
            row += [colour if h >= y else (255, 255, 255)] * (bar - 1) + [(255, 255, 255)]
        pixels.append(row)
    pixels.append([(120, 120, 120)] * (len(values) * bar))  # the axis
    return encode_png(pixels if values else [[(255, 255, 255)]])
