"""A decompression-bomb PNG: a valid file of a few hundred KB whose header declares far more pixels
than any training image (written row by row, so making it needs no big buffer)."""

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A greyscale PNG of width x height black pixels, deflated at the highest level."""
    deflate = zlib.compressobj(9)
    row = bytes(1 + width)  # filter byte 0, then the pixels
    pixels = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")
