"""Images for upload tests, made in memory with Pillow: a good PNG, and the bad ones a
user (or an attacker) might send, each with the words its refusal must contain."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def huge_png_header(width: int = 20_000, height: int = 20_000) -> bytes:
    """A few hundred bytes whose header claims ``width`` x ``height`` (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((256, 256), 60).convert("RGB").save(out, "JPEG")
    data = out.getvalue()
    return data[: len(data) // 2]


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (16, 16), (i * 80, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:])
    return out.getvalue()


# name the user gave it -> (its bytes, what the refusal says)
BAD_IMAGES = {
    "notes.png": (b"la la la, just text\n" * 20, "is not a PNG, JPEG or WebP image"),
    "huge.png": (huge_png_header(), "at most 40 megapixels"),
    "cut.jpg": (truncated_jpeg(), "damaged or cut short"),
    "dance.gif": (animated("GIF"), "is a GIF image"),
    "dance.webp": (animated("WEBP"), "is animated (3 frames)"),
}
