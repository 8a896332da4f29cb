"""The bad-input corpus of issue 7, built in code (nothing binary is committed; the 30 MB file is written
at test time): photos, master-data files, form values and hostile text.

Each case names what a person would do, and what the product must answer: a message key for what is
refused, or what is kept for what is accepted.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

# ---------------------------------------------------------------- photos


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def scene(width: int = 640, height: int = 480) -> Image.Image:
    """A shelf-like picture: a gradient with blocks of colour."""
    gradient = np.linspace(40, 220, width, dtype=np.uint8)
    pixels = np.stack([np.tile(gradient, (height, 1))] * 3, axis=-1)
    pixels[height // 4 : height // 2, width // 5 : width // 2] = (200, 30, 30)
    return Image.fromarray(pixels)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, bit_depth: int, colour_type: int, scanlines: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(scanlines))
        + _png_chunk(b"IEND", b"")
    )


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims width × height pixels: a decompression bomb's shape."""
    return _png(width, height, 8, 2, b"\x00" * 64)


def png_16_bit_rgb(width: int = 320, height: int = 240) -> bytes:
    """A 16-bit-per-channel colour PNG, written by hand (Pillow writes 16 bits only for greyscale)."""
    red = np.tile(np.linspace(0, 65535, width).astype(">u2"), (height, 1))
    pixels = np.stack([red, np.full_like(red, 20000), np.full_like(red, 40000)], axis=-1)
    rows = b"".join(b"\x00" + row.tobytes() for row in pixels)  # filter type 0 before each scanline
    return _png(width, height, 16, 2, rows)


def png_16_bit_grey(width: int = 256, height: int = 64) -> bytes:
    ramp = np.tile(np.linspace(0, 65535, width).astype(np.uint16), (height, 1))
    return encode(Image.fromarray(ramp), "PNG")


def heic_claiming(width: int, height: int) -> bytes:
    """A real HEIC whose image-size box (ispe) claims width × height: libheif refuses to allocate it."""
    data = bytearray(encode(scene(64, 48), "HEIF", quality=60))
    at = data.index(b"ispe") + 8  # box type, then version and flags, then width and height
    data[at : at + 8] = struct.pack(">II", width, height)
    return bytes(data)


def truncated_jpeg() -> bytes:
    data = encode(Image.effect_noise((400, 300), 60).convert("RGB"), "JPEG")
    return data[: len(data) // 2]


def exif_rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to display
    return encode(scene(640, 480), "JPEG", exif=exif)


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (120, 80), colour) for colour in ((250, 0, 0), (0, 0, 250), (0, 250, 0))]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def thirty_megabytes(folder: Path) -> Path:
    """A real 30 MB photo (uncompressed noise PNG), written into a test's temporary folder."""
    noise = np.random.default_rng(30).integers(0, 256, (3100, 3400, 3), dtype=np.uint8)
    path = folder / "shelf-30mb.png"
    Image.fromarray(noise).save(path, "PNG", compress_level=0)
    return path


# name -> (the file as uploaded, file name, the message key it is refused with)
REFUSED_PHOTOS = {
    "zero-bytes": (lambda folder: b"", "empty.jpg", "photo.error.empty"),
    "text-renamed-jpg": (
        lambda folder: "货架照片 shelf photo, really a note\n".encode(),
        "note.jpg",
        "photo.error.not_image",
    ),
    "truncated-jpeg": (lambda folder: truncated_jpeg(), "cut.jpg", "photo.error.truncated"),
    "png-100-megapixel-header": (lambda folder: png_claiming(10_000, 10_000), "bomb.png", "photo.error.too_large"),
    "heic-claiming-60000x60000": (lambda folder: heic_claiming(60_000, 60_000), "bomb.heic", "photo.error.too_large"),
    "30-mb-file": (lambda folder: thirty_megabytes(folder).read_bytes(), "shelf-30mb.png", "photo.error.too_big"),
}

# name -> (the file, the stored size (width, height) once upright and at most 1920 px)
ACCEPTED_PHOTOS = {
    "cmyk-jpeg": (lambda: encode(scene().convert("CMYK"), "JPEG"), (640, 480)),
    "16-bit-rgb-png": (png_16_bit_rgb, (320, 240)),
    "16-bit-grey-png": (png_16_bit_grey, (256, 64)),
    "exif-rotated-jpeg": (exif_rotated_jpeg, (480, 640)),
    "heic": (lambda: encode(scene(320, 240), "HEIF", quality=80), (320, 240)),
    "animated-gif": (animated_gif, (120, 80)),
}

# ---------------------------------------------------------------- master-data files

STORE_HEADER = "code,name,channel,grade,region\n"
PRODUCT_HEADER = "code,name_en,name_zh,brand,category,rrp\n"


