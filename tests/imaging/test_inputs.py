"""Image inputs: detection by content and a clear message for every kind of bad file."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from medapp.modalities.imaging.io import decode, detect
from medapp.types import InputError


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny file whose header claims width x height pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt, kind", [("PNG", "png"), ("JPEG", "jpeg"), ("TIFF", "tiff"), ("BMP", "bmp")])
def test_pictures_detected_by_content_whatever_the_name(fmt, kind):
    buf = io.BytesIO()
    Image.fromarray((np.arange(64 * 64).reshape(64, 64) % 255).astype(np.uint8)).save(buf, format=fmt)
    assert detect(buf.getvalue()) == kind
    x = decode(buf.getvalue(), "named-wrongly.dcm")[0]
    assert x.source == kind and x.image.shape == (64, 64) and not x.is_colour


def test_colour_photo_is_kept_in_colour():
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[..., 0] = 200
    assert decode(png_bytes(rgb), "photo.png")[0].is_colour


def test_zip_of_a_series_gives_every_image():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("series/1.dcm", Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes())
        z.writestr("series/2.png", png_bytes(np.full((20, 20), 128, np.uint8)))
        z.writestr("series/readme.txt", "not an image")
    images = decode(buf.getvalue(), "series.zip")
    assert [x.name for x in images] == ["series.zip/series/1.dcm", "series.zip/series/2.png"]


@pytest.mark.parametrize("make, message", [
    (lambda: b"", "is empty"),
    (lambda: b"Hello, this is a text file and not a scan\n" * 10, "looks like a text file, not an image. Upload a PNG, JPEG, TIFF, BMP or DICOM"),
    (lambda: bomb_png(), "50000x50000 pixels.*decompression bomb"),
    # in words, without the decoder's exception class ("(UnidentifiedImageError)": a review)
    (lambda: png_bytes(np.random.default_rng(1).integers(0, 255, (64, 64), dtype=np.uint8))[:2000],
     r"^upload\.dcm is a damaged or truncated PNG image: it cannot be shown or analysed\. Export it again from "
     r"where it came from\.$"),
    (lambda: _corrupt_jpeg(), "damaged or truncated JPEG"),
    (lambda: Path(get_testdata_file("rtplan.dcm", download=False)).read_bytes(), "DICOM file without an image"),
    (lambda: Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes()[:20000], "cannot be decoded"),
    (lambda: b"\x00" * 128 + b"DICM" + b"garbage" * 3, "damaged or not a DICOM file"),
])
def test_bad_inputs_get_a_clear_message(make, message):
    with pytest.raises(InputError, match=message):
        decode(make(), "upload.dcm")


def _corrupt_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(buf, format="JPEG")
    data = bytearray(buf.getvalue())
    return bytes(data[: len(data) // 3])
