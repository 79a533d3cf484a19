"""AppTest: a setting that cannot be used is said in place of every page (an IT review: a timeout of "30m" showed
Streamlit's crash box on every page)."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]


def test_the_app_says_which_settings_to_correct_in_place_of_every_page(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MEDAPP_UID_ROOT", "1.2.03")
    monkeypatch.setenv("MEDAPP_SESSION_TIMEOUT_MIN", "30m")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("medapp cannot start: ask the administrator to correct its settings.")
    assert "- MEDAPP_SESSION_TIMEOUT_MIN='30m' is not a number of minutes" in error.value
    assert "- The setting MEDAPP_UID_ROOT '1.2.03'" in error.value
    assert not at.text_input  # no sign-in form under it
