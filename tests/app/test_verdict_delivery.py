"""AppTest: a submitted verdict whose callback never ran is still stored, once, and confirmed.

In a browser, Streamlit abandons a form callback at its first st.session_state read when the reviewer's next
click is already waiting (that is how 1-5 of 20 verdicts were lost at full speed). The submitted values are in
session state all the same; here they arrive without the callback, as they did then.
"""
from __future__ import annotations

import pytest
from apptest_helpers import REV, open_page, verdict_outcomes


@pytest.mark.parametrize("path, prefix", [("pages/cases.py", "a"), ("pages/meeting.py", "m")])
def test_submitted_values_without_their_callback_are_stored_once_and_confirmed(one_case, path, prefix):
    store, case_id, analysis_id = one_case
    at = open_page(path, REV)
    key = f"{prefix}{analysis_id}"
    # The submitted values are in session state, the submit button's callback noted the press and was cut short
    # (AppTest sends a form's values only with its submit button, which would run the callback: they are set
    # directly).
    at.session_state[f"v_{key}"] = "disagree"
    at.session_state[f"d_{key}"] = "stable angina"
    at.session_state["medapp_verdict_book"]["pressed"].add(key)
    at.run()
    assert not at.exception
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["reviewer"], verdict["verdict"], verdict["final_diagnosis"]) == ("rui", "disagree",
                                                                                      "stable angina")
    assert verdict_outcomes(at) == [("success", f"Verdict recorded: disagree on analysis #{analysis_id}.")]
    assert any("**rui**: disagree" in m.value for m in at.markdown)  # the page was drawn again with it
    at.run()
    at.run()  # later runs neither store it again nor lose the confirmation
    assert len(store.audit_events(action="verdict")) == 1
    assert verdict_outcomes(at) == [("success", f"Verdict recorded: disagree on analysis #{analysis_id}.")]

    # The same reviewer changes it in another window: this page's unchanged form does not write it back,
    # and its confirmation no longer claims the old verdict.
    store.set_verdict(analysis_id, REV, "agree", expected_version=verdict["version"])
    at.run()
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert verdict["verdict"] == "agree" and len(store.audit_events(action="verdict")) == 2
    assert verdict_outcomes(at) == []


@pytest.mark.parametrize("path, prefix", [("pages/cases.py", "a"), ("pages/meeting.py", "m")])
def test_values_that_reach_the_server_without_a_press_are_never_stored(one_case, path, prefix):
    """Seen in a browser: a reviewer chose and typed a verdict without pressing Record verdict; the chair closed
    the case and reopened it, and the verdict was stored by itself ("Verdict recorded", no click). The line
    above the form moved it, the browser drew it anew and sent what was typed with the next request, which the
    page took for a submission whose callback had been cut short."""
    store, case_id, analysis_id = one_case
    at = open_page(path, REV)
    key = f"{prefix}{analysis_id}"
    at.session_state[f"v_{key}"] = "disagree"  # typed, sent by the browser, never pressed
    at.session_state[f"d_{key}"] = "typed, not submitted"
    at.run()
    at.run()
    assert not at.exception and verdict_outcomes(at) == []
    assert store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"] == []
    next(b for b in at.button if b.label == "Record verdict").click().run()  # pressed: recorded, once
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["verdict"], verdict["final_diagnosis"]) == ("disagree", "typed, not submitted")
    assert len(store.audit_events(action="verdict")) == 1


def test_submitting_through_the_button_stores_once(one_case):
    store, case_id, analysis_id = one_case
    at = open_page("pages/cases.py", REV)
    at.radio(key=f"v_a{analysis_id}").set_value("uncertain")
    next(b for b in at.button if b.label == "Record verdict").click().run()
    assert not at.exception
    assert [v["verdict"] for v in store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]] == \
        ["uncertain"]
    assert len(store.audit_events(action="verdict")) == 1  # the callback stored it; the page did not again
    assert verdict_outcomes(at) == [("success", f"Verdict recorded: uncertain on analysis #{analysis_id}.")]


def _block(node, key: str):
    """The container drawn with `key` under `node` (depth first)."""
    for child in getattr(node, "children", {}).values():
        if getattr(child, "key", None) == key:
            return child
        found = _block(child, key)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("path, prefix", [("pages/cases.py", "a"), ("pages/meeting.py", "m")])
