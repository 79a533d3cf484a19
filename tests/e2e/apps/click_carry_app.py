"""A page with two buttons and a fragment's button, run by tests/e2e/test_click_carry_e2e.py.

It installs the app's own `carry_unhandled_clicks` and, once, makes the handling of a click wait
(CLICK_CARRY_SLOW names a file; when it exists the next request with a click waits 2 s before its
state is applied), as a loaded machine does, so the test can send other requests in that moment."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ["CLICK_CARRY_REPO"])

import streamlit as st
from streamlit.runtime.state.safe_session_state import SafeSessionState

from medapp.ui.runtime import carry_unhandled_clicks

carry_unhandled_clicks()
SLOW, CLICKS = Path(os.environ["CLICK_CARRY_SLOW"]), Path(os.environ["CLICK_CARRY_LOG"])

if not getattr(SafeSessionState.on_script_will_rerun, "_waits_once", False):
    handle = SafeSessionState.on_script_will_rerun

    def waiting_once(self, fresh_widget_states, *args, **kwargs):
        clicked = fresh_widget_states is not None and any(w.trigger_value for w in fresh_widget_states.widgets)
        if clicked and SLOW.exists():
            SLOW.unlink()
            time.sleep(2.0)
        return handle(self, fresh_widget_states, *args, **kwargs)

    waiting_once._waits_once = True
    SafeSessionState.on_script_will_rerun = waiting_once


def clicked(name: str) -> None:
    with CLICKS.open("a") as log:
        log.write(name + "\n")


@st.fragment
def part_of_the_page() -> None:
    st.button("F", on_click=clicked, args=("F",))


part_of_the_page()
st.button("A", on_click=clicked, args=("A",))
st.button("B", on_click=clicked, args=("B",))
