"""medapp entry point: page config, login gate, navigation over pages/."""
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import streamlit as st

from medapp.settings_check import problems
from medapp.ui.auth import get_store, login_gate, sidebar_account
from medapp.ui.cases import complete_pending_saves
from medapp.ui.common import readable_page_style
from medapp.ui.dropped_sessions import release_dropped_sessions
from medapp.ui.meeting_lead import lead_kept_on_other_pages
from medapp.ui.outage import DATABASE_DOWN, database_down_page
from medapp.ui.presses import finish_run, start_run
from medapp.ui.runtime import carry_unhandled_clicks, keep_shared_keras_models
from medapp.ui.state import keep_page_state

st.set_page_config(page_title="medapp", page_icon=":material/stethoscope:", layout="wide")
readable_page_style()  # contrast and keyboard focus (medapp/ui/common.py)
keep_shared_keras_models()  # whatever imported Keras (medapp/ui/runtime.py says why)
carry_unhandled_clicks()  # a click the next click stopped is handled by the next run (medapp/ui/runtime.py)
release_dropped_sessions()  # closed tabs' uploads, which Streamlit keeps for good (medapp/ui/dropped_sessions.py)

PAGES = Path(__file__).parent / "pages"
# (file, title, icon, minimum role); a modality page appears once its file exists.
NAVIGATION = {
    "Analyse": [("home.py", "Home", ":material/home:", "clinician"),
                ("records.py", "Case records", ":material/table:", "clinician"),
                ("imaging.py", "Imaging", ":material/radiology:", "clinician"),
                ("audio.py", "Heart & lung sounds", ":material/graphic_eq:", "clinician"),
                ("notes.py", "Clinical notes", ":material/description:", "clinician"),
                ("genomics.py", "Gene expression", ":material/genetics:", "clinician")],
    "Review": [("cases.py", "Cases", ":material/folder_shared:", "clinician"),
               ("meeting.py", "Meeting mode", ":material/co_present:", "clinician")],
    "About": [("models.py", "Models", ":material/model_training:", "clinician"),
              ("admin.py", "Admin", ":material/admin_panel_settings:", "admin")],
}
ROLE_ORDER = ("clinician", "reviewer", "admin")


def main() -> None:
    # Before signing in, every page's address shows the sign-in screen (never "Page not found").
    user = login_gate(tuple(f.removesuffix(".py") for items in NAVIGATION.values() for f, *_ in items
                            if f != "home.py" and (PAGES / f).exists()))
    if user is None:
        st.stop()

    def _needs_role(title: str, role: str):
        def page() -> None:  # a page the user's role does not open: say so instead of "Page not found"
            st.title(title)
            st.error(f"This page needs the {role} role; you are signed in as {user['role']}.")
        return page

    pages = {
        section: [st.Page(str(PAGES / f), title=t, icon=i, default=(f == "home.py"))
                  if ROLE_ORDER.index(user["role"]) >= ROLE_ORDER.index(role) else
                  st.Page(_needs_role(t, role), title=t, icon=i, url_path=f.removesuffix(".py"), visibility="hidden")
                  for f, t, i, role in items if (PAGES / f).exists()]
        for section, items in NAVIGATION.items()
    }
    sidebar_account(user)
    keep_page_state()
    complete_pending_saves()  # a Save whose callback the user's next click cut short
    page = st.navigation({k: v for k, v in pages.items() if v})
    lead_kept_on_other_pages(get_store(), user, page.title)  # a presenter looking something up still leads
    start_run(page.title)
    page.run()
    finish_run()  # toasts for saves confirmed nowhere and presses not done (a page that stops early: stop_page)


# A setting that cannot be used is said in place of every page, to whoever opens it (medapp/settings_check.py): a
# timeout of "30m" showed Streamlit's crash box on every page (an IT review).
if settings_problems := problems():
    # Streamlit's own list of the files in pages/ would stand beside it: no page can open until this is corrected
    st.html("<style>[data-testid='stSidebarNav'],[data-testid='stSidebar']{display:none}</style>")
    st.error("medapp cannot start: ask the administrator to correct its settings.\n\n"
             + "\n".join(f"- {p}" for p in settings_problems), icon=":material/settings:")
    st.stop()
# A stopped or locked database (or a full disk) is said in words, never Streamlit's crash box (medapp/ui/outage.py).
try:
    main()
except DATABASE_DOWN as error:
    database_down_page(error)
