"""Fixtures shared by the AppTests."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore
from medapp.security.accounts import create_user

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def signed_in(tmp_path, monkeypatch) -> AppTest:
    """The whole app (app.py, its navigation and page state) on a fresh store, signed in through the real
    sign-in form as the clinician carla."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    create_user(CaseStore(), "carla", "clinician pw 1", "clinician")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180).run()
    at.text_input[0].set_value("carla")
    at.text_input[1].set_value("clinician pw 1")
    at.button[0].click().run()
    assert at.session_state["medapp_user"]["username"] == "carla"
    return at


@pytest.fixture
def one_case(tmp_path, monkeypatch):
    """A fresh store holding one case, MDT-1, with one heart-disease analysis: (store, case id, analysis id)."""
    from apptest_helpers import heart_disease_cases

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    [(case_id, analysis_id)] = heart_disease_cases(store, ("MDT-1",))
    return store, case_id, analysis_id
