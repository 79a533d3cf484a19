"""AppTest: the login gate, the first-run screen, and what each role may see and do."""
from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import load_model
from medapp.security.accounts import create_user

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_var(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    return tmp_path


def app() -> AppTest:
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=120)


def test_first_run_screen_creates_the_first_admin(fresh_var):
    at = app().run()
    assert at.title[0].value == "Welcome to medapp"
    at.text_input[0].set_value("Head.Admin")
    at.text_input[1].set_value("a long password")
    at.text_input[2].set_value("a long password")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["medapp_user"] == {"username": "head.admin", "role": "admin"}


def test_login_gate_refuses_a_wrong_password_and_audits_it(fresh_var):
    store = CaseStore()
    create_user(store, "carla", "clinician pw 1", "clinician")
    at = app().run()
    assert at.title[0].value == "medapp: sign in"
    assert "medapp_user" not in at.session_state
    at.text_input[0].set_value("carla")
    at.text_input[1].set_value("not her password")
    at.button[0].click().run()
    assert "User name or password is wrong" in at.error[0].value
    assert "medapp_user" not in at.session_state
    at.text_input[1].set_value("clinician pw 1")
    at.button[0].click().run()
    assert at.session_state["medapp_user"] == {"username": "carla", "role": "clinician"}
    assert [e["action"] for e in store.audit_events()][:2] == ["login", "login.failed"]


def test_a_locked_name_is_told_when_it_opens_and_an_empty_form_is_no_attempt(fresh_var):
    # a review: a locked account read exactly as a wrong password, Enter in the name box counted as a failure, and
    # a password reset by an administrator did not lift the lock
    from medapp.security import accounts

    store = CaseStore()
    create_user(store, "carla", "clinician pw 1", "clinician")
    at = app().run()
    at.text_input[0].set_value("carla")
    at.button[0].click().run()  # no password
    assert at.error[0].value == "Enter your user name and your password."
    assert not store.audit_events(action="login.failed")
    for _ in range(accounts.LOCKOUT_FAILURES):
        at.text_input[1].set_value("not her password")
        at.button[0].click().run()
    at.text_input[1].set_value("clinician pw 1")
    at.button[0].click().run()
    assert at.error[0].value.startswith("Too many failed sign-ins with this user name: try again after ")
    assert "medapp_user" not in at.session_state
    accounts.update_user(store, {"username": "ada", "role": "admin"}, "carla", password="a new password 3")
    at.text_input[1].set_value("a new password 3")
    at.button[0].click().run()
    assert at.session_state["medapp_user"] == {"username": "carla", "role": "clinician"}  # the reset unlocked it


def test_session_times_out(fresh_var, monkeypatch):
    create_user(CaseStore(), "carla", "clinician pw 1", "clinician")
    monkeypatch.setenv("MEDAPP_SESSION_TIMEOUT_MIN", "1")  # last seen at 0.0, long before a minute ago
    at = app()
    at.session_state["medapp_user"] = {"username": "carla", "role": "clinician"}
    at.session_state["medapp_last_seen"] = 0.0
    at.run()
    assert "medapp_user" not in at.session_state
    assert "signed out after" in at.warning[0].value


def test_a_run_the_page_started_itself_is_not_activity(fresh_var, monkeypatch):
    """A followed case that changes elsewhere runs the page again (ui/review.follow_case). Counted as activity, a
    projector left open while others review would never sign out; a click still counts."""
    import time

    from medapp.ui.auth import LAST_SEEN, UNASKED_RUN

    create_user(CaseStore(), "carla", "clinician pw 1", "clinician")
    at = app()
    at.session_state["medapp_user"] = {"username": "carla", "role": "clinician"}
    drawn = time.time() - 600  # ten minutes ago, within the 30-minute timeout
    at.session_state[LAST_SEEN] = drawn
    at.session_state[UNASKED_RUN] = True
    at.run()
    assert at.session_state[LAST_SEEN] == drawn and at.session_state["medapp_user"]["username"] == "carla"
    monkeypatch.setenv("MEDAPP_SESSION_TIMEOUT_MIN", "5")  # now past the timeout: the next unasked run signs out
    at.session_state[UNASKED_RUN] = True
    at.run()
    assert "medapp_user" not in at.session_state and "signed out after 5 minutes" in at.warning[0].value
    monkeypatch.setenv("MEDAPP_SESSION_TIMEOUT_MIN", "30")
    at.session_state["medapp_user"] = {"username": "carla", "role": "clinician"}
    at.session_state[LAST_SEEN] = drawn
    at.run()  # a run the user asked for: activity
    assert at.session_state[LAST_SEEN] > drawn + 590


def page(path: str, role: str) -> AppTest:
    at = AppTest.from_file(str(REPO / path), default_timeout=120)
    at.session_state["medapp_user"] = {"username": f"a-{role}", "role": role}
    return at.run()