def damaged_xlsx() -> bytes:
    """A workbook that opens but whose sheet XML is cut off halfway (an interrupted copy)."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(STORE_HEADER.strip().split(","))
    for i in range(50):
        book.active.append([f"S{i}", "店", "modern", "A", "E"])
    whole = io.BytesIO()
    book.save(whole)
    source, damaged = zipfile.ZipFile(whole), io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    return damaged.getvalue()


# name -> (kind, file name, bytes, the messages in English and Chinese)
REFUSED_IMPORTS = {
    "decimal-comma-price": (
        "products",
        "p.csv",
        (PRODUCT_HEADER + 'P1,Tea,茶,Q,bev,"12,5"\n').encode(),
        (
            "Row 2, column “rrp”: “12,5” is not a price: use a dot for decimals and commas only between thousands"
            " (1,234.50).",
            "第 2 行，“rrp”列：“12,5”不是有效价格：小数点请用“.”，逗号只能用作千位分隔（如 1,234.50）。",
        ),
    ),
    "european-price": (
        "products",
        "p.csv",
        (PRODUCT_HEADER + 'P1,Tea,茶,Q,bev,"€1.234,50"\n').encode("utf-8-sig"),
        (
            "Row 2, column “rrp”: “€1.234,50” is not a price: use a dot for decimals and commas only between"
            " thousands (1,234.50).",
            "第 2 行，“rrp”列：“€1.234,50”不是有效价格：小数点请用“.”，逗号只能用作千位分隔（如 1,234.50）。",
        ),
    ),
    "price-rounding-to-zero": (
        "products",
        "p.csv",
        (PRODUCT_HEADER + "P1,Tea,茶,Q,bev,￥0.004\n").encode("gbk"),
        ("Row 2, column “rrp”: “￥0.004” is not a price above zero.", "第 2 行，“rrp”列：“￥0.004”不是大于零的价格。"),
    ),
    "cell-over-128k-characters": (
        "stores",
        "s.csv",
        (STORE_HEADER + "S1," + "长" * 140_000 + ",modern,A,E\n").encode(),
        (
            "A cell near line 2 holds more than 131072 characters; the file cannot be read.",
            "第 2 行附近有单元格超过 131072 个字符，无法读取该文件。",
        ),
    ),
    "damaged-xlsx-sheet": (
        "stores",
        "s.xlsx",
        damaged_xlsx(),
        (
            "The file could not be read as CSV (UTF-8 or GBK) or XLSX.",
            "无法读取该文件：请使用 CSV（UTF-8 或 GBK 编码）或 XLSX 格式。",
        ),
    ),
}

# ---------------------------------------------------------------- form values

NUMBERS = {
    "negative": -3,
    "huge": 10**12,
    "non-numeric": "12 boxes",
    "currency-text": "¥12.50",
    "nan": float("nan"),
    "infinity": float("inf"),
    "yes-instead-of-a-number": True,
}

# Markup and code people may type into a note, a product or a brand name: all of it must come back as text.
HOSTILE_TEXTS = {
    "markdown": "# Heading\n\n**bold** _it_ [pay here](https://evil.example) ![x](x.png) `code`\n\n"
    "    indented code\n> quote\n- item\n1. first\nTitle\n===\n| a | b |\n|---|---|",
    "html": '<b>bold</b> <img src=x onerror="alert(1)"> &lt;i&gt; &amp; <a href="https://evil.example">link</a>',
    "script": "<script>alert('xss')</script><iframe src=javascript:alert(1)>",
    "sql": "'; DROP TABLE audits; -- \" OR 1=1 /* UNION SELECT password_hash FROM users */",
    "right-to-left": "مرحبا بالعالم · שלום עולם · \u202eevil\u202c · 店长",
    "emoji": "👍🏽 店长很满意 🎉 👨‍👩‍👧 ❤️",
    "streamlit-markup": ":red[alert] :material/home: :smile: $x^2$ www.evil.example name@evil.example",
    "10000-characters": ("备注 note <b>x</b> **y** " * 500)[:10_000],
}
TOO_LONG_NOTE = "长" * 10_001


# ---------------------------------------------------------------- Markdown as shown

# CommonMark: a backslash before ASCII punctuation shows the character, before a line break makes a hard break.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~\n])")
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def as_shown(markdown: str) -> str:
    """The text a Markdown source made only of literal characters displays."""
    return _ESCAPE.sub(r"\1", markdown).replace("\u200b", "").replace("\u00a0", " ")


def is_literal(markdown: str) -> bool:
    """Every punctuation character is escaped: nothing is left for Markdown to read as syntax."""
    return not _PUNCTUATION.search(_ESCAPE.sub("", markdown))
