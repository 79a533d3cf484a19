"""AppTest on PostgreSQL: the case database becomes unreachable while a reviewer works, then comes back.

A resilience review: every page became Streamlit's crash box (every run reads the store first, for the sign-in
check), and a verdict recorded while the database was locked was dropped. Now the page says what is wrong in words,
the verdict stays pressed, and it is recorded by the first run that reaches the database again.
"""
from __future__ import annotations

import os
import time

import pytest
from apptest_helpers import CLIN, REPO, heart_disease_cases, verdict_outcomes
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore
from medapp.security.accounts import create_user

pytestmark = [pytest.mark.system]
COMMENT = "Effusion on the left; repeat the film."


def _database(server: str) -> tuple[str, str]:
    name = f"outage_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}", name


def _reachable(server: str, name: str, reachable: bool) -> None:
    """The database refuses new connections and loses the open ones (as in a failover), or takes them again."""
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if reachable else "false"}'))
        if not reachable:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
    admin.dispose()


def _store_on_postgresql(server: str, tmp_path, monkeypatch) -> tuple[CaseStore, str]:
    """The app's store on a fresh database of the test cluster: (store, database name)."""
    url, name = _database(server)
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MEDAPP_DATABASE_URL", url)
    return CaseStore(), name


def _signed_in(store: CaseStore, user: str, role: str) -> AppTest:
    """The whole app (app.py) signed in through its form as a new user of `role`."""
    create_user(store, user, f"{role} pw 123", role)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180).run()
    at.text_input[0].set_value(user)
    at.text_input[1].set_value(f"{role} pw 123")
    at.button[0].click().run()
    assert at.session_state["medapp_user"]["username"] == user
    return at


def test_a_verdict_pressed_while_the_database_is_down_is_said_kept_and_recorded_when_it_is_back(
        postgres_server, tmp_path, monkeypatch):
    store, name = _store_on_postgresql(postgres_server, tmp_path, monkeypatch)
    [(case_id, analysis_id)] = heart_disease_cases(store, ("OUTAGE-1",))
    at = _signed_in(store, "rui", "reviewer")
    at.switch_page("pages/cases.py").run()
    key = f"a{analysis_id}"
    at.radio(key=f"v_{key}").set_value("disagree")
    at.text_area(key=f"c_{key}").set_value(COMMENT)
    try:
        _reachable(postgres_server, name, False)
        next(b for b in at.button if b.label == "Record verdict").click().run()
        assert not at.exception  # Streamlit's crash box, before
        [error] = at.error
        assert error.value.startswith("**The case database cannot be reached or is busy just now**, so medapp cannot "
                                      "check your sign-in, show cases or store anything. A Save or a verdict pressed "
                                      "just now is kept")
        assert [b.label for b in at.button] == ["Try again"]
        at.button[0].click().run()  # still down: said again, nothing else
        assert not at.exception and at.error[0].value == error.value
    finally:
        _reachable(postgres_server, name, True)
    at.button[0].click().run()  # back: the kept press is recorded by this run
    assert not at.exception and not at.error
    [verdict] = store.case_detail(case_id, CLIN, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["reviewer"], verdict["verdict"], verdict["comment"]) == ("rui", "disagree", COMMENT)
    assert verdict_outcomes(at) == [("success", f"Verdict recorded: disagree on analysis #{analysis_id}.")]
    assert at.session_state["medapp_user"]["username"] == "rui"  # still signed in


def test_a_save_pressed_while_the_database_is_down_is_kept_and_stored_once_when_it_is_back(
        postgres_server, tmp_path, monkeypatch):
    store, name = _store_on_postgresql(postgres_server, tmp_path, monkeypatch)
    at = _signed_in(store, "carla", "clinician")
    at.switch_page("pages/records.py").run()
    at.selectbox(key="records_model").set_value("Heart disease (UCI Cleveland)").run()
    at.button(key="ex_heart-disease").click().run()
    next(b for b in at.button if b.label == "Estimate risk").click().run()
    [mode] = [r for r in at.radio if r.key and r.key.startswith("case_mode_")]
    key = mode.key.removeprefix("case_mode_")
    at.text_input(key=f"case_ref_{key}").set_value("OUTAGE-SAVE")
    try:
        _reachable(postgres_server, name, False)
        at.button(key=f"case_save_{key}").click().run()
        assert not at.exception
        assert at.error[0].value.startswith("**The case database cannot be reached or is busy just now**")
    finally:
        _reachable(postgres_server, name, True)
    at.button(key="medapp_database_retry").click().run()
    assert not at.exception and not at.error
    [case] = [c for c in store.list_cases() if c["reference"] == "OUTAGE-SAVE"]
    assert len(store.case_detail(case["id"], CLIN, log_view=False)["analyses"]) == 1  # stored once
    # confirmed where it is seen: a toast, since the form's own box may be closed (a re-check saw none)
    assert any("OUTAGE-SAVE" in t.value for t in at.toast), [t.value for t in at.toast]
