"""A widget callback runs to its end even when the user's next click is already waiting.

Streamlit abandons a callback at its first st.session_state read or write once a newer request is waiting
(SafeSessionState calls its yield hook, which raises). A CI run clicked *Load example patient* and at once
*Estimate risk*: the example's callback was abandoned before it filled the form, and the estimate was of the
empty form ("No values were entered"). These tests stand in a session whose hook raises, as it does then."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import streamlit as st
import streamlit.runtime.state as runtime_state
from streamlit.runtime.state import session_state_proxy
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState

from medapp.registry import load_model
from medapp.ui import case_records
from medapp.ui.state import KEPT, whole_callback

REPO = Path(__file__).resolve().parents[1]


class NextClickWaiting(Exception):
    """What Streamlit's yield hook raises (a RerunException) when the user's next click is waiting."""


def _raise() -> None:
    raise NextClickWaiting


@pytest.fixture
def click_waiting(monkeypatch) -> SafeSessionState:
    """A session in which every st.session_state access, outside a whole callback, finds the next click waiting."""
    safe = SafeSessionState(SessionState(), _raise)
    monkeypatch.setattr(session_state_proxy, "get_session_state", lambda: safe)
    monkeypatch.setattr(runtime_state, "get_session_state", lambda: safe)
    return safe


def test_streamlit_abandons_a_plain_callback_at_its_first_session_state_read(click_waiting):
    def plain() -> None:
        st.session_state["filled"] = True

    with pytest.raises(NextClickWaiting):  # why whole_callback exists: this Streamlit behaviour
        plain()
    assert "filled" not in click_waiting._state


def test_a_whole_callback_finishes_and_the_hook_is_back_afterwards(click_waiting):
    @whole_callback
    def fill() -> None:
        st.session_state["a"] = 2
        st.session_state["b"] = st.session_state["a"] * 21

    fill()
    assert click_waiting._state["b"] == 42
    with pytest.raises(NextClickWaiting):  # the next st.session_state access yields again
        st.session_state.get("a")


def test_the_hook_is_back_after_a_callback_that_raised(click_waiting):
    @whole_callback
    def broken() -> None:
        raise ValueError("bug")

    with pytest.raises(ValueError):
        broken()
    with pytest.raises(NextClickWaiting):
        st.session_state.get("a")


def test_load_example_patient_fills_the_form_with_the_next_click_waiting(click_waiting):
    model = load_model("heart-disease")
    keys = case_records.FormKeys(field="rec", form="one", example="ex", clear="clear", submit="Estimate risk", values="vals",
                                 result="res")
    case_records._fill_example(model, keys)
    state = click_waiting._state
    assert state[f"medapp_form_generation_one_{model.card.id}"] == 1  # the form is drawn under new keys
    age = f"rec_{model.card.id}_age.1"
    assert state[age] == model.card.input["typical"]["age"] == state[KEPT][age]
    case_records._clear(model, keys)
    assert state[f"rec_{model.card.id}_age.2"] is None


def _callbacks_and_whole_functions() -> tuple[list[tuple[str, int, ast.expr]], set[str]]:
    """Every on_click/on_change value in medapp/ui and pages (file, line, expression), and the names of the functions
    there decorated with whole_callback."""
    callbacks, whole = [], set()
    for path in sorted([*(REPO / "medapp" / "ui").glob("*.py"), *(REPO / "pages").glob("*.py"), REPO / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Name) and d.id == "whole_callback" for d in node.decorator_list):
                whole.add(node.name)
            if isinstance(node, ast.Call):
                callbacks += [(path.name, node.lineno, k.value) for k in node.keywords
                              if k.arg in ("on_click", "on_change")]
    return callbacks, whole


# Callbacks that are not medapp's code: Streamlit's own rerun and sign-in, and a set's add (C, no Streamlit call).
NOT_OURS = {"'rerun'", "st.login", "pressed.add"}


def test_every_callback_of_ours_runs_whole():
    callbacks, whole = _callbacks_and_whole_functions()
    assert len(callbacks) >= 20, callbacks  # the scan found the app's buttons
    cut = [f"{name}:{line} {ast.unparse(value)}" for name, line, value in callbacks
           if ast.unparse(value) not in NOT_OURS and not (isinstance(value, ast.Name) and value.id in whole)]
    assert not cut, f"callbacks Streamlit can abandon half-way (decorate them with ui.state.whole_callback): {cut}"
