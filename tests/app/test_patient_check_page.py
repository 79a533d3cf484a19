"""AppTest: saving a DICOM image of another patient into an existing case warns before the click and is refused
until the clinician confirms it is the same patient under another ID."""
from __future__ import annotations

import html

from apptest_helpers import CLIN, REV, open_page
from dicom_samples import chest_of

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import load_model
from medapp.reports.html import case_html


def _save_form(at, data: bytes):
    at.file_uploader(key="imaging_upload").set_value([("cr.dcm", data, "application/dicom")]).run()
    [mode] = [r for r in at.radio if r.key and r.key.startswith("case_mode_")]
    return mode.key.removeprefix("case_mode_")


def test_another_patients_image_is_flagged_and_saved_only_when_confirmed(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("chest-xray-pneumonia")
    first = chest_of("MRN-0001", "1")
    [(_, image)] = model.inputs_from_bytes(first, "first.dcm")
    result = analyse(model, image)
    case_id, other_id = store.create_case("WARD-7", CLIN), store.create_case("WARD-9", CLIN)
    for case, data in ((case_id, first), (other_id, chest_of("MRN-0009", "9"))):
        store.add_analysis(case, CLIN, card=model.card, prediction=result.prediction,
                           explanation=result.explanation, input_bytes=data, input_name="image.dcm")

    at = open_page("pages/imaging.py", CLIN)
    key = _save_form(at, chest_of("MRN-0002", "2"))
    at.radio(key=f"case_mode_{key}").set_value("Existing case").run()
    at.selectbox(key=f"case_pick_{key}").set_value(case_id).run()
    [warning] = [w.value for w in at.warning if "Patient ID" in w.value]
    assert warning == ("This image's DICOM Patient ID is not that of the images already in WARD\u20117: "
                       "it looks like another patient.")
    at.button(key=f"case_save_{key}").click().run()
    [error] = [e.value for e in at.error]
    # short beside the warning and tick above it (9 lines at 1400 px before); the reference unbroken
    assert error == "Not saved to WARD\u20117: its images are of another patient."
    assert len(store.case_detail(case_id, CLIN)["analyses"]) == 1
    at.checkbox(key=f"case_same_{key}_{case_id}").check().run()
    # a tick given for WARD-7's patient does not carry over to another case picked after it
    at.selectbox(key=f"case_pick_{key}").set_value(other_id).run()
    assert at.checkbox(key=f"case_same_{key}_{other_id}").value is False
    at.button(key=f"case_save_{key}").click().run()
    assert at.error[0].value.startswith("Not saved to WARD\u20119:")
    at.selectbox(key=f"case_pick_{key}").set_value(case_id).run()
    at.checkbox(key=f"case_same_{key}_{case_id}").check().run()
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception and "in case WARD-7" in at.success[0].value
    assert len(store.case_detail(case_id, CLIN)["analyses"]) == 2

    # the same patient's next image: no warning, no question
    key = _save_form(at, chest_of("MRN-0001", "3"))
    at.radio(key=f"case_mode_{key}").set_value("Existing case").run()
    at.selectbox(key=f"case_pick_{key}").set_value(case_id).run()
    assert not [w for w in at.warning if "Patient ID" in w.value]
    assert not [c for c in at.checkbox if c.key.startswith("case_same_")]

    # the reviewer sees which image was saved over a differing Patient ID, on the Cases page and in the report
    cases = open_page("pages/cases.py", REV)
    cases.selectbox(key="case_open").set_value(case_id).run()
    note = ("Its DICOM Patient ID differs from that of this case's first image; carla saved it as the same patient "
            "under another ID.")
    assert [w.value for w in cases.warning].count(note) == 1  # the confirmed image, not the case's own ones
    detail = store.case_detail(case_id, REV, log_view=False)
    assert [a["other_patient_id"] for a in detail["analyses"]] == [False, True]
    assert html.escape(note) in case_html(detail, by="rui")



def test_an_image_declaring_burned_in_text_is_saved_only_once_the_clinician_ticks_they_looked(tmp_path, monkeypatch):
    """The page warned "text in the pixels may identify the patient" and saved the image to the case anyway, to be
    shown on the meeting's projector; now the save form asks, and the store refuses it unticked."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    case_id = store.create_case("WARD-PIX", CLIN)
    at = open_page("pages/imaging.py", CLIN)
    key = _save_form(at, chest_of("MRN-0005", "5", burned_in="YES"))
    at.radio(key=f"case_mode_{key}").set_value("Existing case").run()
    at.selectbox(key=f"case_pick_{key}").set_value(case_id).run()
    assert [w.value for w in at.warning if w.value.startswith("Burned-in text")] == [
        "Burned-in text declared: the case, Meeting mode and reports show this image."]
    assert at.checkbox(key=f"case_pixels_{key}").label == ("I looked: no name, date or number in the image "
                                                           "identifies the patient")
    at.button(key=f"case_save_{key}").click().run()
    assert [e.value for e in at.error] == ["Not saved: tick that you looked at the image first."]
    assert store.case_detail(case_id, CLIN)["analyses"] == []
    at.checkbox(key=f"case_pixels_{key}").check().run()
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception and "in case WARD-PIX" in at.success[0].value
    assert len(store.case_detail(case_id, CLIN)["analyses"]) == 1

    # an image declared clean asks nothing
    key = _save_form(at, chest_of("MRN-0005", "6", burned_in="NO"))
    assert not [c for c in at.checkbox if c.key.startswith("case_pixels_")]
    assert not [w for w in at.warning if "urned-in" in w.value]
