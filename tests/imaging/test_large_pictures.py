"""A small file that decodes to a huge picture must not take the server's memory (a security review, 2026-12-05):
a 38 KB 6300 x 6300 PNG took the API to 3.4 GB, a ZIP of eight to 10 GB, and the shared cache kept 8 GB."""
from __future__ import annotations

import io
import tracemalloc
import zipfile

import numpy as np
import pytest
from PIL import Image

from medapp.modalities.imaging.io import MAX_SHOWN_SIDE, decode
from medapp.security.uploads import DecodeCache
from medapp.types import InputError


def _black_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (side, side)).save(out, format="PNG")
    return out.getvalue()


def test_a_huge_picture_is_shown_reduced_in_bounded_memory():
    data = _black_png(6300)
    tracemalloc.start()
    try:
        [x] = decode(data, "big.png")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert x.image.shape == (MAX_SHOWN_SIDE, MAX_SHOWN_SIDE) and x.image.dtype == np.float32
    assert x.meta["Size"] == "6300 x 6300" and x.meta["Shown at"] == "4096 x 4096"
    assert peak < 400 * 2**20  # numpy arrays traced: 3.4 GB before


def test_a_zip_of_huge_pictures_is_refused_by_its_decoded_size():
    member = _black_png(6300)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(8):
            z.writestr(f"p{i}.png", member)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"^eight\.zip holds images that add up to more than 100 megapixels"):
            decode(archive.getvalue(), "eight.zip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 500 * 2**20  # refused from the headers before the seventh is decoded (1.3 GB counted after)


def test_the_decode_cache_keeps_a_byte_budget_but_always_the_newest():
    cache = DecodeCache(maxsize=16, max_bytes=10 * 2**20)
    for i in range(4):
        cache.get(bytes([i]), "v", lambda: [np.zeros(2**20, np.float32)])  # 4 MB each
    assert len(cache) == 2  # 8 MB within the 10 MB budget
    cache.get(b"big", "v", lambda: [np.zeros(4 * 2**20, np.float32)])  # 16 MB alone: kept, the others go
    assert len(cache) == 1
