"""medapp entry point: page config, login gate, navigation over pages/."""
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import streamlit as st  # noqa: E402

st.set_page_config(page_title="medapp", page_icon=":material/stethoscope:", layout="wide")

PAGES = Path(__file__).parent / "pages"
# (file, title, icon); a modality page appears once its file exists.
NAVIGATION = {
    "Analyse": [("home.py", "Home", ":material/home:"), ("records.py", "Case records", ":material/table:"),
                ("imaging.py", "Imaging", ":material/radiology:"), ("audio.py", "Heart & lung sounds", ":material/graphic_eq:"),
                ("notes.py", "Clinical notes", ":material/description:")],
    "Review": [("cases.py", "Cases", ":material/folder_shared:"), ("meeting.py", "Meeting mode", ":material/co_present:")],
    "About": [("models.py", "Models", ":material/model_training:"), ("admin.py", "Admin", ":material/admin_panel_settings:")],
}

pages = {
    section: [st.Page(str(PAGES / f), title=t, icon=i, default=(f == "home.py")) for f, t, i in items if (PAGES / f).exists()]
    for section, items in NAVIGATION.items()
}
st.navigation({k: v for k, v in pages.items() if v}).run()
