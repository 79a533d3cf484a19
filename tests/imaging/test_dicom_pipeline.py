"""DICOM pixel pipeline, step by step, on pydicom's bundled files and the shared demo studies."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from medapp.modalities.imaging import dicom
from medapp.modalities.imaging.io import decode, detect
from medapp.registry import data_root
from medapp.types import InputError


def bundled(name: str) -> bytes:
    path = get_testdata_file(name, download=False)
    assert path is not None, f"pydicom test file {name} missing"
    return Path(path).read_bytes()


def test_ct_small_modality_lut_gives_hounsfield_units():
    data = bundled("CT_small.dcm")
    ds = dicom.read(data)
    stored = dicom.stored_pixels(ds)[0]
    assert (float(ds.RescaleSlope), float(ds.RescaleIntercept)) == (1.0, -1024.0)
    hu = dicom.modality_lut(ds, stored)
    assert hu[0, 0] == stored[0, 0] * 1.0 - 1024.0
    np.testing.assert_array_equal(hu, stored.astype(np.float64) - 1024.0)


def test_linear_window_follows_ps3_3_c_11_2_1_2():
    values = np.array([-1000.0, -160.5, 39.5, 40.0, 239.5, 3000.0])
    out = dicom.window(values, centre=40.0, width=400.0)
    # y = ((x - (c - 0.5)) / (w - 1) + 0.5), clipped to 0..1
    expected = np.clip((values - 39.5) / 399.0 + 0.5, 0, 1)
    np.testing.assert_allclose(out, expected)
    assert out[0] == 0.0 and out[-1] == 1.0
    with pytest.raises(InputError, match="at least 1"):
        dicom.window(values, 0, 0.5)


def test_file_window_is_used_by_default():
    ds = dicom.read(bundled("CT_small.dcm"))
    frames = dicom.stored_pixels(ds)
    shown = dicom.display_frame(ds, frames)
    assert (shown.centre, shown.width) == dicom.default_window(ds, dicom.modality_lut(ds, frames[0]))
    preset = dicom.display_frame(ds, frames, centre=40, width=400)
    np.testing.assert_allclose(preset.image, dicom.window(dicom.modality_lut(ds, frames[0]), 40, 400))


def test_monochrome1_is_inverted_for_display():
    data = (data_root() / "dicom/CR-MONO1-10-chest.dcm").read_bytes()
    assert data[128:132] != b"DICM" and detect(data) == "dicom"  # no preamble: detected by content
    ds = dicom.read(data)
    assert ds.PhotometricInterpretation == "MONOCHROME1"
    frames = dicom.stored_pixels(ds)
    values = dicom.modality_lut(ds, frames[0])
    c, w = dicom.default_window(ds, values)
    shown = dicom.display_frame(ds, frames)
    np.testing.assert_allclose(shown.image, 1.0 - dicom.window(values, c, w))
    lowest = np.unravel_index(np.argmin(values), values.shape)
    assert shown.image[lowest] == pytest.approx(1.0)  # lowest stored value shows white


def test_multi_frame_and_rle_colour():
    data = bundled("SC_rgb_rle_2frame.dcm")
    x0, x1 = decode(data, "a.dcm", frame=0)[0], decode(data, "a.dcm", frame=1)[0]
    assert x0.n_frames == 2 and x0.image.shape == (100, 100, 3)
    assert not np.array_equal(x0.image, x1.image)


@pytest.mark.parametrize("name", ["JPEG2000.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm",
                                  "SC_rgb_jpeg_dcmtk.dcm"])
def test_compressed_transfer_syntaxes_decode(name):
    x = decode(bundled(name), name)[0]
    assert x.image.min() >= 0 and x.image.max() <= 1 and x.image.std() > 0.01


def test_lossless_compressed_equals_uncompressed():
    plain = pydicom.dcmread(io.BytesIO(bundled("MR_small.dcm"))).pixel_array
    rle = dicom.stored_pixels(dicom.read(bundled("MR_small_RLE.dcm")))[0]
    np.testing.assert_array_equal(plain, rle)


def test_metadata_panel_fields():
    meta = decode(bundled("CT_small.dcm"), "ct.dcm")[0].meta
    assert meta["Modality"] == "CT" and meta["Rows x columns"] == "128 x 128"
    assert meta["Pixel spacing (mm)"] == "0.661468 x 0.661468"
    assert "Manufacturer" in meta and re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["Study date"])  # not "20040119"
