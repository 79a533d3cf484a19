"""AppTest: the imaging page takes DICOM and pictures, shows the finding, heatmap and metadata."""
from __future__ import annotations

from pathlib import Path

from pydicom.data import get_testdata_file
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]


def imaging_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/imaging.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    return at.run()


def test_dicom_upload_shows_finding_heatmap_metadata_and_deid_download():
    at = imaging_page()
    at.selectbox(key="imaging_model").set_value("Breast ultrasound malignancy (BreastMNIST)").run()
    data = Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes()
    at.file_uploader(key="imaging_upload").set_value([("scan.dcm", data, "application/dicom")]).run()
    assert not at.exception
    assert at.subheader[0].value in ("malignant", "normal or benign")
    assert any("modality is CT" in w.value for w in at.warning)
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Regions toward (red)" in s for s in charts)
    assert at.selectbox(key="win_img0_breast-ultrasound_0").options[:2] == ["as stored in the file", "lung"]
    assert at.slider(key="op_img0_breast-ultrasound_0").value == 0.6
    assert at.table  # metadata panel


def test_bad_files_get_messages_and_good_ones_still_show():
    at = imaging_page()
    ok = Path(get_testdata_file("MR_small.dcm", download=False)).read_bytes()
    at.file_uploader(key="imaging_upload").set_value([
        ("notes.dcm", b"this is a text file, not a scan\n" * 4, "application/dicom"),
        ("empty.png", b"", "image/png"),
        ("mr.dcm", ok, "application/dicom"),
    ]).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("notes.dcm" in e and "looks like a text file, not an image" in e for e in errors)
    assert any("empty.png" in e and "is empty" in e for e in errors)
    assert len(at.subheader) == 1  # the good file was analysed


def test_zip_series_members_each_get_controls_frames_and_deid_download():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("DICOMDIR", Path(get_testdata_file("DICOMDIR", download=False)).read_bytes())
        z.writestr("a/ct.dcm", Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes())
        z.writestr("b/two-frames.dcm", Path(get_testdata_file("SC_rgb_rle_2frame.dcm", download=False)).read_bytes())
    at = imaging_page()
    at.file_uploader(key="imaging_upload").set_value([("export.zip", buf.getvalue(), "application/zip")]).run()
    assert not at.exception and not at.error
    assert len(at.subheader) == 2
    assert [b.label for b in at.get("download_button")] == ["Download de-identified DICOM"] * 2
    frames = [s for s in at.slider if s.key and s.key.startswith("frame_")]
    assert len(frames) == 1 and frames[0].max == 1
    frames[0].set_value(1).run()
    assert not at.exception and not at.error
