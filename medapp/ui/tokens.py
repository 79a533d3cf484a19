"""Admin section: API tokens of the inference service (create, shown once; list; revoke)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..cases.store import CaseStore
from ..security.accounts import list_users
from ..security.tokens import TokenError, create_token, list_tokens, revoke_token
from .audit_view import time_text
from .presses import flash, pressed

_SHOWN = "admin_new_api_token"
_PICK = "api_token_pick"
_REVOKED = "api_token_revoked"  # the confirmation, kept over the rerun that redraws the table

# The token table's columns as people read them (the frame keeps the list's keys). Eleven raw columns ran off the
# right of the page: "created by" joins "created" and the revocation time joins "state".
TOKEN_COLUMNS = {"id": "id", "user": "user", "label": "for", "state": "state", "may_save_cases": "saves",
                 "rate_per_minute": "calls/min", "created_at": "created", "expires_at": "expires",
                 "prefix": "starts with"}


def tokens_frame(tokens: list[dict]) -> pd.DataFrame:
    """The tokens as the table shows them: no raw None ("default", "never") and times as "2026-12-03 12:03 UTC";
    the column headers come from `token_columns`."""
    frame = pd.DataFrame(tokens, columns=[*TOKEN_COLUMNS, "created_by", "revoked_at"])
    frame["rate_per_minute"] = [f"{int(r)}" if r is not None and not pd.isna(r) else "default"
                                for r in frame["rate_per_minute"]]
    frame["label"] = frame["label"].fillna("").astype(str)
    frame["state"] = [f"revoked {time_text(r)}" if state == "revoked" and r is not None else state
                      for state, r in zip(frame["state"], frame["revoked_at"])]
    frame["created_at"] = [f"{time_text(t)} by {who}" if who else time_text(t)
                           for t, who in zip(frame["created_at"], frame["created_by"])]
    frame["expires_at"] = [time_text(t, "never") for t in frame["expires_at"]]
    frame["prefix"] = [f"{p}…" if p else "" for p in frame["prefix"]]
    return frame[list(TOKEN_COLUMNS)]


def token_columns() -> dict:
    """column_config of the token table: readable headers; the columns are sized to their text (fixed widths cut
    "created ... by reviewer" short) and few enough to fit the page (eleven were cut off on the right)."""
    config = {key: st.column_config.TextColumn(name) for key, name in TOKEN_COLUMNS.items()}
    config["id"] = st.column_config.NumberColumn("id", width=36)
    config["may_save_cases"] = st.column_config.CheckboxColumn(
        "saves", width=52, help="May save analyses to cases")
    config["rate_per_minute"] = st.column_config.TextColumn(
        "calls/min", help="Calls per minute: the service default unless a limit was set for the token")
    return config


def api_tokens_panel(store: CaseStore, admin: dict) -> None:
    st.caption("Bearer tokens for the HTTP inference service (`python -m medapp serve`). A token acts with its "
               "user's role; it is shown once and stored only as a hash. Every call is in the audit trail.")
    new = st.session_state.get(_SHOWN)
    if new:
        st.success(f"Token {new['id']} for {new['user']} created. Copy it now: it will not be shown again.")
        # the secret is drawn above the form, out of sight at 1366x768 after Create: a toast says where it is
        if not new.get("toasted"):  # once, not on every run while the secret is shown
            st.toast(f"Token {new['id']} created: copy it from the top of this tab now.", icon=":material/key:")
            new["toasted"] = True
        st.code(new["secret"], language=None)
        if st.button("I have stored it", key="api_token_done"):
            st.session_state.pop(_SHOWN, None)
            st.rerun()
    if revoked := st.session_state.pop(_REVOKED, None):
        st.success(revoked, icon=":material/block:")
        # the next revocation is confirmed again: a new box (popping the old one's state left it ticked in the
        # browser, and the next click revoked the next token unconfirmed)
        st.session_state["api_token_round"] = st.session_state.get("api_token_round", 0) + 1
    tokens = list_tokens(store)
    st.dataframe(tokens_frame(tokens), hide_index=True, width="stretch", key="api_tokens_table",
                 column_config=token_columns())
    left, right = st.columns(2)
    with left.form("api_token_create", clear_on_submit=True):
        st.markdown("**Create a token**")
        users = [u["username"] for u in list_users(store) if u["active"]]
        # no default: the first user by name was preselected, so a token was easily made for the wrong person (a
        # review); a token acts as the user it is made for
        user = st.selectbox("For user", users, index=None, placeholder="Choose the user the token acts as",
                            key="api_token_user")
        label = st.text_input("What it is for", placeholder="e.g. EHR integration", key="api_token_label")
        days = st.number_input("Expires after (days)", min_value=1, max_value=3650, value=90, key="api_token_days")
        may_save = st.checkbox("May save analyses to cases", value=True, key="api_token_cases")
        rate = st.number_input("Calls per minute (0: the service default)", min_value=0, value=0,
                               key="api_token_rate")
        create = pressed("Create token", key="api_token_create_go", form=True)
        if create and user is None:
            st.error("Choose the user the token acts as (For user); no token was created.")
        elif create:
            try:
                token_id, secret = create_token(store, admin, user or "", expires_days=float(days), label=label,
                                                may_save_cases=may_save, rate_per_minute=int(rate) or None)
            except TokenError as exc:
                st.error(str(exc))
            else:
                # kept (no yield point) until "I have stored it": a secret lost here is never shown again
                flash(_SHOWN, f"Token {token_id} for {user} created: copy it now from Admin, API tokens.",
                      value={"id": token_id, "user": user, "secret": secret}, keep=True)
                st.rerun()
    with right.form("api_token_revoke"):
        st.markdown("**Revoke a token**")
        # the same list as the table above. The box kept the choice of an earlier run: made while there was no
        # token, it said "no active tokens" beside a table listing the token just created. A choice that is not
        # an active token now is replaced by the first active one.
        # a disabled user's token too (refused, but revoked for good); no trailing "·" for a token without a label
        active = {t["id"]: " · ".join([str(t["id"]), t["user"], f"{t['prefix']}…", *([t["label"]] if t["label"] else [])])
                  for t in tokens if t["state"] in ("active", "user disabled")}
        if st.session_state.get(_PICK) not in active:
            st.session_state[_PICK] = next(iter(active), None)
        choice = st.selectbox("Token", list(active), format_func=active.get, placeholder="no active tokens",
                              key=_PICK)
        # one click revoked at once, and the success message vanished with the rerun
        sure = st.checkbox("Revoke now: the system using it is refused from its next call",
                           key=f"api_token_sure_{st.session_state.get('api_token_round', 0)}")
        if pressed("Revoke", key="api_token_revoke_go", form=True):
            if choice is None:
                st.error("There is no active token to revoke.")
            elif not sure:
                st.error("Tick the box to confirm: a revoked token cannot be used again.")
            else:
                revoke_token(store, admin, choice)
                flash(_REVOKED, f"Revoked token {active[choice]}. Calls with it are now refused (401).")
                st.rerun()
