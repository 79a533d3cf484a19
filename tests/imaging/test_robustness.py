"""Damaged and unusual inputs found by fuzzing: each gets an InputError (never another exception),
series ZIPs from a PACS export (DICOMDIR, readme) load and save, and de-identification covers what
the keyword table does not name."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from medapp.modalities.imaging import dicom
from medapp.modalities.imaging.deid import deidentify_bytes
from medapp.modalities.imaging.io import decode
from medapp.types import InputError


def bundled(name: str) -> bytes:
    return Path(get_testdata_file(name, download=False)).read_bytes()


def flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def test_width_one_window_is_a_threshold_not_a_division_by_zero():
    out = dicom.window(np.array([-1.0, 0.0, 0.5, 0.6, 2.0]), centre=1.0, width=1.0)
    np.testing.assert_array_equal(out, [0, 0, 0, 1, 1])  # PS3.3: x <= c - 0.5 -> min, else max


def test_binary_segmentation_displays_and_predicts_without_nan():
    from medapp.registry import load_model

    x = decode(bundled("liver_1frame.dcm"), "seg.dcm")[0]  # 1-bit pixels: default window width 1
    assert np.isfinite(x.image).all() and set(np.unique(x.image)) <= {0.0, 1.0}
    pred = load_model("breast-ultrasound").predict(x)
    assert np.isfinite(pred.probabilities).all() and np.isfinite(pred.fit.score)


@pytest.mark.parametrize("make, message", [
    (lambda: bundled("badVR.dcm"), "damaged"),  # Rows '1A'
    (lambda: bundled("SC_rgb_rle_2frame.dcm")[:1325], "damaged or not a DICOM"),  # cut inside an element header
])
def test_damaged_dicom_values_are_input_errors(make, message):
    with pytest.raises(InputError, match=message):
        decode(make(), "scan.dcm")


def test_unparseable_pixel_spacing_is_shown_as_written():
    x = decode(flipped(bundled("JPEG2000.dcm"), 2858), "scan.dcm")[0]  # Pixel Spacing '2.2\xc90000'
    assert np.isfinite(x.image).all() and "2.2" in x.meta["Pixel spacing (mm)"]


def test_zip_inside_zip_is_not_opened():
    inner = zipped({"a.dcm": bundled("MR_small.dcm")})
    nested = inner
    for _ in range(1100):  # deeper than Python's recursion limit
        nested = zipped({"a.zip": nested})
    with pytest.raises(InputError, match="archives inside it are not opened"):
        decode(nested, "deep.zip")
    with pytest.raises(InputError, match="holds no image"):
        decode(zipped({"inner.zip": inner}), "outer.zip")


def test_pacs_export_with_dicomdir_and_readme_loads_and_saves_only_the_images():
    dicomdir = Path(get_testdata_file("DICOMDIR", download=False)).read_bytes()
    export = zipped({"DICOMDIR": dicomdir, "README.TXT": b"exported by PACS", "IMG/0001": bundled("CT_small.dcm")})
    images = decode(export, "export.zip")
    assert [x.name for x in images] == ["export.zip/IMG/0001"]
    assert images[0].raw == bundled("CT_small.dcm")  # the member's own bytes, for its panel and case
    clean = zipfile.ZipFile(io.BytesIO(deidentify_bytes(export)))
    assert clean.namelist() == ["0000.bin"]
    assert pydicom.dcmread(io.BytesIO(clean.read("0000.bin"))).PatientIdentityRemoved == "YES"


def test_deid_failure_on_a_damaged_element_is_an_input_error():
    data = flipped(bundled("JPEG2000.dcm"), 561)  # Acquisition Date's VR destroyed; the image still decodes
    assert decode(data, "scan.dcm")[0].image.size
    with pytest.raises(InputError, match="could not be de-identified"):
        deidentify_bytes(data)


def test_deid_refuses_unknown_content_and_keeps_float_tiffs():
    with pytest.raises(InputError, match="nothing to de-identify"):
        deidentify_bytes(b"plain text, not an image")
    buf = io.BytesIO()
    Image.fromarray(np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16)).save(buf, format="TIFF")
    np.testing.assert_allclose(decode(deidentify_bytes(buf.getvalue()), "c")[0].image, decode(buf.getvalue(), "o")[0].image)


def test_deid_generic_rules_cover_unlisted_names_dates_uids_comments_and_overlays():
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    ds.NamesOfIntendedRecipientsOfResults = "Who^Doctor"  # a PN the keyword table does not list
    ds.StudyComments = "Jane Doe, bed 4"
    ds.TimezoneOffsetFromUTC = "+0100"
    ds.DateOfLastCalibration = "20240101"
    ds.DimensionOrganizationSequence = [pydicom.Dataset()]
    ds.DimensionOrganizationSequence[0].DimensionOrganizationUID = "1.2.3.4.5.6"
    ds.add_new(0x60004000, "LT", "overlay note: Jane Doe")
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    clean = pydicom.dcmread(io.BytesIO(deidentify_bytes(buf.getvalue())))
    assert str(clean.get("NamesOfIntendedRecipientsOfResults", "")) == ""
    assert "StudyComments" not in clean and "TimezoneOffsetFromUTC" not in clean
    assert str(clean.get("DateOfLastCalibration", "")) == ""
    assert clean.DimensionOrganizationSequence[0].DimensionOrganizationUID != "1.2.3.4.5.6"
    assert 0x60004000 not in clean
    assert clean.SOPClassUID == ds.SOPClassUID  # standard class UIDs are kept


def test_an_undecodable_codestream_names_its_compression_in_plain_words(caplog):
    """The message read "(RuntimeError: Unable to decode ... returned fr)": a class name and a cut word; then
    "pylibjpeg: libjpeg error code '-1038' returned ...", which told a clinician nothing (a review). The decoder's
    words go to the log."""
    from pydicom.uid import generate_uid

    from medapp.pacs.samples import Patient, undecodable

    data = undecodable(Patient("P-1", "Test^Alice", "20240105", "A-1", generate_uid()), series_uid=generate_uid(),
                       series_number=1, instance_number=1)
    with pytest.raises(InputError) as caught:
        decode(data, "damaged.dcm")
    assert caught.value.message == ("damaged.dcm: the image data cannot be decoded (JPEG Baseline (Process 1)). The "
                                    "file may be truncated or compressed in a way this server cannot read.")
    logged = [r.getMessage() for r in caplog.records if r.name == "medapp.modalities.imaging.dicom"]
    assert any("an uploaded DICOM file's pixel data was not decoded" in m for m in logged), logged
    assert not any("damaged.dcm" in m for m in logged)  # a file's name often names the patient (a data-protection review)
