"""AppTest: a verdict refused because the case was closed meanwhile is said, and what the reviewer typed stays; a
patient's name as a case reference is refused before anything is stored; Meeting mode stays on its case after a
reload; a records analysis is headed as on its analysis page.

Before: the verdict was dropped without a word (the page said only "This case is closed: reopen it (status above)",
which Meeting mode does not have), the form and its comment were gone; "John Smith 12/03/1958" was stored as a case
reference; a reload went back to "Case 1 of N"; Cases and Meeting mode headed a diabetes analysis "negative".
"""
from __future__ import annotations

import re

import pytest
from apptest_helpers import CLIN, REPO, REV, heart_disease_cases, heart_disease_save_form, open_page, verdict_outcomes
from streamlit.testing.v1 import AppTest

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import load_model
from medapp.security.accounts import create_user

CHAIR = {"username": "chair", "role": "reviewer"}
COMMENT = "Echo first: the ST changes may be old."


@pytest.fixture
def one_case(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    [(case_id, analysis_id)] = heart_disease_cases(store, ("REV-002",))
    return store, case_id, analysis_id


def _verdicts(store, case_id):
    return store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]


def _record(at):
    next(b for b in at.button if b.label == "Record verdict").click().run()
    assert not at.exception


@pytest.mark.parametrize("path, prefix, where", [("pages/cases.py", "a", "with Case status above"),
                                                  ("pages/meeting.py", "m", "on the Cases page (Case status)")])
def test_a_verdict_sent_after_the_case_was_closed_is_refused_aloud_and_kept(one_case, path, prefix, where):
    store, case_id, analysis_id = one_case
    at = open_page(path, REV)
    key = f"{prefix}{analysis_id}"
    store.set_status(case_id, CHAIR, "closed")  # the chair closes the case while this reviewer is typing
    at.radio(key=f"v_{key}").set_value("uncertain")
    at.text_area(key=f"c_{key}").set_value(COMMENT)
    _record(at)

    assert _verdicts(store, case_id) == [] and store.audit_events(action="verdict") == []  # not recorded ...
    [error] = at.error  # ... and said so: what was refused, by whom the case was closed, where to reopen it
    assert re.fullmatch(r"Your verdict \(uncertain, with your comment\) was not recorded: case REV-002 was closed "
                        r"by chair at \d\d:\d\d UTC before it arrived\. It is kept in this form: reopen the case "
                        + re.escape(where) + r", then press Record verdict\.", error.value), error.value
    # nothing typed is lost: the form is still there with the reviewer's choice and comment
    assert at.radio(key=f"v_{key}").value == "uncertain"
    assert at.text_area(key=f"c_{key}").value == COMMENT
    assert next(b for b in at.button if b.label == "Record verdict").disabled
    at.run()
    at.run()  # later runs keep both the message and the values, and store nothing
    assert len(at.error) == 1 and at.text_area(key=f"c_{key}").value == COMMENT
    assert _verdicts(store, case_id) == []

    # the case is reopened: the kept verdict is recorded with one press, comment and all
    if prefix == "a":
        at.get("button_group")[0].set_value("open").run()  # this reviewer reopens it here
    else:
        store.set_status(case_id, CHAIR, "open")  # Meeting mode has no status control
        at.run()
    assert not at.error
    assert any("The case is open again and the form holds what you chose and typed" in w.value for w in at.warning)
    assert at.text_area(key=f"c_{key}").value == COMMENT
    _record(at)
    [verdict] = _verdicts(store, case_id)
    assert (verdict["reviewer"], verdict["verdict"], verdict["comment"]) == ("rui", "uncertain", COMMENT)
    assert not at.warning and verdict_outcomes(at) == [("success", f"Verdict recorded: uncertain on analysis #{analysis_id}.")]


@pytest.mark.parametrize("path, prefix", [("pages/cases.py", "a"), ("pages/meeting.py", "m")])
def test_a_verdict_whose_callback_was_cut_short_after_the_close_is_refused_aloud(one_case, path, prefix):
    """As in test_verdict_delivery.py: the submitted values arrive without their callback (the reviewer's next
    click cut it short); the case was closed meanwhile."""
    store, case_id, analysis_id = one_case
    at = open_page(path, REV)
    key = f"{prefix}{analysis_id}"
    store.set_status(case_id, CHAIR, "closed")
    at.session_state[f"v_{key}"] = "disagree"
    at.session_state[f"c_{key}"] = COMMENT
    at.session_state["medapp_verdict_book"]["pressed"].add(key)  # the callback noted the press, then was cut
    at.run()
    assert not at.exception and _verdicts(store, case_id) == []
    [error] = at.error
    assert error.value.startswith("Your verdict (disagree, with your comment) was not recorded: case REV-002 was "
                                  "closed by chair at ")
    assert at.radio(key=f"v_{key}").value == "disagree" and at.text_area(key=f"c_{key}").value == COMMENT