def test_the_outcome_is_said_beside_the_button_not_under_the_form(one_case, path, prefix):
    """Said in a box under the form, a confirmation pushed the later forms down as it appeared, and a press on the
    next form that straddled the move never became a click (a verdict lost in a full-speed browser meeting). Beside
    the button, in the form's last row, it moves nothing; so does a refusal ("Choose ...")."""
    store, case_id, analysis_id = one_case
    at = open_page(path, REV)
    press = next(b for b in at.button if b.label == "Record verdict")
    press.click().run()  # nothing chosen
    assert verdict_outcomes(at) == [("error", "Choose agree, disagree or uncertain.")]
    at.radio(key=f"v_{prefix}{analysis_id}").set_value("agree")
    next(b for b in at.button if b.label == "Record verdict").click().run()
    assert verdict_outcomes(at) == [("success", f"Verdict recorded: agree on analysis #{analysis_id}.")]
    form = _block(at.main, f"verdict_{prefix}{analysis_id}")
    last_row = list(form.children.values())[-1]
    [(button,), (said,)] = [tuple(column.children.values()) for column in last_row.children.values()]
    assert button.label == "Record verdict" and "Verdict recorded" in said.value
    assert not at.success and not at.error  # no box anywhere that could push a form down


def test_a_status_click_without_its_callback_is_stored_once_and_confirmed(one_case):
    store, case_id, _ = one_case
    at = open_page("pages/cases.py", REV)
    [control] = at.get("button_group")
    widget = control.key  # one widget per stored version of the case
    assert widget.startswith(f"status_{case_id}_v") and at.session_state[widget] == "open"
    at.session_state[widget] = "in review"  # the click arrived; its callback was cut short by the next one
    at.run()
    assert not at.exception
    assert store.case_detail(case_id, REV, log_view=False)["status"] == "in review"
    assert "Case status set to 'in review'." in [s.value for s in at.success]
    at.run()
    at.run()  # stored once, confirmation kept while it is the stored status
    assert len(store.audit_events(action="case.status")) == 1
    assert "Case status set to 'in review'." in [s.value for s in at.success]

    # another reviewer closes the case: this page shows it, writes nothing back, drops the old confirmation
    store.set_status(case_id, {"username": "ines", "role": "reviewer"}, "closed")
    at.run()
    [control] = at.get("button_group")
    assert at.session_state[control.key] == "closed" and len(store.audit_events(action="case.status")) == 2
    assert "Case status set to 'in review'." not in [s.value for s in at.success]


def test_a_browser_sending_back_the_status_it_showed_before_another_reviewers_change_changes_nothing(one_case):
    """Seen in a browser: the chair closed the case; the reviewer's page (drawn as open) refused a verdict, and its
    next rerun (a sidebar click) sent back the control's old value, which was stored as a click: "Case status set
    to 'open'", the case reopened by someone who never touched the control."""
    store, case_id, _ = one_case
    at = open_page("pages/cases.py", REV)
    [control] = at.get("button_group")
    shown_before = control.key
    store.set_status(case_id, {"username": "chair", "role": "admin"}, "closed")
    at.run()  # the page now shows the case closed
    at.session_state[shown_before] = "open"  # what the browser still held for the control it drew before
    at.run()
    assert not at.exception
    assert store.case_detail(case_id, REV, log_view=False)["status"] == "closed"
    assert [e["username"] for e in store.audit_events(action="case.status")] == ["chair"]
    assert not any("Case status set to" in s.value for s in at.success)


@pytest.mark.parametrize("ended", ["idle timeout", "signed out in another tab"])
def test_nothing_pressed_after_the_session_ended_is_stored(one_case, ended, monkeypatch):
    """Seen in a browser: a verdict, a status click and a Save pressed after the idle timeout (or after a sign-out
    in another tab of the same browser) were stored, and the user was then told they had been signed out: their
    callbacks run before the page's sign-in check."""
    from medapp.security import sessions
    from medapp.security.accounts import create_user
    from medapp.ui.auth import LAST_SEEN, TOKEN

    store, case_id, analysis_id = one_case
    create_user(store, "rui", "reviewer pw 123", "reviewer")
    at = open_page("pages/cases.py", REV)
    token = sessions.create(store, "rui")
    import time

    at.session_state[TOKEN] = token
    at.session_state[LAST_SEEN] = time.time()  # as the sign-in check leaves it on every run of the app
    at.run()
    if ended == "idle timeout":
        monkeypatch.setenv("MEDAPP_SESSION_TIMEOUT_MIN", "0")  # the page was drawn longer ago than the timeout
    else:
        sessions.revoke(store, token, "rui")  # the other tab's Sign out ends the shared session
    at.radio(key=f"v_a{analysis_id}").set_value("uncertain")
    next(b for b in at.button if b.label == "Record verdict").click().run()
    [control] = at.get("button_group")
    control.set_value("closed").run()
    assert store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"] == []
    assert store.case_detail(case_id, REV, log_view=False)["status"] == "open"
    assert not store.audit_events(action="verdict") and not store.audit_events(action="case.status")
    at.run()  # not stored later by itself either (as a click whose callback was cut short would be)
    assert not store.audit_events(action="verdict") and not store.audit_events(action="case.status")


