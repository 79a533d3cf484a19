"""'Save to case' widget shared by every modality page, and the audit of analyses run."""
from __future__ import annotations

import streamlit as st

from ..cases.store import PermissionDenied, StoreError
from ..types import Explanation, ModelCard, Prediction
from .auth import current_user, get_store


def log_analysis(card: ModelCard, prediction: Prediction, input_key: str) -> None:
    """Audit an analysis once per session and input (a rerun of the same page is not a new analysis)."""
    user = current_user()
    seen = st.session_state.setdefault("medapp_logged_analyses", set())
    marker = (card.id, card.version, input_key)
    if user is None or marker in seen:
        return
    seen.add(marker)
    get_store().audit(user["username"], "analysis.run", f"model:{card.id}", version=card.version,
                      label=prediction.label, input=input_key[:16])


def save_to_case(*, card: ModelCard, prediction: Prediction, explanation: Explanation | None,
                 input_bytes: bytes, input_name: str, key: str) -> None:
    """Save this analysis to a new or an existing (open) case."""
    user = current_user()
    if user is None:
        return
    store = get_store()
    with st.popover("Save to case", icon=":material/save:"):
        open_cases = [c for c in store.list_cases() if c["status"] != "closed"]
        mode = st.radio("Case", ["New case", "Existing case"], horizontal=True, key=f"case_mode_{key}",
                        index=1 if open_cases else 0)
        if mode == "New case":
            reference = st.text_input("Pseudonymous case reference", key=f"case_ref_{key}",
                                      help="A study or ward code. Never the patient's name or record number.")
            title = st.text_input("Short title (optional)", key=f"case_title_{key}")
        else:
            # Chosen by id: the label (analysis count, status) changes with every save.
            labels = {c["id"]: f"{c['reference']} · {c['status']} · {c['analyses']} analyses" for c in open_cases}
            if st.session_state.get(f"case_pick_{key}") not in labels:
                st.session_state.pop(f"case_pick_{key}", None)
            choice = st.selectbox("Case", list(labels), format_func=labels.get, key=f"case_pick_{key}",
                                  placeholder="no open cases")
        if st.button("Save", key=f"case_save_{key}", type="primary"):
            try:
                if mode == "New case":
                    target = {"case_id": None, "new_case": (reference, title)}
                elif choice is None:
                    raise StoreError("There is no open case yet: create a new one.")
                else:
                    target = {"case_id": choice}
                analysis_id = store.add_analysis(user=user, card=card, prediction=prediction,
                                                 explanation=explanation, input_bytes=input_bytes,
                                                 input_name=input_name, **target)
            except (StoreError, PermissionDenied) as exc:
                st.error(str(exc))
            else:
                st.success(f"Saved as analysis #{analysis_id} in case {store.case_of(analysis_id)['reference']}.")
