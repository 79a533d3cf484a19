"""AppTest of the Admin page's API tokens tab: a token is shown once, works, and can be revoked."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore
from medapp.security.accounts import create_user
from medapp.security.tokens import authenticate_token, list_tokens

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    create_user(store, "ada", "admin password 1", "admin")
    create_user(store, "cleo", "clinic password 1", "clinician")
    return store


def test_admin_creates_a_token_shown_once_and_revokes_it(store):
    at = AppTest.from_file(str(REPO / "pages/admin.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "ada", "role": "admin"}
    at.run()
    # no user chosen for it: refused by name (the first user by name was preselected: a token for the wrong person)
    assert at.selectbox(key="api_token_user").value is None
    next(b for b in at.button if b.label == "Create token").click().run()
    assert at.error[0].value == "Choose the user the token acts as (For user); no token was created."
    assert list_tokens(store) == []
    at.selectbox(key="api_token_user").set_value("cleo")
    at.text_input(key="api_token_label").set_value("EHR")
    at.checkbox(key="api_token_cases").uncheck()
    next(b for b in at.button if b.label == "Create token").click().run()
    assert not at.exception
    secret = at.code[0].value
    caller = authenticate_token(store, secret)
    assert caller is not None and caller.username == "cleo" and not caller.may_save_cases
    [token] = list_tokens(store)
    assert token["label"] == "EHR" and token["state"] == "active" and secret not in str(token)
    at.button(key="api_token_done").click().run()
    assert not at.code  # shown once
    at.selectbox(key="api_token_pick").set_value(token["id"])
    next(b for b in at.button if b.label == "Revoke").click().run()  # not confirmed: nothing revoked
    assert at.error[0].value == "Tick the box to confirm: a revoked token cannot be used again."
    assert authenticate_token(store, secret) is not None
    at.checkbox(key="api_token_sure_0").check()
    next(b for b in at.button if b.label == "Revoke").click().run()
    assert at.success[0].value.startswith(f"Revoked token {token['id']} · cleo · ")  # said, after the rerun
    assert authenticate_token(store, secret) is None
    # the next one is confirmed again, in a new box (the old one's state was popped, and the browser kept it ticked)
    assert at.checkbox(key="api_token_sure_1").value is False
    assert "api_token_sure_0" not in [c.key for c in at.checkbox]
    assert list_tokens(store)[0]["state"] == "revoked"
    actions = {e["action"] for e in store.audit_events()}
    assert {"token.create", "token.revoke"} <= actions