def test_a_reviewer_demoted_while_the_form_is_on_screen_is_told_the_verdict_was_not_recorded(one_case):
    """The store refused it, and the form gave way to 'Verdicts are recorded by reviewers.' without a word about the
    verdict just pressed (a re-check)."""
    from medapp.security.accounts import create_user, update_user

    store, case_id, analysis_id = one_case
    create_user(store, REV["username"], "reviewer pw 12", "reviewer")
    at = open_page("pages/cases.py", REV)
    key = f"a{analysis_id}"
    at.radio(key=f"v_{key}").set_value("agree")
    update_user(store, {"username": "ada", "role": "admin"}, REV["username"], role="clinician")
    next(b for b in at.button if b.label == "Record verdict").click().run()
    assert not at.exception
    # said on this run (the form still drawn) and on the next, once the page has read the new role (app.py does, on
    # every run; this page alone is given it)
    assert verdict_outcomes(at) == [("error", "The clinician role cannot review; it needs the reviewer role.")]
    at.session_state["medapp_user"] = {**REV, "role": "clinician"}
    at.run()
    assert [e.value for e in at.error] == ["Your verdict was not recorded: The clinician role cannot review; it needs "
                                           "the reviewer role."]
    assert any(c.value == "Verdicts are recorded by reviewers." for c in at.caption)
    assert store.case_detail(case_id, {"username": "ada", "role": "admin"}, log_view=False)["analyses"][0][
        "verdicts"] == []


@pytest.mark.parametrize("path, prefix", [("pages/cases.py", "a"), ("pages/meeting.py", "m")])
def test_a_form_redrawn_after_another_windows_change_is_refused_not_written_over_it(one_case, path, prefix):
    """A review: the same reviewer changed a verdict in a second window; the first window redrew itself (it follows
    the case) but its form still held the old values, and a press there overwrote the second window's verdict with
    "Verdict recorded". The form's values are from the version it was made with, and the press is a conflict."""
    store, case_id, analysis_id = one_case
    first = store.set_verdict(analysis_id, REV, "agree", "Normal chest", "", expected_version=0)
    at = open_page(path, REV)
    key = f"{prefix}{analysis_id}"
    assert at.radio(key=f"v_{key}").value == "agree"
    store.set_verdict(analysis_id, REV, "uncertain", "Effusion?", "changed in window 2", expected_version=first)
    # pressed before this page has redrawn itself (an untouched form then follows the stored verdict: the next test),
    # with a comment typed into the old values
    at.text_area(key=f"c_{key}").set_value("window 1 adds a comment")
    next(b for b in at.button if b.label == "Record verdict").click().run()
    [(kind, text)] = verdict_outcomes(at)
    assert kind == "error" and text.startswith(f"Your verdict on analysis #{analysis_id} was changed in another window")
    # what a second press would replace, typed parts included (a re-check saw them go without a word)
    assert "final diagnosis 'Effusion?', comment 'changed in window 2')" in text
    assert text.endswith("Press Record verdict again to replace the stored verdict with this form's.")
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["verdict"], verdict["comment"]) == ("uncertain", "changed in window 2")  # nothing written over it
    next(b for b in at.button if b.label == "Record verdict").click().run()  # told, and pressed again: recorded
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["verdict"], verdict["comment"]) == ("agree", "window 1 adds a comment")
    assert verdict_outcomes(at) == [("success", f"Verdict recorded: agree on analysis #{analysis_id}.")]


@pytest.mark.parametrize("path, prefix", [("pages/cases.py", "a"), ("pages/meeting.py", "m")])
def test_an_untouched_form_follows_a_verdict_changed_in_another_window(one_case, path, prefix):
    """A re-check: the form kept the old verdict, said "Not recorded yet" though nothing was typed, and a press was
    refused as a conflict. Untouched, it now shows what is stored; a draft is never replaced."""
    store, case_id, analysis_id = one_case
    key = f"{prefix}{analysis_id}"
    at = open_page(path, REV)
    at.radio(key=f"v_{key}").set_value("agree")
    next(b for b in at.button if b.label == "Record verdict").click().run()
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    store.set_verdict(analysis_id, REV, "uncertain", "", "from the other window", expected_version=verdict["version"])
    at.run()  # the page follows the case
    assert not at.exception
    assert at.radio(key=f"v_{key}").value == "uncertain"
    assert at.text_area(key=f"c_{key}").value == "from the other window"
    assert not any("Not recorded yet" in m.value for m in at.markdown) and verdict_outcomes(at) == []
    at.text_input(key=f"d_{key}").input("typed here").run()  # a draft
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    store.set_verdict(analysis_id, REV, "disagree", expected_version=verdict["version"])
    at.run()
    assert at.text_input(key=f"d_{key}").value == "typed here"  # kept, and said not recorded
    assert any("Not recorded yet" in m.value for m in at.markdown)
