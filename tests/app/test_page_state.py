"""AppTest: a page keeps its work when the user goes to another page and comes back.

Before: Streamlit deleted the state of widgets not drawn, so the note text, the chosen model and
form values were gone on coming back, and Clinical notes said "The note is empty" unasked.
"""
from __future__ import annotations

from pathlib import Path

NOTE = "Patient has a red itchy rash on both arms and a mild fever for three days."


def test_note_text_and_model_choice_survive_a_trip_to_another_page(signed_in):
    at = signed_in
    at.switch_page("pages/notes.py").run()
    assert not at.exception
    models = at.selectbox(key="notes_model")
    other = [o for o in models.options if o != models.value][0]
    models.set_value(other).run()
    at.text_area(key="notes_text").input(NOTE).run()
    at.switch_page("pages/records.py").run()
    assert not at.exception
    at.switch_page("pages/notes.py").run()
    assert not at.exception
    assert at.text_area(key="notes_text").value == NOTE
    assert at.selectbox(key="notes_model").value == other
    assert not any("The note is empty" in e.value for e in at.error)


def test_a_value_is_kept_as_its_run_takes_it_before_any_of_the_page_runs(signed_in):
    """Before: a note committed (Ctrl+Enter) and a page link clicked within milliseconds lost the note, 1 time in
    10-14 in a browser on a loaded machine: the click stopped the note's run before app.py kept the value, and the
    page change does not send the previous page's values. Now the value is kept where the run takes it from the
    browser (medapp/ui/runtime.py), before a line of app.py runs."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    from medapp.ui.state import KEPT

    at = signed_in
    at.switch_page("pages/notes.py").run()
    box = at.text_area(key="notes_text")
    box.input(NOTE)  # what the browser sends with the rerun, not yet run
    sent = WidgetStates()
    sent.widgets.append(box._widget_state)
    assert NOTE not in at.session_state[KEPT].values()
    at._session_state.on_script_will_rerun(sent)  # the run takes the browser's values, and is then stopped
    assert at.session_state[KEPT]["notes_text"] == NOTE


class _Upload:
    """What Streamlit's upload widget returns: a name, bytes and the upload's file id."""

    def __init__(self, name: str, data: bytes, file_id: str):
        self.name, self.file_id, self.type, self._data = name, file_id, "image/png", data

    def getvalue(self) -> bytes:
        return self._data


class _SessionState(dict):
    """The part of Streamlit's SessionState that remember_sent_uploads uses: items, and a key's widget id."""

    def __init__(self, ids: dict[str, str], **items):
        super().__init__(**items)
        self.ids = ids

    def get_widget_id_from_key(self, key: str) -> str | None:
        return self.ids.get(key)


def _upload_request(widget_id: str, *files: tuple[str, str]):
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    sent = WidgetStates()
    widget = sent.widgets.add()
    widget.id = widget_id
    widget.file_uploader_state_value.SetInParent()
    for file_id, name in files:
        widget.file_uploader_state_value.uploaded_file_info.add(file_id=file_id, name=name)
    return sent


def test_a_new_upload_is_kept_as_its_run_takes_it():
    """Before: an upload followed at once by a page link (3 uploads in 10 in a Playwright loop) was never kept,
    because the page's run was stopped before it drew the upload box; coming back, the page offered and analysed
    the previous file."""
    from medapp.ui.state import KEPT_FILES, UPLOAD_KEYS, KeptFile, remember_sent_uploads

    old = KeptFile("before.png", b"old", "f-1")
    state = _SessionState({"imaging_upload": "w-1"}, **{
        UPLOAD_KEYS: {"imaging_upload"}, KEPT_FILES: {"imaging_upload": {"files": [old], "restored": False}},
        "imaging_upload": [_Upload("after.png", b"new", "f-2")]})
    remember_sent_uploads(state, _upload_request("w-1", ("f-2", "after.png")))
    assert state[KEPT_FILES]["imaging_upload"] == {"files": [KeptFile("after.png", b"new", "f-2", "image/png")],
                                                   "restored": False}


def test_an_empty_box_or_the_same_file_leaves_what_is_kept():
    from medapp.ui.state import KEPT_FILES, UPLOAD_KEYS, KeptFile, remember_sent_uploads

    kept = {"files": [KeptFile("before.png", b"old", "f-1")], "restored": True}
    state = _SessionState({"imaging_upload": "w-1"}, **{
        UPLOAD_KEYS: {"imaging_upload"}, KEPT_FILES: {"imaging_upload": dict(kept)}})
    remember_sent_uploads(state, _upload_request("w-1"))  # the box drawn empty on coming back: kept_upload's call
    remember_sent_uploads(state, _upload_request("w-1", ("f-1", "before.png")))  # the same upload again
    remember_sent_uploads(state, _upload_request("w-9", ("f-7", "other.png")))  # an upload kept_upload never drew
    assert state[KEPT_FILES] == {"imaging_upload": kept}


def _reviewer_on_cases(tmp_path, monkeypatch):
    """The whole app signed in as the reviewer rui, on the Cases page of one case with one analysis."""
    from apptest_helpers import heart_disease_cases
    from streamlit.testing.v1 import AppTest

    from medapp.cases.store import CaseStore
    from medapp.security.accounts import create_user

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    create_user(store, "rui", "reviewer pw 1", "reviewer")
    [(case_id, analysis_id)] = heart_disease_cases(store, ("MDT-9",))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"), default_timeout=180).run()
    at.text_input[0].set_value("rui")
    at.text_input[1].set_value("reviewer pw 1")
    at.button[0].click().run()
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    return at, store, case_id, analysis_id


def test_a_verdict_draft_survives_a_trip_to_another_page_and_is_recorded_only_when_pressed(tmp_path, monkeypatch):
    """Before: the verdict fields were an st.form, whose values stay in the browser until submitted; a reviewer who
    chose and typed a verdict, looked something up on another page and came back found the form empty."""
    from apptest_helpers import REV, verdict_outcomes

    at, store, case_id, analysis_id = _reviewer_on_cases(tmp_path, monkeypatch)
    key = f"a{analysis_id}"
    at.text_input(key=f"d_{key}").input("stable angina").run()  # typed before a verdict is chosen: said too
    assert any("Not recorded yet: choose a verdict, then press Record verdict." in m.value for m in at.markdown)
    at.radio(key=f"v_{key}").set_value("disagree")
    at.text_input(key=f"d_{key}").input("stable angina")
    at.text_area(key=f"c_{key}").input("ECG changes are old; discuss at MDT").run()
    at.switch_page("pages/records.py").run()
    assert not at.exception
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    assert at.radio(key=f"v_{key}").value == "disagree"
    assert at.text_input(key=f"d_{key}").value == "stable angina"
    assert at.text_area(key=f"c_{key}").value == "ECG changes are old; discuss at MDT"
    assert store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"] == []  # a draft, not stored
    assert any("Not recorded yet: press Record verdict." in m.value for m in at.markdown)  # and said so
    next(b for b in at.button if b.label == "Record verdict").click().run()
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["verdict"], verdict["final_diagnosis"], verdict["comment"]) == (
        "disagree", "stable angina", "ECG changes are old; discuss at MDT")
    assert not any("Not recorded yet" in m.value for m in at.markdown)
    assert verdict_outcomes(at) == [("success", f"Verdict recorded: disagree on analysis #{analysis_id}.")]


def test_an_unchanged_verdict_form_comes_back_with_what_is_stored_then(tmp_path, monkeypatch):
    """Only a draft is kept: a form the reviewer did not change is made again from the stored verdict, which the
    same reviewer may have changed in another window meanwhile (the old values would be refused as a conflict)."""
    from apptest_helpers import REV

    at, store, case_id, analysis_id = _reviewer_on_cases(tmp_path, monkeypatch)
    key = f"a{analysis_id}"
    at.radio(key=f"v_{key}").set_value("agree")
    next(b for b in at.button if b.label == "Record verdict").click().run()
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    at.switch_page("pages/records.py").run()
    store.set_verdict(analysis_id, REV, "uncertain", "", "changed in another window",
                      expected_version=verdict["version"])
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    assert at.radio(key=f"v_{key}").value == "uncertain"
    assert at.text_area(key=f"c_{key}").value == "changed in another window"


def test_moving_between_cases_and_meeting_mode_keeps_the_case_on_screen(signed_in):
    """A browser review: with MDT-C3 open on Cases, Meeting mode opened its first case, MDT-A1, and a verdict meant
    for MDT-C3 was recorded there; coming back, Cases opened another case again."""
    from apptest_helpers import heart_disease_cases

    from medapp.cases.store import CaseStore

    (first, _), (second, _), (third, _) = heart_disease_cases(CaseStore(), ("MDT-A1", "MDT-B2", "MDT-C3"))
    at = signed_in
    at.switch_page("pages/cases.py").run()
    at.selectbox(key="case_open").set_value(third).run()
    assert any(h.value == "Case MDT-C3" for h in at.header)
    at.switch_page("pages/meeting.py").run()
    assert not at.exception
    assert any("Case 3 of 3 · MDT-C3" in m.value for m in at.markdown)
    at.button(key="meeting_prev").click().run()  # the meeting moves on to MDT-B2
    assert any("Case 2 of 3 · MDT-B2" in m.value for m in at.markdown)
    at.switch_page("pages/cases.py").run()
    assert not at.exception
    assert at.selectbox(key="case_open").value == second and any(h.value == "Case MDT-B2" for h in at.header)
    at.switch_page("pages/meeting.py").run()  # and back: still the case the user was on
    assert any("Case 2 of 3 · MDT-B2" in m.value for m in at.markdown)


def test_the_chosen_tab_of_each_analysis_page_is_kept(signed_in):
    """A browser review: Notes and Heart & lung sounds came back on their first tab (Dictate, Examples hidden
    behind it), as Imaging did before its tab was tracked. AppTest does not send a tab's state: the request a
    browser sends when the tab is clicked is made here."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    at = signed_in
    for page, key, tab in (("pages/notes.py", "notes_tab", "Dictate"), ("pages/audio.py", "audio_tab", "Examples"),
                           ("pages/records.py", "records_tab", "Cohort (CSV or Excel)")):
        at.switch_page(page).run()
        widget_id = at._session_state._state.get_widget_id_from_key(key)
        assert widget_id is not None, f"{page}: its tabs are not tracked"
        sent = WidgetStates()
        sent.widgets.add(id=widget_id).string_value = tab  # the click on the tab
        at._session_state.on_script_will_rerun(sent)
        at.run()
        assert not at.exception
        at.switch_page("pages/models.py").run()
        at.switch_page(page).run()
        assert not at.exception
        assert at.session_state[key] == tab, page
