"""API tokens in the store on SQLite and PostgreSQL (the 0002_service migration on both): hashed,
owned, acting with the owner's current role, expiring, revocable, audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.security.accounts import create_user, update_user
from medapp.security.roles import PermissionDenied
from medapp.security.tokens import (
    ApiToken,
    TokenError,
    authenticate_token,
    create_token,
    hash_secret,
    list_tokens,
    revoke_token,
    why_refused,
)

ADMIN = {"username": "ada", "role": "admin"}


@pytest.fixture
def store(database_url, tmp_path):
    store = CaseStore(database_url, BlobStore(tmp_path / "blobs"))
    create_user(store, "ada", "admin password 1", "admin")
    create_user(store, "cleo", "clinic password 1", "clinician")
    return store


def test_token_is_stored_hashed_and_acts_with_the_users_current_role(store):
    token_id, secret = create_token(store, ADMIN, "Cleo", expires_days=7, label="EHR")
    with store.Session() as s:
        row = s.get(ApiToken, token_id)
        assert row.secret_sha256 == hash_secret(secret) and secret not in str(vars(row))
    caller = authenticate_token(store, secret)
    assert (caller.username, caller.role, caller.may_save_cases) == ("cleo", "clinician", True)
    update_user(store, ADMIN, "cleo", role="reviewer")
    assert authenticate_token(store, secret).role == "reviewer"
    assert authenticate_token(store, secret + "x") is None and authenticate_token(store, "") is None


def test_disabling_a_user_revokes_their_tokens_for_good(store):
    """Re-enabling an account revived its old tokens while its browser sessions stayed ended (a security review):
    disabling now revokes them, audited with the reason; the re-enabled user needs a new token."""
    token_id, secret = create_token(store, ADMIN, "cleo")
    update_user(store, ADMIN, "cleo", active=False)
    assert authenticate_token(store, secret) is None
    update_user(store, ADMIN, "cleo", active=True)
    assert authenticate_token(store, secret) is None and list_tokens(store)[0]["state"] == "revoked"
    revoked = [e for e in store.audit_events() if e["action"] == "token.revoke"]
    assert [(e["target"], e["detail"]["reason"]) for e in revoked] == [(f"token:{token_id}", "account disabled")]
    _, fresh = create_token(store, ADMIN, "cleo")
    assert authenticate_token(store, fresh).username == "cleo"


def test_a_token_of_a_user_disabled_before_tokens_were_revoked_is_refused_and_listed_so(store):
    """A database from before disabling revoked tokens: the token is still refused while the user is disabled."""
    _, secret = create_token(store, ADMIN, "cleo")
    with store.Session.begin() as s:
        s.execute(text("UPDATE users SET active = false WHERE username = 'cleo'"))
    assert authenticate_token(store, secret) is None
    assert list_tokens(store)[0]["state"] == "user disabled"  # listed so (they read "active")


def test_expiry_revocation_and_who_may_manage_tokens(store):
    token_id, secret = create_token(store, ADMIN, "cleo", expires_days=1)
    with store.Session.begin() as s:
        s.execute(select(ApiToken).where(ApiToken.id == token_id)).scalar_one().expires_at -= timedelta(days=2)
    assert authenticate_token(store, secret) is None
    assert list_tokens(store)[0]["state"] == "expired"
    other_id, other = create_token(store, ADMIN, "cleo", expires_days=None)
    assert authenticate_token(store, other) is not None
    assert revoke_token(store, ADMIN, other_id) is None  # revoked now
    assert authenticate_token(store, other) is None
    assert revoke_token(store, ADMIN, other_id).tzinfo is not None  # revoked already: when, nothing audited again
    assert [t["state"] for t in list_tokens(store)] == ["expired", "revoked"]
    with pytest.raises(PermissionDenied):
        create_token(store, {"username": "cleo", "role": "clinician"}, "cleo")
    with pytest.raises(TokenError, match="no user"):
        create_token(store, ADMIN, "nobody")
    with pytest.raises(TokenError, match="no token"):
        revoke_token(store, ADMIN, 999)
    actions = [e["action"] for e in store.audit_events()]
    assert actions.count("token.create") == 2 and actions.count("token.revoke") == 1
    with store.Session() as s:
        assert s.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 2


def test_a_refused_token_is_named_with_its_reason_for_the_audit(store):
    token_id, secret = create_token(store, ADMIN, "cleo")
    assert why_refused(store, secret) == {"token": token_id, "token_user": "cleo", "refused": "valid"}
    update_user(store, ADMIN, "cleo", active=False)
    assert authenticate_token(store, secret) is None
    assert why_refused(store, secret) == {"token": token_id, "token_user": "cleo", "refused": "revoked"}
    assert why_refused(store, secret[:-2] + "zz") == {"refused": "unknown token"}
    assert why_refused(store, "Basic abc") == {"refused": "not a medapp token"}


def test_a_users_audit_includes_api_calls_refused_with_their_token(store):
    """A revoked token still in use was invisible under `audit --user cleo`: the service writes the refused call as
    "api:anonymous" (the caller is unknown) and names the token's owner only in the detail (an IT review)."""
    token_id, secret = create_token(store, ADMIN, "cleo")
    revoke_token(store, ADMIN, token_id)
    refusal = why_refused(store, secret)
    # as the service writes them (medapp/service/app.py `audit`: the refusal over "token": None)
    store.audit("api:anonymous", "api.infer", "model:heart-disease", **{"token": None, "status": 401, **refusal})
    store.audit("api:anonymous", "api.infer", "model:heart-disease", token=None, status=401, refused="unknown token")
    cleos = store.audit_events(username="cleo", about_account=True)
    refused = [e for e in cleos if e["action"] == "api.infer"]
    assert [e["detail"]["refused"] for e in refused] == ["revoked"]
    assert refused[0]["username"] == "api:anonymous" and refused[0]["detail"]["token"] == token_id
    assert not [e for e in store.audit_events(username="ada", about_account=True) if e["action"] == "api.infer"]
