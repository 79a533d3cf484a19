"""The Secondary Capture and SR built for one analysed image, without an archive: which frame of a multi-frame
image, the patient's identity as the source gives it, and a source header without a Patient ID (a radiologist and
PACS administrator's review, 2026-12-07)."""
from __future__ import annotations

import io

import pydicom
from dicom_samples import three_frames

from medapp.analysis import analyse
from medapp.modalities.imaging.io import decode
from medapp.pacs.results import build_result_objects
from medapp.registry import data_root, load_model
from medapp.render.stored import analysed_frame, frame_text


def test_the_frame_analysed_is_named_in_the_explanation_and_both_objects_sent_back():
    model = load_model("chest-xray-pneumonia")
    data = three_frames(PatientID="MRN-7734421", IssuerOfPatientID="STGEORGE")
    x = decode(data, "film.dcm", frame=1)[0]
    assert (x.frame, x.n_frames) == (1, 3)
    analysis = analyse(model, x)
    # what Cases, Meeting mode and the reports draw and name: frame 2 of 3, not frame 1 under frame 2's finding
    assert analysed_frame(analysis.explanation) == 1 and frame_text(analysis.explanation) == "frame 2 of 3"
    sc, sr = build_result_objects(data, x, analysis, model.card)
    assert int(sc.SourceImageSequence[0].ReferencedFrameNumber) == 2
    assert "in frame 2 of 3" in sc.ImageComments and ".." not in sc.ImageComments
    [source_item] = [item for item in sr.ContentSequence  # "Source image" (DCM 121324)
                     if item.ValueType == "IMAGE" and item.ConceptNameCodeSequence[0].CodeValue == "121324"]
    assert int(source_item.ReferencedSOPSequence[0].ReferencedFrameNumber) == 2
    # the patient's issuer on both objects, as the PACS keys patients on ID and issuer
    assert sc.IssuerOfPatientID == sr.IssuerOfPatientID == "STGEORGE" and sc.PatientID == "MRN-7734421"


def test_a_single_frame_names_no_frame_and_a_header_without_patient_id_still_gives_both_objects():
    model = load_model("chest-xray-pneumonia")
    ds = pydicom.dcmread(data_root() / "dicom" / "CR-MONO1-10-chest.dcm", force=True)
    if "PatientID" in ds:
        del ds.PatientID
    buf = io.BytesIO()
    ds.save_as(buf)
    data = buf.getvalue()
    x = decode(data, "film.dcm")[0]
    analysis = analyse(model, x)
    assert frame_text(analysis.explanation) is None
    sc, sr = build_result_objects(data, x, analysis, model.card)  # an AttributeError stopped the page here
    assert "ReferencedFrameNumber" not in sc.SourceImageSequence[0] and sc.PatientID == sr.PatientID == ""


def test_a_saved_frame_is_named_in_the_reports(tmp_path):
    import re

    from pypdf import PdfReader

    from medapp.cases.blobs import BlobStore
    from medapp.cases.store import CaseStore
    from medapp.reports import case_html, case_pdf

    model = load_model("chest-xray-pneumonia")
    data = three_frames(PatientID="MRN-1")
    x = decode(data, "film.dcm", frame=1)[0]
    result = analyse(model, x)
    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    clin = {"username": "carla", "role": "clinician"}
    case_id = store.create_case("FRAMES-1", clin)
    store.add_analysis(case_id, clin, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=data, input_name="film.dcm")
    detail = store.case_detail(case_id, {"username": "rui", "role": "reviewer"})
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(case_pdf(detail, by="rui"))).pages))
    assert ", frame 2 of 3 (sha256" in text
    assert ", frame 2 of 3 (sha256" in case_html(detail, by="rui")


def test_options_that_read_alike_are_told_apart_by_their_uid():
    from medapp.ui.pacs import distinct

    labels = {"1.2.3.100001": "2025-01-10 · MRN-1 · CXR · CR", "1.2.3.100002": "2025-01-10 · MRN-1 · CXR · CR",
              "1.2.3.200003": "2025-01-11 · MRN-1 · CXR · CR"}
    shown = distinct(labels)
    assert shown == {"1.2.3.100001": "2025-01-10 · MRN-1 · CXR · CR · …3.100001",
                     "1.2.3.100002": "2025-01-10 · MRN-1 · CXR · CR · …3.100002",
                     "1.2.3.200003": "2025-01-11 · MRN-1 · CXR · CR"}
    assert len(set(shown.values())) == 3
    # UIDs written root.device.date.n share their last eight characters: more digits until the labels differ
    alike = {"1.2.826.0.1.3680043.8.498.1111.20250110.1": "2025-01-10 · MRN-5555 · CXR · CR",
             "1.2.826.0.1.3680043.8.498.2222.20250110.1": "2025-01-10 · MRN-5555 · CXR · CR"}
    assert len(set(distinct(alike).values())) == 2


