"""Admin section: API tokens of the inference service (create, shown once; list; revoke)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..cases.store import CaseStore
from ..security.accounts import list_users
from ..security.tokens import TokenError, create_token, list_tokens, revoke_token

_SHOWN = "admin_new_api_token"


def api_tokens_panel(store: CaseStore, admin: dict) -> None:
    st.caption("Bearer tokens for the HTTP inference service (`python -m medapp serve`). A token acts with its "
               "user's role; it is shown once and stored only as a hash. Every call is in the audit trail.")
    new = st.session_state.get(_SHOWN)
    if new:
        st.success(f"Token {new['id']} for {new['user']} created. Copy it now: it will not be shown again.")
        st.code(new["secret"], language=None)
        if st.button("I have stored it", key="api_token_done"):
            st.session_state.pop(_SHOWN, None)
            st.rerun()
    tokens = list_tokens(store)
    columns = ["id", "user", "prefix", "label", "state", "may_save_cases", "rate_per_minute", "created_by",
               "created_at", "expires_at", "revoked_at"]
    st.dataframe(pd.DataFrame(tokens, columns=columns), hide_index=True, width="stretch", key="api_tokens_table")
    left, right = st.columns(2)
    with left.form("api_token_create", clear_on_submit=True):
        st.markdown("**Create a token**")
        users = [u["username"] for u in list_users(store) if u["active"]]
        user = st.selectbox("For user", users, key="api_token_user")
        label = st.text_input("What it is for", placeholder="e.g. EHR integration", key="api_token_label")
        days = st.number_input("Expires after (days)", min_value=1, max_value=3650, value=90, key="api_token_days")
        may_save = st.checkbox("May save analyses to cases", value=True, key="api_token_cases")
        rate = st.number_input("Calls per minute (0: the service default)", min_value=0, value=0,
                               key="api_token_rate")
        if st.form_submit_button("Create token"):
            try:
                token_id, secret = create_token(store, admin, user or "", expires_days=float(days), label=label,
                                                may_save_cases=may_save, rate_per_minute=int(rate) or None)
            except TokenError as exc:
                st.error(str(exc))
            else:
                st.session_state[_SHOWN] = {"id": token_id, "user": user, "secret": secret}
                st.rerun()
    with right.form("api_token_revoke"):
        st.markdown("**Revoke a token**")
        active = {t["id"]: f"{t['id']} · {t['user']} · {t['prefix']}… · {t['label']}" for t in tokens
                  if t["state"] == "active"}
        choice = st.selectbox("Token", list(active), format_func=active.get, placeholder="no active tokens",
                              key="api_token_pick")
        if st.form_submit_button("Revoke"):
            if choice is None:
                st.error("There is no active token to revoke.")
            else:
                revoke_token(store, admin, choice)
                st.success(f"Revoked token {choice}.")
                st.rerun()
