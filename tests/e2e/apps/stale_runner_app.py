"""Two pages, run by tests/e2e/test_stale_runner_e2e.py, with the app's runtime patch.

Once each (file flags), the run a button press started waits 2 s inside its set-up, just after taking its request
(as a runner preempted on a loaded machine does), and the next run waits 3 s at the top of the script, so that the
first run's set-up ends in the middle of the second run's, as it did under load."""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ["STALE_REPO"])

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from medapp.ui.runtime import carry_unhandled_clicks

carry_unhandled_clicks()
SETUP_SLOW, TOP_SLOW = Path(os.environ["STALE_SETUP_SLOW"]), Path(os.environ["STALE_TOP_SLOW"])

if not getattr(PagesManager.set_script_intent, "_slow_once", False):
    set_intent = PagesManager.set_script_intent

    def slow_once(self, *args, **kwargs):
        if SETUP_SLOW.exists():
            SETUP_SLOW.unlink()
            time.sleep(2.0)
        return set_intent(self, *args, **kwargs)

    slow_once._slow_once = True
    PagesManager.set_script_intent = slow_once

if TOP_SLOW.exists():
    TOP_SLOW.unlink()
    time.sleep(3.0)


def page_a() -> None:
    st.title("Page A")
    st.button("Go", key="go")


def page_b() -> None:
    st.title("Page B")


st.navigation([st.Page(page_a, title="First", url_path="first", default=True),
               st.Page(page_b, title="Second", url_path="second")]).run()