def test_the_uids_medapp_makes_are_under_the_installations_root(monkeypatch):
    import pytest

    from medapp.modalities.imaging.deid import deidentify_dicom
    from medapp.types import InputError

    model = load_model("chest-xray-pneumonia")
    data = three_frames(PatientID="MRN-1")
    x = decode(data, "film.dcm")[0]
    analysis = analyse(model, x)
    pydicom_root = "1.2.826.0.1.3680043.8.498."
    sc, sr = build_result_objects(data, x, analysis, model.card)
    assert str(sc.SOPInstanceUID).startswith(pydicom_root)  # no root set: pydicom's, as before
    monkeypatch.setenv("MEDAPP_UID_ROOT", "1.2.826.0.1.7654321.5.")
    sc, sr = build_result_objects(data, x, analysis, model.card)
    made = [sc.SOPInstanceUID, sc.SeriesInstanceUID, sr.SOPInstanceUID, sr.SeriesInstanceUID]
    assert all(str(uid).startswith("1.2.826.0.1.7654321.5.") for uid in made), made
    clean = pydicom.dcmread(io.BytesIO(deidentify_dicom(data)))
    assert str(clean.SOPInstanceUID).startswith("1.2.826.0.1.7654321.5.")
    assert str(clean.StudyInstanceUID).startswith("1.2.826.0.1.7654321.5.")
    monkeypatch.setenv("MEDAPP_UID_ROOT", "1.2.03.")  # a leading zero: not a UID root
    with pytest.raises(InputError, match="MEDAPP_UID_ROOT '1.2.03.' is not a DICOM UID root"):
        deidentify_dicom(data)


def test_a_result_with_warnings_says_so_on_the_picture_and_in_full_in_its_comments_and_both_objects_name_the_build(
        monkeypatch):
    """A labelling audit: the shared adult CR film's Secondary Capture read "Finding: normal 66.8%" in its pixels with
    no caution, its ImageComments gave the untested ages but not that the image is unlike the training images (only
    the SR did), and neither object named the code that made it."""
    from dataclasses import replace

    import numpy as np
    from PIL import ImageDraw

    from medapp.build import build_id
    from medapp.pacs.results import CAUTION_COLOUR

    drawn = []
    real = ImageDraw.ImageDraw.text
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", lambda self, xy, text, *a, **kw: (drawn.append(text),
                                                                                       real(self, xy, text, *a, **kw)))
    model = load_model("chest-xray-pneumonia")
    data = (data_root() / "dicom" / "CR-MONO1-10-chest.dcm").read_bytes()
    x = decode(data, "film.dcm")[0]
    analysis = analyse(model, x)
    unlike = ("The image is unlike the training images (out-of-distribution score 14.9, 99% of training images score "
              "below 14.1). Treat the result with caution.")
    untested = ("Trained on children's radiographs of patients aged 1 to 5 years only. This image gives no age: for a "
                "patient of another age the output is untested.")
    sc, sr = build_result_objects(data, x, analysis, model.card)
    assert [t for t in drawn if t.startswith("CAUTION")] == [
        "CAUTION: The image is unlike the training images",
        "CAUTION: Trained on children's radiographs of patients aged 1 to 5 years only"]
    assert sc.ImageComments == f"Finding: normal (66.8%). Caution: {unlike} Caution: {untested} NOT FOR DIAGNOSTIC USE."
    comments = [item.TextValue for item in sr.ContentSequence if item.ValueType == "TEXT"
                and item.ConceptNameCodeSequence[0].CodeValue == "121106"]
    assert comments[:2] == [f"Warning: {unlike}", f"Warning: {untested}"]  # as the CLI and the API say them
    assert sc.SoftwareVersions == sr.SoftwareVersions == f"medapp {build_id()}"
    orange = (sc.pixel_array == CAUTION_COLOUR).all(axis=-1)
    assert orange.sum() > 200 and not orange[sc.pixel_array.shape[0] // 2:].any()  # burned in above the image

    # a result without warnings: no caution drawn, none in the comments, no room made for one
    drawn.clear()
    quiet = replace(analysis, prediction=replace(analysis.prediction, warnings=(), details={}))
    plain, _ = build_result_objects(data, x, quiet, model.card)
    assert not [t for t in drawn if t.startswith("CAUTION")]
    assert plain.ImageComments == "Finding: normal (66.8%). NOT FOR DIAGNOSTIC USE."
    assert not (plain.pixel_array == CAUTION_COLOUR).all(axis=-1).any()
    assert plain.pixel_array.shape[0] < sc.pixel_array.shape[0]
    assert np.array_equal(plain.pixel_array[-100:], sc.pixel_array[-100:])  # the same image below the header


def test_the_burned_in_caution_is_two_lines_at_most_and_counts_what_it_leaves_to_the_report():
    from medapp.pacs.results import caution_lines

    warnings = ["The DICOM modality is CT, but this model was trained on CR/DX images only.",
                "The image is unlike the training images (out-of-distribution score 20.1). Treat it with caution.",
                "The file declares burned-in annotation: text in the pixels may identify the patient."]
    assert caution_lines(warnings[1:2]) == ["CAUTION: The image is unlike the training images"]
    assert caution_lines(warnings) == ["CAUTION: The DICOM modality is CT, but this model was trained on CR/DX images "
                                       "only", "CAUTION: 2 more warnings: read them in the AI report"]
    assert caution_lines([]) == []


def test_a_pacs_batch_row_gives_the_warnings_predict_gives():
    """`pacs analyse` and the batch table read the model's own warnings only: the shared adult CR film (no age) had
    no word of the ages the chest model was trained on, which `predict` and the API now give (a labelling audit)."""
    from medapp.pacs.client import InstanceRef
    from medapp.pacs.pipeline import InstanceResult

    model = load_model("chest-xray-pneumonia")
    x = decode((data_root() / "dicom" / "CR-MONO1-10-chest.dcm").read_bytes(), "film.dcm")[0]
    row = InstanceResult(InstanceRef("1.2", "1.2.3", "1.2.3.4"), analysis=analyse(model, x, explain=False)).row()
    assert row["warnings"] == [
        "The image is unlike the training images (out-of-distribution score 14.9, 99% of training images score below "
        "14.1). Treat the result with caution.",
        "Trained on children's radiographs of patients aged 1 to 5 years only. This image gives no age: for a patient "
        "of another age the output is untested."]
