"""Login gate and role checks for pages (accounts and audit arrive with issue 6).

Every page calls `require_role(...)` first. The signed-in user lives in
st.session_state["medapp_user"] as {"username": ..., "role": ...}; tests set it directly.
"""
from __future__ import annotations

import streamlit as st

ROLES = ("clinician", "reviewer", "admin")  # each role can do what the ones before it can


def require_role(role: str = "clinician") -> dict:
    """The signed-in user, or stop the page with a message when they lack `role`."""
    user = st.session_state.get("medapp_user")
    if user is None:  # TODO(issue 6): replaced by the real login gate
        user = {"username": "local", "role": "clinician"}
    if ROLES.index(user["role"]) < ROLES.index(role):
        st.error(f"This page needs the {role} role; you are signed in as {user['role']}.")
        st.stop()
    return user
