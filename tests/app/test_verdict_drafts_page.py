"""AppTest: a verdict chosen and typed and not recorded comes back after a reload (a new browser session), on Cases
and in Meeting mode; it can be discarded, is recorded as any verdict, and a closed case says it is kept."""
from __future__ import annotations

import pytest
from apptest_helpers import REV, heart_disease_cases, open_page, verdict_outcomes

from medapp.cases.store import CaseStore


def _said(at) -> str:
    return " ".join(m.value for m in at.markdown if "ot recorded yet" in m.value)


@pytest.mark.parametrize("path, prefix", [("pages/cases.py", "a"), ("pages/meeting.py", "m")])
def test_a_reload_brings_back_the_unrecorded_verdict_which_is_then_recorded(one_case, path, prefix):
    store, case_id, analysis_id = one_case
    key = f"{prefix}{analysis_id}"
    first = open_page(path, REV)
    first.radio(key=f"v_{key}").set_value("disagree")
    first.text_input(key=f"d_{key}").input("pleural effusion").run()
    first.text_area(key=f"c_{key}").input("costophrenic angle blunted on the left").run()
    assert "Not recorded yet: press Record verdict." in _said(first)
    assert store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"] == []  # a draft, not a verdict

    again = open_page(path, REV)  # the reload: a new session with none of the first one's state
    assert not again.exception
    assert (again.radio(key=f"v_{key}").value, again.text_input(key=f"d_{key}").value,
            again.text_area(key=f"c_{key}").value) == ("disagree", "pleural effusion",
                                                       "costophrenic angle blunted on the left")
    assert "Your draft of " in _said(again) and "UTC, not recorded yet: press Record verdict." in _said(again)
    next(b for b in again.button if b.label == "Record verdict").click().run()
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["verdict"], verdict["final_diagnosis"]) == ("disagree", "pleural effusion")
    assert verdict_outcomes(again) == [("success", f"Verdict recorded: disagree on analysis #{analysis_id}.")]
    assert store.verdict_drafts(REV, [analysis_id]) == {}  # recorded: nothing left to bring back
    assert open_page(path, REV).radio(key=f"v_{key}").value == "disagree"  # the recorded one, with no draft line


def test_a_discarded_draft_shows_the_recorded_verdict_and_is_gone_for_good(one_case):
    store, case_id, analysis_id = one_case
    store.set_verdict(analysis_id, REV, "agree", "stable angina", expected_version=0)
    key = f"a{analysis_id}"
    first = open_page("pages/cases.py", REV)
    first.radio(key=f"v_{key}").set_value("uncertain").run()
    again = open_page("pages/cases.py", REV)
    assert again.radio(key=f"v_{key}").value == "uncertain"
    next(b for b in again.button if b.label == "Discard draft").click().run()
    assert not again.exception
    assert (again.radio(key=f"v_{key}").value, again.text_input(key=f"d_{key}").value) == ("agree", "stable angina")
    assert _said(again) == "" and store.verdict_drafts(REV, [analysis_id]) == {}
    assert open_page("pages/cases.py", REV).radio(key=f"v_{key}").value == "agree"


def test_a_draft_older_than_a_verdict_recorded_since_is_refused_as_a_conflict_first(one_case):
    """The form was drawn on no verdict; the reviewer recorded one in another window (which ends the draft kept so
    far), then typed on in the first. Recording that draft after a reload without a word would overwrite the other
    window's verdict: the press says what is stored, and a second press records the draft."""
    store, case_id, analysis_id = one_case
    key = f"a{analysis_id}"
    first = open_page("pages/cases.py", REV)
    first.radio(key=f"v_{key}").set_value("disagree").run()
    store.set_verdict(analysis_id, REV, "agree", expected_version=0)  # another window
    assert store.verdict_drafts(REV, [analysis_id]) == {}
    first.text_input(key=f"d_{key}").input("pericarditis").run()  # typed on in the first window
    again = open_page("pages/cases.py", REV)
    assert (again.radio(key=f"v_{key}").value, again.text_input(key=f"d_{key}").value) == ("disagree",
                                                                                            "pericarditis")
    press = next(b for b in again.button if b.label == "Record verdict")
    press.click().run()
    [(kind, text)] = verdict_outcomes(again)
    assert kind == "error" and "stored now: 'agree'" in text
    next(b for b in again.button if b.label == "Record verdict").click().run()
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert verdict["verdict"] == "disagree"


def test_a_closed_case_says_the_draft_is_kept_until_it_is_reopened(one_case):
    store, case_id, analysis_id = one_case
    key = f"a{analysis_id}"
    first = open_page("pages/cases.py", REV)
    first.radio(key=f"v_{key}").set_value("uncertain").run()
    store.set_status(case_id, REV, "closed")
    again = open_page("pages/cases.py", REV)
    assert not again.exception
    line = " ".join(c.value for c in again.caption if "This case is" in c.value)
    assert "Your draft (uncertain" in line and "is kept, not recorded: reopen the case to record it." in line


def test_text_typed_after_the_case_was_closed_is_kept_as_the_draft(one_case):
    """A review meeting's test: a reviewer typing when another closed the case added to the comment in the form the
    page kept, and a reload lost the addition (drafts were written only while the case was open)."""
    store, case_id, analysis_id = one_case
    key = f"m{analysis_id}"
    desk = open_page("pages/meeting.py", REV)
    desk.text_area(key=f"c_{key}").input("effusion on the left").run()
    store.set_status(case_id, REV, "closed")
    desk.run()  # the page's timer draws it again: the form stays, its button disabled
    assert any(c.value.endswith("What you had chosen or typed below stays in the form, not recorded.")
               for c in desk.caption)
    desk.text_area(key=f"c_{key}").input("effusion on the left; ADDED WHILE CLOSED").run()
    assert store.verdict_drafts(REV, [analysis_id])[analysis_id].comment == "effusion on the left; ADDED WHILE CLOSED"
    again = open_page("pages/meeting.py", REV)
    line = " ".join(c.value for c in again.caption if "This case is" in c.value)
    assert "is kept, not recorded: reopen the case to record it." in line


def test_meeting_mode_with_forms_hidden_still_shows_a_form_holding_a_draft_from_before_a_reload(tmp_path, monkeypatch):
    """The presenter hid their verdict forms for the projector and moved to a case whose form this session never drew:
    a draft kept from an earlier session is unfinished work, and stays on screen as one typed in this session does."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    (_, first), (_, second) = heart_disease_cases(store, ("HIDE-1", "HIDE-2"))
    store.keep_draft(second, REV, ("disagree", "", "before the reload"), 0)
    at = open_page("pages/meeting.py", REV)
    at.toggle(key="meeting_forms").set_value(False).run()
    assert [b for b in at.button if b.label == "Record verdict"] == []  # HIDE-1: nothing unfinished
    at.button(key="meeting_next").click().run()
    assert not at.exception
    assert len([b for b in at.button if b.label == "Record verdict"]) == 1
    assert at.text_area(key=f"c_m{second}").value == "before the reload" and "Your draft of" in _said(at)
