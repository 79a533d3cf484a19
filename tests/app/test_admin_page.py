"""AppTest of accounts at work: the admin page, and account changes reaching signed-in sessions."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore
from medapp.security.accounts import authenticate, create_user, update_user

REPO = Path(__file__).resolve().parents[2]
ADMIN = {"username": "ada", "role": "admin"}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    create_user(store, "ada", "admin password 1", "admin")
    return store


def admin_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/admin.py"), default_timeout=120)
    at.session_state["medapp_user"] = ADMIN
    return at.run()


def test_disabling_an_account_says_its_api_tokens_were_revoked(store):
    from medapp.security.tokens import authenticate_token, create_token

    create_user(store, "eve", "clinician pw 12", "clinician")
    secrets = [create_token(store, ADMIN, "eve")[1] for _ in range(2)]
    at = admin_page()
    at.selectbox(key="chg_user_0").set_value("eve")
    at.radio(key="chg_active_0").set_value("disabled")
    at.button(key="change_user_go").click().run()
    assert not at.exception
    assert [m.value for m in at.success] == ["Updated eve: account disabled. 2 API tokens revoked."]
    assert all(authenticate_token(store, secret) is None for secret in secrets)


def test_admin_adds_and_changes_users_and_filters_the_audit_trail(store):
    at = admin_page()
    assert not at.exception
    form = at.text_input
    form[0].set_value("Rui")
    at.selectbox[0].set_value("reviewer")
    form[1].set_value("reviewer pw 12")
    at.button[0].click().run()
    assert not at.exception
    assert authenticate(store, "rui", "reviewer pw 12") == {"username": "rui", "role": "reviewer"}
    assert [m.value for m in at.success] == ["Added rui as reviewer."]  # confirmed after the list is redrawn
    at.selectbox[1].set_value("rui")
    at.selectbox[2].set_value("clinician")
    at.text_input[2].set_value("a new password 2")
    at.button[1].click().run()
    assert not at.exception
    assert authenticate(store, "rui", "a new password 2") == {"username": "rui", "role": "clinician"}
    assert [m.value for m in at.success] == ["Updated rui: role clinician, password reset."]  # what changed
    # a fresh form: it kept the password and role, and the next Apply gave them to the next user (a review)
    assert at.selectbox[2].value == "(unchanged)" and at.text_input[2].value == ""
    at.button[1].click().run()  # nothing chosen: nothing changed, and said so
    assert at.info[0].value.startswith("Nothing to change for ada") and not at.success

    at.selectbox(key="audit_action").set_value("user.update").run()
    audit = at.dataframe[1].value
    assert list(audit["username"]) == ["ada"] and list(audit["target"]) == ["user:rui"]
    # each action in words before its code, in the table and the filter (only codes were shown: a review)
    assert list(audit["what"]) == ["account changed"] and list(audit.columns[:5]) == ["id", "at", "username", "what",
                                                                                    "action"]
    assert at.selectbox(key="audit_action").format_func("login.failed") == "sign-in failed (login.failed)"
    # read as text, not as a Python dict
    assert "role: reviewer → clinician" in audit["detail"][0] and "password: changed" in audit["detail"][0]
    assert "{" not in audit["detail"][0]
    at.selectbox(key="audit_action").set_value("any")
    at.selectbox(key="audit_user").set_value("rui").run()
    assert set(at.dataframe[1].value["action"]) == {"login"}


def test_the_last_admin_cannot_demote_themselves(store):
    at = admin_page()
    at.selectbox[1].set_value("ada")
    at.selectbox[2].set_value("clinician")
    at.button[1].click().run()
    assert at.warning[0].value.startswith("This is your own account: a new role takes this page from you")
    at.button[1].click().run()  # confirmed: refused all the same
    assert "At least one active administrator must remain" in at.error[0].value


def test_a_change_to_ones_own_account_is_said_first_and_the_sign_in_screen_says_why(store):
    # an admin who re-passworded themselves was signed out with "by signing out in another tab ... or by an
    # administrator"; one who demoted themselves lost the page without a word
    create_user(store, "bo", "admin password 2", "admin")
    at = admin_page()
    at.selectbox[1].set_value("ada")
    at.text_input[2].set_value("a newer password 4")
    at.button[1].click().run()
    assert at.warning[0].value.startswith("This is your own account: a new password signs you out here and "
                                          "everywhere.")
    assert authenticate(store, "ada", "admin password 1") is not None  # not yet
    at.button[1].click().run()  # Apply again, as it says
    assert authenticate(store, "ada", "a newer password 4") == ADMIN
    assert at.session_state["medapp_own_password"] is True
    signed_out = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    signed_out.session_state["medapp_revoked"] = True  # what the session check sets when the token was revoked
    signed_out.session_state["medapp_own_password"] = True
    signed_out.run()
    assert [i.value for i in signed_out.info] == ["You changed your own password: sign in with the new one."]
    assert not signed_out.warning


def _signed_in_app(username: str, role: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": username, "role": role}
    at.session_state["medapp_last_seen"] = time.time()
    return at.run()


# AppTest reruns the page a run finished on rather than app.py, so "the next click" of an open
# session is a fresh run of app.py with that session's state.
def test_disabling_an_account_signs_its_open_session_out(store):
    create_user(store, "bob", "clinician pw 1", "clinician")
    at = _signed_in_app("bob", "clinician")
    assert any("Signed in as **bob**" in c.value for c in at.sidebar.caption)
    update_user(store, ADMIN, "bob", active=False)
    at = _signed_in_app("bob", "clinician")
    assert "medapp_user" not in at.session_state
    assert "account was disabled" in at.warning[0].value
    assert [e["action"] for e in store.audit_events(username="bob")][0] == "logout.disabled"


def test_a_role_change_reaches_an_open_session(store):
    create_user(store, "rui", "reviewer pw 12", "reviewer")
    update_user(store, ADMIN, "rui", role="clinician")
    at = _signed_in_app("rui", "reviewer")
    assert at.session_state["medapp_user"] == {"username": "rui", "role": "clinician"}
    assert any("(clinician)" in c.value for c in at.sidebar.caption)


def test_single_sign_on_maps_the_identity_to_an_account(store):
    create_user(store, "sso.user@example.org", "long enough pw", "reviewer")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                           "client_id": "medapp", "client_secret": "s",
                           "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}}
    at.user = {"is_logged_in": True, "email": "SSO.User@example.org"}
    at.run()
    assert at.session_state["medapp_user"] == {"username": "sso.user@example.org", "role": "reviewer"}
    [event] = store.audit_events(action="login")
    assert event["username"] == "sso.user@example.org" and event["detail"] == {"method": "sso"}


def test_single_sign_on_without_an_account_is_refused(store):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                           "client_id": "medapp", "client_secret": "s",
                           "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}}
    at.user = {"is_logged_in": True, "email": "stranger@example.org"}
    at.run()
    assert "medapp_user" not in at.session_state
    assert "no active medapp account" in at.error[0].value
    assert any(b.label == "Sign in with single sign-on" for b in at.button)


def test_audit_trail_names_the_case_reference(store):
    case_id = store.create_case("WARD7-0042", {"username": "ada", "role": "admin"})
    store.set_status(case_id, {"username": "ada", "role": "admin"}, "in review")
    at = admin_page()
    at.selectbox(key="audit_action").set_value("case.status").run()
    audit = at.dataframe[1].value
    assert list(audit["target"]) == ["case WARD7-0042"] and list(audit["detail"]) == ["old: open · new: in review"]


def test_a_refused_new_user_keeps_the_form_and_the_vocabulary_has_its_own_tab(store):
    # clear_on_submit wiped the name and role when the password was refused; the vocabulary showed under every tab
    at = admin_page()
    at.text_input[0].set_value("Rui")
    at.selectbox[0].set_value("reviewer")
    at.text_input[1].set_value("short")
    at.button[0].click().run()
    assert "at least 10 characters" in at.error[0].value
    assert at.text_input[0].value == "Rui" and at.selectbox[0].value == "reviewer"
    assert [t.label for t in at.tabs] == ["Users", "Audit trail", "API tokens", "PACS", "Dictation vocabulary",
                                          "Erase"]


def test_add_user_stopped_by_the_next_click_right_after_the_write_is_still_confirmed_and_emptied(store, monkeypatch):
    """A browser re-check: Add user, then Apply 0-250 ms later: the user was added, but the run was stopped at its
    next st.session_state write (Streamlit's check for a newer request), so no confirmation ever came and the form
    kept the name and password (10 of 10); pressing Add user again said the user exists. The confirmation and
    the new form's round are now written without a yield point."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException
    from streamlit.runtime.state.safe_session_state import SafeSessionState

    at = admin_page()
    at.text_input[0].set_value("Cleo")
    at.text_input[1].set_value("clinician pw 1")
    write = SafeSessionState.__setitem__

    def stopped_at_any_write(self, key, value):  # as a run is once the user's next click waits
        raise StopException()

    monkeypatch.setattr(SafeSessionState, "__setitem__", stopped_at_any_write)
    at.button[0].click().run()
    monkeypatch.setattr(SafeSessionState, "__setitem__", write)
    assert authenticate(store, "cleo", "clinician pw 1") is not None
    at.run()  # the next click's run
    assert not at.exception
    assert [m.value for m in at.success] == ["Added cleo as clinician."]
    assert at.text_input[0].value == "" and at.text_input[1].value == ""  # a fresh form


def test_every_audited_action_has_words():
    """The Admin table says each action in words: a new action without them would show its code alone."""
    import re
    from pathlib import Path

    from medapp.ui.audit_view import ACTION_WORDS

    source = "\n".join(p.read_text() for p in (Path(__file__).resolve().parents[2] / "medapp").rglob("*.py"))
    audited = set(re.findall(r"\baudit(?:_in)?\((?:s, |session, )?[^,()]+, \"([a-z_.]+)\"", source))
    audited |= set(re.findall(r"\"(api\.[a-z]+)\"", source))
    audited |= set(re.findall(r"\baudit_run\(\"([a-z_.]+)\"", source))  # the command line's runs (cli_audit)
    assert {"login", "login.failed", "verdict", "case.create", "api.infer", "cli.predict"} <= audited  # the scan finds them
    assert sorted(audited - set(ACTION_WORDS)) == []


def test_the_audit_view_says_when_it_shows_only_the_newest_events(store):
    """An IT review: a trail of 12,031 rows read "10000 events (newest first)", and its export held only those."""
    from sqlalchemy import insert

    from medapp.db.database import AUDIT_VIEW_LIMIT
    from medapp.db.tables import AuditEvent

    with store.Session.begin() as s:
        s.execute(insert(AuditEvent), [{"username": "api:ada", "action": "api.infer", "target": "model:diabetes",
                                        "detail": {"n": n}} for n in range(AUDIT_VIEW_LIMIT + 4)])
    at = admin_page()
    assert not at.exception
    total = store.audit_count()
    assert any(c.value.startswith(f"The newest 10,000 of {total:,} events that match: choose dates or an action to "
                                  "see the others, or export every one with `python -m medapp audit --format csv`")
               for c in at.caption), [c.value for c in at.caption]
