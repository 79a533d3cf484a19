"""'Save to case' widget shared by every modality page, and the audit of analyses run."""
from __future__ import annotations

import hashlib

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


def _save(key: str, user: dict, payload: dict) -> None:
    """Button callback: runs before the next script run; the outcome is kept under `case_saved_<key>` and shown
    under the Save button. (Streamlit still abandons it at its first st.session_state read when the user's next
    click is already waiting, as it did verdicts: see medapp/ui/review.py `_verdict_book`.)"""
    mode = st.session_state.get(f"case_mode_{key}", "New case")
    store = get_store()
    done = st.session_state.setdefault("medapp_saved", {})
    try:
        if mode == "New case":
            reference = st.session_state.get(f"case_ref_{key}", "")
            marker = (payload["card"].id, payload["digest"], "new", reference.strip())
            if marker in done:  # the same save clicked twice: already stored once
                st.session_state[f"case_saved_{key}"] = ("success", done[marker])
                return
            target = {"case_id": None, "new_case": (reference, st.session_state.get(f"case_title_{key}", ""))}
        else:
            choice = st.session_state.get(f"case_pick_{key}")
            if choice is None:
                raise StoreError("There is no open case yet: create a new one.")
            marker = (payload["card"].id, payload["digest"], "case", choice)
            target = {"case_id": choice}
        analysis_id, created = store.save_analysis(user=user, **{k: v for k, v in payload.items() if k != "digest"},
                                                   **target)
    except (StoreError, PermissionDenied) as exc:
        st.session_state[f"case_saved_{key}"] = ("error", str(exc))
    else:
        reference = store.case_of(analysis_id)["reference"]
        text = (f"Saved as analysis #{analysis_id} in case {reference}." if created else
                f"Already saved as analysis #{analysis_id} in case {reference}; stored once.")
        done[marker] = text
        st.session_state[f"case_saved_{key}"] = ("success", text)


def save_to_case(*, card: ModelCard, prediction: Prediction, explanation: Explanation | None,
                 input_bytes: bytes, input_name: str, key: str) -> None:
    """Save this analysis to a new or an existing (open) case."""
    user = current_user()
    if user is None:
        return
    store = get_store()
    # Inline, not a popover: a popover floats over the page and is placed by the browser at the moment it opens
    # (it was reported opening below the screen); an expander is part of the page, which grows and scrolls.
    with st.expander("Save to case", icon=":material/save:"):
        open_cases = [c for c in store.list_cases() if c["status"] != "closed"]
        mode = st.radio("Case", ["New case", "Existing case"], horizontal=True, key=f"case_mode_{key}",
                        index=1 if open_cases else 0)
        if mode == "New case":
            st.text_input("Pseudonymous case reference", key=f"case_ref_{key}",
                          help="A study or ward code. Never the patient's name or record number.")
            st.text_input("Short title (optional)", key=f"case_title_{key}")
        else:
            # Chosen by id: the label (analysis count, status) changes with every save.
            labels = {c["id"]: f"{c['reference']} · {c['status']} · {c['analyses']} analyses" for c in open_cases}
            if st.session_state.get(f"case_pick_{key}") not in labels:
                st.session_state.pop(f"case_pick_{key}", None)
            st.selectbox("Case", list(labels), format_func=labels.get, key=f"case_pick_{key}",
                         placeholder="no open cases")
        payload = {"card": card, "prediction": prediction, "explanation": explanation, "input_bytes": input_bytes,
                   "input_name": input_name, "digest": hashlib.sha256(input_bytes).hexdigest()}
        st.button("Save", key=f"case_save_{key}", type="primary", on_click=_save, args=(key, user, payload))
        kind, text = st.session_state.pop(f"case_saved_{key}", (None, None))
        if kind == "success":
            st.success(text)
        elif kind == "error":
            st.error(text)
