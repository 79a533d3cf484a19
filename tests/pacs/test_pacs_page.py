"""AppTest: the Imaging page's From PACS tab and the Admin page's PACS tab, against the test Orthanc."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medapp.pacs.client import PacsClient
from medapp.pacs.config import from_secrets
from medapp.registry import get_card

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.system, pytest.mark.app]


@pytest.fixture
def secrets(orthanc, tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    path.write_text(f'[pacs.hospital]\nurl = "{orthanc.dicomweb_url}"\nauth = "basic"\n'
                    f'username = "{orthanc.user}"\npassword = "{orthanc.password}"\ntimeout = 20\n')
    monkeypatch.setenv("MEDAPP_SECRETS_FILE", str(path))
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path / "var"))
    return path


def _page(name: str, role: str) -> AppTest:
    at = AppTest.from_file(str(REPO / f"pages/{name}.py"), default_timeout=180)
    at.session_state["medapp_user"] = {"username": "dr-pacs", "role": role}
    at.run()
    if name == "imaging":
        at.selectbox(key="imaging_model").set_value(get_card("chest-xray-pneumonia").name).run()
    return at


def _send_anyway(at: AppTest):
    """The Send result button, enabled: the archive is shared by the file's tests, so a result of this image may be
    there already, and then the page asks for a tick first (pacs.results.earlier_results)."""
    again = [c for c in at.checkbox if c.key and c.key.startswith("again_")]
    if again:
        assert any("already holds" in i.value for i in at.info)
        again[0].check()
        at.run()
    send = next(b for b in at.button if b.label == "Send result to PACS")
    assert not send.disabled
    return send


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def _frame(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _all_text(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "error", "warning", "success")
                    for e in at.get(kind))


def _analyse_the_cr_series(orthanc, whole: bool = False) -> AppTest:
    """Search Test^Al, pick the CR series and press Retrieve and analyse (its first image, or the whole series)."""
    at = _page("imaging", "clinician")
    at.text_input(key="pacs_patient_name").set_value("test^al")
    at = _click(at, "Search")
    at.selectbox(key="pacs_series").set_value(orthanc.archive.cr_series_uid)
    if whole:
        at.radio(key="pacs_how").set_value("the whole series")
    at = at.run()
    at.button(key="pacs_go").click()
    return at.run()


def test_find_a_series_analyse_it_and_send_a_result(secrets, orthanc):
    at = _page("imaging", "clinician")
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Upload", "From PACS"]
    assert at.selectbox(key="pacs_endpoint").value == "hospital"
    assert orthanc.password not in _all_text(at)
    at.text_input(key="pacs_patient_name").set_value("test^al")
    at = _click(at, "Search")
    assert not at.exception
    assert at.selectbox(key="pacs_study").value == orthanc.archive.chest.study_uid
    # who looked up which patient: a search lists names, IDs and accession numbers (unaudited before a review)
    from medapp.cases.store import CaseStore

    searched = CaseStore().audit_events(action="pacs.search")[0]
    assert searched["username"] == "dr-pacs" and searched["target"] == "pacs:hospital"
    assert searched["detail"]["patient_name"] == "test^al" and searched["detail"]["studies"] == 1
    studies = _frame(at, "patient name")  # in words: not patient_id, "Test^Alice" and "20240105"
    assert {"date", "patient ID", "patient name"} <= set(studies.columns) and "patient_id" not in studies.columns
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in studies["date"])
    assert not studies["patient name"].str.contains("^", regex=False).any()
    series = at.selectbox(key="pacs_series")
    assert any("Chest PA" in o for o in series.options)  # options as shown
    series.set_value(orthanc.archive.cr_series_uid)
    at.radio(key="pacs_how").set_value("the whole series")
    at = at.run()
    at.button(key="pacs_go").click()
    at = at.run()
    assert not at.exception
    assert any("without an image" in i.value for i in at.info)  # the text report in the series
    assert any("cannot be decoded" in e.value for e in at.error)  # the damaged instance
    table = _frame(at, "finding")
    assert len(table) == 6 and (table["finding"] != "").sum() == 4
    # the problem in a few words, beside the finding (cut off at the right at 1280 px; the decoder's words in it)
    assert list(table.columns).index("problem") == list(table.columns).index("finding") + 1
    assert sorted(p for p in table["problem"] if p) == ["not analysed", "skipped: no image"]
    results = next(d for d in at.dataframe if "finding" in d.value.columns)
    assert json.loads(results.proto.columns)["problem"]["width"] == "medium"
    assert at.subheader[0].value in ("normal", "pneumonia")  # the first image, shown as an upload would be
    assert any("Toward (red)" in c.proto.spec for c in at.get("plotly_chart"))
    send = _send_anyway(at)
    send.click()
    at = at.run()
    assert not at.exception
    assert any("Secondary Capture and Structured Report" in s.value for s in at.success)
    client = PacsClient(from_secrets(secrets)[0])
    descriptions = [s["description"] for s in client.series(orthanc.archive.chest.study_uid)]
    assert any("not for diagnostic use" in d and "SHAP" in d for d in descriptions)
    # nothing is fetched again within the session: a second retrieval of the series comes from the cache
    assert "6 already here" in at.button(key="pacs_go").label
    assert "P(pneumonia)" in table.columns and "probability" not in table.columns
    # no image, no probability: an empty cell (the grid wrote "None"); the others in the page's words
    assert (table.loc[table["finding"] == "", ["P(pneumonia)", "OOD score"]] == "").all().all()
    assert table.loc[table["finding"] != "", "P(pneumonia)"].str.fullmatch(r"[<>]?\d+(\.\d)?%").all()
    # a new search never leaves the last patient's results (and their Send and Save) under it
    at.text_input(key="pacs_patient_name").set_value("")
    at.text_input(key="pacs_patient_id").set_value("BATCH-001")
    at = _click(at, "Search")
    assert not at.exception
    assert not [b for b in at.button if b.label == "Send result to PACS"] and not at.subheader
    assert not [d for d in at.dataframe if "finding" in d.value.columns]


def test_batch_analysis_of_a_date(secrets, orthanc):
    at = _page("imaging", "clinician")
    at.radio(key="pacs_mode").set_value("Batch analysis")
    at = at.run()
    from datetime import date

    at.date_input(key="pacs_batch_dates").set_value((date(2024, 3, 1), date(2024, 3, 1)))
    at = _click(at, "Find images")
    assert any(f"{orthanc.batch_size} images in 3 studies" in c.value for c in at.caption)
    at = _click(at, f"Analyse {orthanc.batch_size} images")
    assert not at.exception
    table = _frame(at, "finding")
    assert len(table) == orthanc.batch_size and table["finding"].isin(["normal", "pneumonia"]).all()
    # a worklist ordered by the risk of pneumonia, not by the probability of whichever label was called
    assert list(table["P(pneumonia)"]) == sorted(table["P(pneumonia)"], reverse=True)


def test_admin_tests_connection_and_never_shows_secrets(secrets, orthanc):
    at = _page("admin", "admin")
    assert not at.exception
    shown = _frame(at, "secret set")
    assert list(shown["name"]) == ["hospital"] and "password" not in shown.columns
    assert {"DICOMweb URL", "connect timeout (s)"} <= set(shown.columns) and "connect_timeout" not in shown.columns
    assert orthanc.password not in shown.to_csv()
    at = _click(at, "Test connection")
    assert any("DICOMweb answered" in s.value for s in at.success)
    at.text_input(key="pacs_ep_name").set_value("wrong")
    at.text_input(key="pacs_ep_url").set_value(orthanc.dicomweb_url)
    at.radio(key="pacs_ep_auth").set_value("basic")
    at.text_input(key="pacs_ep_user").set_value(orthanc.user)
    at.text_input(key="pacs_ep_pw").set_value("bad-password-123")
    at = _click(at, "Save endpoint")
    assert any("Saved wrong" in s.value for s in at.success)
    at.selectbox(key="pacs_test_name").set_value("wrong")
    at = _click(at, "Test connection")
    assert any("HTTP 401" in e.value for e in at.error)
    assert "bad-password-123" not in _all_text(at) + _frame(at, "secret set").to_csv()


def test_the_first_endpoint_saved_can_be_tested_at_once(tmp_path, monkeypatch):
    """The test box was first drawn with no endpoint; after a save it still held "no choice", and Test connection
    crashed the page ("No PACS endpoint named 'None'")."""
    monkeypatch.setenv("MEDAPP_SECRETS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path / "var"))
    at = _page("admin", "admin")
    assert not at.exception and at.button(key="pacs_test").disabled
    at.text_input(key="pacs_ep_name").set_value("first")
    at.text_input(key="pacs_ep_url").set_value("http://127.0.0.1:9/dicom-web")  # nothing listens on port 9
    at = _click(at, "Save endpoint")
    assert any("Saved first" in s.value for s in at.success)
    assert at.selectbox(key="pacs_test_name").value == "first"
    at = _click(at, "Test connection")
    assert not at.exception and at.error  # the refused connection, said, not a crash


def _automatic_search(at: AppTest, patient_name: str) -> AppTest:
    at.text_input(key="pacs_patient_id").set_value("")
    at.text_input(key="pacs_patient_name").set_value(patient_name)
    return _click(at, "Search")


def test_automatic_sends_each_series_to_the_model_trained_on_its_modality(secrets, orthanc):
    """One model served a whole search: first the breast ultrasound model for chest studies (first by name), then
    the chest model for a breast ultrasound series (a model chosen once for the tab, whatever the series)."""
    at = AppTest.from_file(str(REPO / "pages/imaging.py"), default_timeout=180)
    at.session_state["medapp_user"] = {"username": "dr-pacs", "role": "clinician"}
    at.run()
    assert at.selectbox(key="imaging_model").value.startswith("Automatic")
    at = _automatic_search(at, "test^beth")
    assert not at.exception and at.selectbox(key="pacs_study").value == orthanc.archive.breast.study_uid
    assert any("Model for this series: **Breast ultrasound" in c.value and "trained on US images" in c.value
               for c in at.caption)
    at.radio(key="pacs_how").set_value("the whole series").run()
    at.button(key="pacs_go").click().run()
    assert not at.exception
    table = _frame(at, "finding")
    assert len(table) == orthanc.archive.us_images and "P(malignant)" in table.columns
    assert set(table["finding"]) <= {"normal", "benign", "malignant"} and table["P(malignant)"].notna().all()
    # the table (and its download) say which model made each finding (a review: the CSV did not)
    assert set(table["model"]) == {f"breast-ultrasound v{get_card('breast-ultrasound').version}"}
    at = _automatic_search(at, "test^al")  # the chest study: its CR series goes to the radiograph model
    at.selectbox(key="pacs_series").set_value(orthanc.archive.cr_series_uid).run()
    assert any("Model for this series: **" + get_card("chest-xray-pneumonia").name in c.value and
               "trained on CR images" in c.value for c in at.caption)
    assert not [d for d in at.dataframe if "finding" in d.value.columns]  # the breast results are not shown here
    at = _automatic_search(at, "CompressedSamples^CT")  # a CT study: no model here was trained on CT
    assert any("No model here was trained on CT images" in w.value for w in at.warning)
    [ask] = [b for b in at.selectbox if b.key.startswith("pacs_series_model_")]
    assert ask.value is None and not [b for b in at.button if b.key == "pacs_go"]  # nothing runs until asked


def test_dicom_dates_and_names_read_as_words():
    from medapp.ui.pacs import dicom_date, images_text, person_name

    assert dicom_date("20240105") == "2024-01-05" and dicom_date("") == "" and dicom_date("2024") == "2024"
    assert dicom_date("1993.04.30") == "1993-04-30"  # ACR-NEMA dates in old files (shown raw beside ISO ones)
    assert images_text(1) == "1 instance" and images_text(6) == "6 instances"
    assert person_name("Test^Alice") == "Test, Alice" and person_name("SMITH^John^Paul^Dr") == "SMITH, John Paul Dr"
    assert person_name("Anonymous") == "Anonymous" and person_name("") == "" and person_name("^Ann") == "Ann"


def test_values_the_archive_did_not_give_are_empty_cells_not_none():
    from medapp.ui.pacs import studies_table

    table = studies_table([
        {"date": None, "patient_id": "P1", "patient_name": None, "description": None, "accession": None,
         "modalities": "CR", "instances": None},
        {"date": "20240105", "patient_id": "P2", "patient_name": "Test^Alice", "description": "Chest PA",
         "accession": "A1", "modalities": "CR", "instances": 3}])
    assert table.to_dict("records") == [
        {"date": "", "patient ID": "P1", "patient name": "", "description": "", "accession": "", "modalities": "CR",
         "images": ""},
        {"date": "2024-01-05", "patient ID": "P2", "patient name": "Test, Alice", "description": "Chest PA",
         "accession": "A1", "modalities": "CR", "images": 3}]  # a count stays 3, not 3.0


def _batch_of_two_modalities():
    import streamlit as st

    from medapp.registry import load_model
    from medapp.ui.pacs import model_for

    chosen = model_for({"CR", "US"}, [load_model("chest-xray-pneumonia"), load_model("breast-ultrasound")],
                       what="this batch", key="pacs_batch_model")
    st.write(f"chosen: {chosen.card.id if chosen else None}")


def test_a_batch_of_two_modalities_asks_and_says_why():
    """A batch of CR and US images said "More than one model was trained on CR/US images", though each model was
    trained on one of them (seen in a browser review)."""
    at = AppTest.from_function(_batch_of_two_modalities, default_timeout=120).run()
    assert not at.exception
    [info] = at.info
    assert info.value.startswith("These images are CR/US, and no one model here was trained on all of them")
    assert at.selectbox(key="pacs_batch_model").value is None and len(at.selectbox(key="pacs_batch_model").options) == 2
    assert any(m.value == "chosen: None" for m in at.markdown)  # nothing runs until a model is chosen


def _path_of_save_form(at: AppTest) -> tuple[int, ...]:
    """Where the first Save-to-case form sits in the page (indices from the root): the browser keeps an element
    (an open expander) only while it stays at the same place."""
    def walk(node, path):
        for i, child in getattr(node, "children", {}).items():
            if getattr(child, "type", None) == "expander" and child.label == "Save to case":
                return path + (i,)
            found = walk(child, path + (i,))
            if found is not None:
                return found
        return None
    return walk(at._tree, ())


def test_the_results_keep_their_place_on_the_run_after_the_analysis(secrets, orthanc):
    # the Cancel button and progress bar, drawn only while the job ran, moved the results up on the next run: an
    # open Save to case closed at the first click after "Retrieve and analyse"
    at = _analyse_the_cr_series(orthanc)
    analysing = _path_of_save_form(at)
    assert analysing is not None
    [mode] = [r for r in at.radio if r.key and r.key.startswith("case_mode_")]
    mode.set_value("New case")
    at = at.run()  # the first click after the analysis
    assert not at.exception and _path_of_save_form(at) == analysing
    # saved like an uploaded DICOM: "imaging-<hash>.dcm", not without a suffix (a PACS instance is named "Chest PA #1")
    key = mode.key.removeprefix("case_mode_")
    at.text_input(key=f"case_ref_{key}").set_value("PACS-SAVE-1")
    at.button(key=f"case_save_{key}").click()
    at = at.run()
    assert "in case PACS-SAVE-1" in at.success[0].value
    from medapp.cases.store import CaseStore

    store = CaseStore()
    [case] = store.list_cases()
    [analysis] = store.case_detail(case["id"], {"username": "dr-pacs", "role": "clinician"})["analyses"]
    assert analysis["input_name"].startswith("imaging-") and analysis["input_name"].endswith(".dcm")


def test_deleting_an_endpoint_asks_first_and_says_it_is_done(tmp_path, monkeypatch):
    """One click deleted an endpoint and its stored password without a word."""
    monkeypatch.setenv("MEDAPP_SECRETS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path / "var"))
    at = _page("admin", "admin")
    at.text_input(key="pacs_ep_name").set_value("old-pacs")
    at.text_input(key="pacs_ep_url").set_value("http://127.0.0.1:9/dicom-web")
    at = _click(at, "Save endpoint")
    assert at.button(key="pacs_delete").disabled  # not until the tick
    at.checkbox(key="pacs_delete_sure_old-pacs").check().run()
    assert at.checkbox(key="pacs_delete_sure_old-pacs").label == "Yes, delete old-pacs and its stored credentials"
    at = _click(at, "Delete")
    assert not at.exception and any(s.value == "Deleted old-pacs." for s in at.success)
    assert "old-pacs" not in (at.selectbox(key="pacs_test_name").options or [])


def test_a_send_while_the_pacs_is_down_is_tried_and_said_and_the_result_stays(secrets, orthanc, monkeypatch):
    """A review: with the PACS stopped after the analysis, Send result to PACS greyed the page for 30 s and then the
    result gave way to "Listing series: nothing is listening": every rerun listed the study's series again, so the
    click never reached its button, nothing was sent, said or audited."""
    from medapp.pacs import client as pacs_client
    from medapp.ui import pacs as pacs_ui

    listed = []
    real_series = pacs_client.PacsClient.series
    monkeypatch.setattr(pacs_client.PacsClient, "series",
                        lambda self, uid: (listed.append(uid), real_series(self, uid))[1])
    at = _analyse_the_cr_series(orthanc)
    assert not at.exception and at.subheader
    # listed once for the search and once to look for results sent before (pacs.results.earlier_results), not
    # again at each rerun
    assert len(listed) == 2
    at = at.run()
    assert len(listed) == 2

    def down(*args, **kwargs):
        raise pacs_client.PacsError("hospital did not answer: connection refused. Check that the PACS is running.")

    monkeypatch.setattr(pacs_client.PacsClient, "series", down)
    monkeypatch.setattr(pacs_client.PacsClient, "instances", down)
    monkeypatch.setattr(pacs_ui, "send_result", down)
    _send_anyway(at).click()
    at = at.run()
    assert not at.exception
    assert any("connection refused" in e.value for e in at.error)  # the send was tried and its failure said
    assert at.subheader and any("Toward (red)" in c.proto.spec for c in at.get("plotly_chart"))  # result stays


def test_a_series_stops_once_when_the_pacs_stops_answering(secrets, orthanc, monkeypatch):
    """A review: with the PACS stopped mid-series, every image left failed in turn (30 s each, with retries), with
    no word that the PACS was gone. Now the first image the PACS does not answer for stops the job, said once."""
    from medapp.pacs import client as pacs_client

    real_retrieve = pacs_client.PacsClient.retrieve
    calls = []

    def flaky(self, ref, cache=None):
        calls.append(ref.sop_uid)
        if len(calls) >= 2:
            raise pacs_client.PacsError("Retrieving an image: nothing is listening at 127.0.0.1:1 (connection "
                                        "refused). Is the PACS running?", unreachable=True)
        return real_retrieve(self, ref, cache)

    monkeypatch.setattr(pacs_client.PacsClient, "retrieve", flaky)
    at = _analyse_the_cr_series(orthanc, whole=True)
    assert not at.exception and len(calls) == 2  # no attempt after the PACS stopped answering
    [stop] = [e.value for e in at.error if e.value.startswith("Stopped at image 2 of 6: ")]
    assert "connection refused" in stop and "The other 4 images were not retrieved; 1 was." in stop
    assert sum("connection refused" in e.value for e in at.error) == 1  # said once


def _a_report_series():
    import streamlit as st

    from medapp.registry import load_model
    from medapp.ui.pacs import model_for

    chosen = model_for({"SR"}, [load_model("chest-xray-pneumonia"), load_model("breast-ultrasound")],
                       what="this series", key="pacs_series_model")
    st.write(f"chosen: {chosen.card.id if chosen else None}")


def test_a_series_of_reports_says_it_holds_no_images_and_asks_for_no_model():
    """A review: a study holding only a text report read "No model here was trained on SR images. You may choose
    one to see its output"."""
    at = AppTest.from_function(_a_report_series, default_timeout=120).run()
    assert not at.exception and not at.selectbox and not at.warning
    assert [i.value for i in at.info] == ["This series holds no images (SR: a structured report): nothing to analyse."]
    assert any(m.value == "chosen: None" for m in at.markdown)


