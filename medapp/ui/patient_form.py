"""The one-patient form of the Case records page, shared by the risk (records) and survival panels.

A field per card feature in three columns, "Load example patient" and "Clear form" buttons, and an
empty field that reads "not measured" (never a number's minimum). Each panel keeps its own widget keys
(`FormKeys`), so forms of two models, or a form and its what-if box, never share a value.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ..modalities.records.schema import NOT_MEASURED, Field, format_value


@dataclass(frozen=True)
class FormKeys:
    field: str  # prefix of each field's widget key: f"{field}_{model id}_{feature}"
    example: str  # prefix of the example button's key
    clear: str  # prefix of the clear button's key
    form: str  # prefix of the form's key
    submit: str  # the submit button's label
    values: str  # prefix of the session-state key that remembers the submitted values
    result: str  # prefix handed to the result panel for its widget keys


def field_key(keys: FormKeys, model, f: Field) -> str:
    return f"{keys.field}_{model.card.id}_{f.name}"


def _fill_example(model, keys: FormKeys) -> None:
    typical = model.card.input["typical"]
    for f in model.fields:
        v = float(typical[f.name])
        st.session_state[field_key(keys, model, f)] = format_value(f, v) if f.kind == "category" else v


def _clear(model, keys: FormKeys) -> None:
    for f in model.fields:
        st.session_state[field_key(keys, model, f)] = NOT_MEASURED if f.kind == "category" else None


def field_widget(f: Field, key: str | None = None, value: Any = None):
    """One field: a select box for a category, a number box for a number; empty or "not measured" means
    the value was not given (`submitted_values` turns both into None)."""
    help_text = f.help or None
    if f.kind == "category":
        options = [NOT_MEASURED] + [str(label) for _, label in f.choices]
        kwargs = {} if key is not None and key in st.session_state else {
            "index": options.index(format_value(f, value)) if value is not None else 0}
        return st.selectbox(f.label, options, key=key, help=help_text, **kwargs)
    unit = f" ({f.unit})" if f.unit else ""
    rng = f"valid {f.min:g}-{f.max:g}" if f.min is not None else ""
    # value=None (not Streamlit's default "min") keeps the field clearable: emptied, it reads "not measured"
    # instead of snapping to its minimum. When the session state holds the value, None adds no default.
    kwargs = {"value": None if key is not None and key in st.session_state else value}
    return st.number_input(f"{f.label}{unit}", min_value=float(f.min) if f.min is not None else None,
                           max_value=float(f.max) if f.max is not None else None, step=float(f.step),
                           format="%g", key=key, help=" · ".join(x for x in (help_text, rng, "empty = not measured") if x),
                           placeholder=NOT_MEASURED, **kwargs)


def submitted_values(raw: dict) -> dict:
    return {name: (None if v in (None, NOT_MEASURED) else v) for name, v in raw.items()}


def patient_form(model, keys: FormKeys) -> dict | None:
    """The form; returns the submitted field values (None when not submitted)."""
    c1, c2, _ = st.columns([1.4, 1, 3])
    c1.button("Load example patient", on_click=_fill_example, args=(model, keys), key=f"{keys.example}_{model.card.id}",
              help="Fills the form with a typical patient from the training data (for demonstrations).")
    c2.button("Clear form", on_click=_clear, args=(model, keys), key=f"{keys.clear}_{model.card.id}")
    with st.form(f"{keys.form}_{model.card.id}", border=True):
        cols = st.columns(3)
        raw = {}
        for i, f in enumerate(model.fields):
            with cols[i % 3]:
                raw[f.name] = field_widget(f, key=field_key(keys, model, f))
        submitted = st.form_submit_button(keys.submit, type="primary")
    return submitted_values(raw) if submitted else None


def one_patient(model, keys: FormKeys, result_panel: Callable[..., None]) -> None:
    """The form, then the result of the last submitted values: it stays when the page reruns for another
    widget (a what-if value, a Save) and when the user comes back to the page."""
    submitted = patient_form(model, keys)
    state_key = f"{keys.values}_{model.card.id}"
    if submitted is not None:
        st.session_state[state_key] = submitted
    if state_key in st.session_state:
        result_panel(model, st.session_state[state_key], key=f"{keys.result}_{model.card.id}")