def test_page_opened_without_sign_in_stops(fresh_var):
    at = AppTest.from_file(str(REPO / "pages/records.py"), default_timeout=60).run()
    assert at.warning[0].value == "Please sign in first."
    assert not at.selectbox


def test_clinician_cannot_open_the_admin_page(fresh_var):
    at = page("pages/admin.py", "clinician")
    assert "This page needs the admin role; you are signed in as clinician." in at.error[0].value
    assert not at.dataframe
    assert page("pages/admin.py", "admin").dataframe  # users table


def _case_with_analysis() -> None:
    store = CaseStore()
    model = load_model("heart-disease")
    x = model.example_input()
    result = analyse(model, x)
    case_id = store.create_case("MDT-1", {"username": "carla", "role": "clinician"})
    store.add_analysis(case_id, {"username": "carla", "role": "clinician"}, card=model.card,
                       prediction=result.prediction, explanation=result.explanation, input_bytes=b"{}",
                       input_name="patient.json")


def test_clinician_sees_the_case_but_cannot_change_a_verdict(fresh_var):
    _case_with_analysis()
    at = page("pages/cases.py", "clinician")
    assert not at.exception
    assert at.header[0].value == "Case MDT-1"
    assert not at.radio  # no verdict form
    assert any("Verdicts are recorded by reviewers." in c.value for c in at.caption)


def test_reviewer_records_a_verdict_and_it_is_shown(fresh_var):
    _case_with_analysis()
    at = page("pages/cases.py", "reviewer")
    at.radio(key="v_a1").set_value("disagree")
    at.text_input(key="d_a1").set_value("non-cardiac chest pain")
    at.button[-1].click().run()
    assert not at.exception
    detail = CaseStore().case_detail(1, {"username": "x", "role": "reviewer"}, log_view=False)
    assert detail["analyses"][0]["verdicts"][0]["verdict"] == "disagree"
    assert detail["disagreement"]
    # (user text is written as character references, so that what the browser shows is what was typed)
    assert any("final diagnosis: non-cardiac chest pain" in html.unescape(m.value) for m in at.markdown)


def test_meeting_mode_hides_identifiers(fresh_var):
    # input names are hidden; the pseudonymous reference names the case on screen (new references that look
    # identifying are refused), and an older reference that looks identifying is hidden
    from sqlalchemy import update

    from medapp.db.tables import Case as CaseRow

    _case_with_analysis()
    at = page("pages/meeting.py", "reviewer")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "Case 1 of 1 · MDT-1\n:blue-badge[open]" in text
    store = CaseStore()
    stored_name = store.case_detail(1, {"username": "x", "role": "reviewer"}, log_view=False)["analyses"][0]["input_name"]
    assert stored_name.startswith("records-") and stored_name not in text
    with store.Session() as s, s.begin():  # a reference stored before references were checked
        s.execute(update(CaseRow).where(CaseRow.id == 1).values(reference="John Smith 12/03/1958"))
    at = page("pages/meeting.py", "reviewer")
    text = " ".join(m.value for m in at.markdown)
    assert "Case 1 of 1 · reference hidden\n" in text and "Smith" not in text


SSO_SECRETS = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a test cookie secret",
               "client_id": "medapp", "client_secret": "test secret",
               "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}


def test_single_sign_on_maps_an_identity_to_its_medapp_account(fresh_var):
    store = CaseStore()
    create_user(store, "admin", "admin password 1", "admin")
    create_user(store, "rui@hospital.example", "reviewer pw 1", "reviewer")
    at = app()
    at.secrets["auth"] = SSO_SECRETS
    at.user = {"is_logged_in": False}
    at.run()
    assert any(b.label == "Sign in with single sign-on" for b in at.button)  # offered only when configured
    at.user = {"is_logged_in": True, "email": "Rui@Hospital.example", "name": "Rui"}  # back from the identity provider
    at.run()
    assert not at.exception
    assert at.session_state["medapp_user"] == {"username": "rui@hospital.example", "role": "reviewer"}
    [event] = store.audit_events(action="login")
    assert event["username"] == "rui@hospital.example" and event["detail"] == {"method": "sso"}


def test_single_sign_on_without_a_medapp_account_is_refused(fresh_var):
    store = CaseStore()
    create_user(store, "admin", "admin password 1", "admin")
    at = app()
    at.secrets["auth"] = SSO_SECRETS
    at.user = {"is_logged_in": True, "email": "stranger@elsewhere.example"}
    at.run()
    assert "medapp_user" not in at.session_state
    assert "no active medapp account" in at.error[0].value
    assert store.audit_events(action="login") == []


def test_without_sso_secrets_no_sso_button_is_shown(fresh_var):
    create_user(CaseStore(), "admin", "admin password 1", "admin")
    at = app().run()
    assert at.title[0].value == "medapp: sign in"
    assert not any(b.label == "Sign in with single sign-on" for b in at.button)