def test_a_search_the_pacs_does_not_answer_says_why_and_not_that_nothing_matched(secrets, orthanc, monkeypatch):
    """A re-check: under "connection refused" the page also said "No study matches.", as if the archive had
    answered with nothing."""
    from medapp.pacs import client as pacs_client

    def down(self, **kwargs):
        raise pacs_client.PacsError("Searching studies: nothing is listening at 127.0.0.1:1 (connection refused). "
                                    "Is the PACS running?", unreachable=True)

    monkeypatch.setattr(pacs_client.PacsClient, "search_studies", down)
    at = _page("imaging", "clinician")
    at.text_input(key="pacs_patient_name").set_value("test^al")
    at = _click(at, "Search")
    assert not at.exception
    assert any("connection refused" in e.value for e in at.error)
    assert not any(c.value == "No study matches." for c in at.caption)


def test_a_result_sent_back_is_not_offered_as_an_examination(secrets, orthanc):
    """A re-check: after a send, the Secondary Capture's own series was offered for analysis ("choose a model")."""
    at = _analyse_the_cr_series(orthanc)
    _send_anyway(at).click()
    at = at.run()
    [receipt] = at.session_state["pacs"]["sent"].values()
    at = _click(at, "Search")  # a new search lists the study's series afresh, the sent ones included
    at.selectbox(key="pacs_series").set_value(receipt.sc_series_uid)
    at = at.run()
    assert not at.exception
    assert any(i.value.startswith("This series is a result medapp sent back") for i in at.info)
    assert not [s for s in at.selectbox if s.key and s.key.startswith("pacs_series_model_")]
    assert not [b for b in at.button if b.key == "pacs_go"]


def test_an_image_no_model_fits_is_not_called_an_object_without_an_image():
    # the results table said "skipped: no image" of a CT image that fitted no model (a code review)
    from medapp.pacs.client import InstanceRef
    from medapp.pacs.pipeline import NO_IMAGE, NO_MODEL_FITS, InstanceResult
    from medapp.registry import load_model
    from medapp.ui.pacs import _table

    report = InstanceResult(InstanceRef("1.2", "1.2.3", "1.2.3.1", modality="SR"), error="holds no image",
                            skip=NO_IMAGE)
    ct = InstanceResult(InstanceRef("1.2", "1.2.4", "1.2.4.1", modality="CT"), error="Not analysed: fits no model",
                        skip=NO_MODEL_FITS)
    table = _table([report, ct], load_model("chest-xray-pneumonia"))
    assert list(table["problem"]) == ["skipped: no image", "skipped: no model fits"]
    assert report.skipped and ct.skipped and list(table["finding"]) == ["", ""]
