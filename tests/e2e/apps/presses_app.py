"""A form whose Add user press the user's next click overtakes, run by tests/e2e/test_presses_e2e.py.

It installs the app's own runtime patch and, once (PRESSES_SLOW names a file), makes the run that a press
started wait 2 s before it reaches the form, as a heavy page on a loaded machine does, so the test can click
again in that moment. Every Add user carried out is written to PRESSES_LOG with the name it was given."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ["PRESSES_REPO"])

import streamlit as st

from medapp.ui.presses import finish_run, pressed, start_run
from medapp.ui.runtime import carry_unhandled_clicks

carry_unhandled_clicks()
SLOW, DONE = Path(os.environ["PRESSES_SLOW"]), Path(os.environ["PRESSES_LOG"])

start_run("Admin")
if st.session_state.get("name") and SLOW.exists():  # the form's values arrive with its submit
    SLOW.unlink()
    time.sleep(2.0)
hide = st.checkbox("Hide the form", key="hide")
st.button("Something else", key="other")
if not hide:
    with st.form("add", clear_on_submit=True):
        name = st.text_input("User name", key="name")
        if pressed("Add user", key="add_go", form=True):
            with DONE.open("a") as log:
                log.write(f"added {name}\n")
            st.success(f"Added {name}.")
finish_run()