def test_a_closed_case_without_a_refused_verdict_says_where_to_reopen_it(one_case):
    store, case_id, _ = one_case
    store.set_status(case_id, CHAIR, "closed")
    meeting = open_page("pages/meeting.py", REV)
    assert not meeting.radio and not meeting.error
    closed = r"This case is closed by chair at \d\d:\d\d UTC: reopen it "  # who closed it and when, since 2026-12-04
    [line] = [c.value for c in meeting.caption if "This case is closed" in c.value]
    assert re.fullmatch(closed + r"on the Cases page \(Case status\) to change a verdict\.", line)
    cases = open_page("pages/cases.py", REV)
    assert not cases.radio and not cases.error
    [line] = [c.value for c in cases.caption if "This case is closed" in c.value]
    assert re.fullmatch(closed + r"with Case status above to change a verdict\.", line)


def test_a_verdict_refused_in_meeting_mode_is_filled_in_on_the_cases_page(tmp_path, monkeypatch):
    """The whole app, one session: refused in Meeting mode, then recorded on Cases once the case is reopened there."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    create_user(store, "rui", "reviewer pw 1", "reviewer")
    [(case_id, analysis_id)] = heart_disease_cases(store, ("REV-002",))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180).run()
    at.text_input[0].set_value("rui")
    at.text_input[1].set_value("reviewer pw 1")
    at.button[0].click().run()
    at.switch_page("pages/meeting.py").run()
    store.set_status(case_id, CHAIR, "closed")
    at.radio(key=f"v_m{analysis_id}").set_value("disagree")
    at.text_area(key=f"c_m{analysis_id}").set_value(COMMENT)
    _record(at)
    assert any("on the Cases page" in e.value for e in at.error) and _verdicts(store, case_id) == []

    at.switch_page("pages/cases.py").run()
    assert not at.exception
    key = f"a{analysis_id}"
    assert at.radio(key=f"v_{key}").value == "disagree" and at.text_area(key=f"c_{key}").value == COMMENT
    assert any("reopen the case with Case status above" in e.value for e in at.error)
    at.get("button_group")[0].set_value("open").run()
    _record(at)
    [verdict] = _verdicts(store, case_id)
    assert (verdict["verdict"], verdict["comment"]) == ("disagree", COMMENT)


def test_a_patient_name_and_birth_date_as_case_reference_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at, key = heart_disease_save_form()
    at.text_input(key=f"case_ref_{key}").set_value("John Smith 12/03/1958")
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception and not at.success
    assert [e.value for e in at.error] == [
        "'John Smith 12/03/1958' looks like it contains a person's name (John Smith) and a date (12/03/1958): a case "
        "reference must be pseudonymous (a study or ward code, e.g. MDT-2026-014). Nothing was saved."]
    store = CaseStore()
    assert store.list_cases() == [] and store.audit_events(action="case.create") == []
    at.text_input(key=f"case_ref_{key}").set_value("MDT-2026-014")
    at.button(key=f"case_save_{key}").click().run()
    assert not at.error and "in case MDT-2026-014" in at.success[0].value
    assert [c["reference"] for c in store.list_cases()] == ["MDT-2026-014"]


def test_meeting_mode_stays_on_its_case_after_a_reload(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    (first, _), (second, _), _ = heart_disease_cases(store, ("MDT-1", "MDT-2", "MDT-3"))
    text = lambda at: " ".join(m.value for m in at.markdown)  # noqa: E731
    at = open_page("pages/meeting.py", REV)
    assert "Case 1 of 3" in text(at) and at.query_params.get("case") == str(first)
    at.button(key="meeting_next").click().run()
    assert "Case 2 of 3" in text(at) and at.query_params.get("case") == str(second)
    # A reload is a new session on the same address
    reloaded = open_page_with_address("pages/meeting.py", REV, at.query_params)
    assert "Case 2 of 3" in text(reloaded) and reloaded.query_params.get("case") == str(second)
    assert not reloaded.button(key="meeting_prev").disabled
    # an address naming a case the list does not hold (deleted, filtered out, typed) starts at the first
    assert "Case 1 of 3" in text(open_page_with_address("pages/meeting.py", REV, {"case": "999"}))


def open_page_with_address(path: str, user: dict, query_params: dict):
    at = AppTest.from_file(str(REPO / path), default_timeout=180)
    at.session_state["medapp_user"] = user
    at.query_params.update(query_params)
    return at.run()


@pytest.mark.parametrize("path", ["pages/cases.py", "pages/meeting.py"])
def test_a_records_analysis_is_headed_as_on_its_analysis_page(tmp_path, monkeypatch, path):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("diabetes")
    pred = analyse(model, model.example_input()).prediction
    case_id = store.create_case("MDT-DM", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=pred, explanation=None, input_bytes=b"{}",
                       input_name="p.json")
    p = pred.probability_of(model.card.positive_label or model.card.labels[-1])
    at = open_page(path, REV)
    assert not at.exception
    assert "Probability of diabetes" in [c.value for c in at.caption]
    html = " ".join(str(getattr(e, "value", "")) for e in at.get("html"))
    assert f">{p:.0%}</div>" in html
    assert any(f"Risk band: :{colour}-badge[{pred.risk_band}]" in m.value for m in at.markdown
               for colour in ("green", "orange", "red"))
