"""AppTest: a workstation is shared. The work one clinician left in a browser tab (a note typed, a model chosen) is
never shown to the next person who signs in there; the same clinician signing in again after the idle timeout finds
it as they left it. (Before: after a sign-out, the next user found the first one's patient note in Clinical notes.)"""
from __future__ import annotations

from medapp.cases.store import CaseStore
from medapp.security.accounts import create_user
from medapp.ui.auth import LAST_SEEN
from medapp.ui.runtime import SESSION_LOCK

NOTE = "Mr Patient One has a red itchy rash on both arms for three days."


def _sign_in(at, name: str, password: str) -> None:
    # the address a browser shows the sign-in screen at: AppTest stays on the page it last switched to, which the
    # sign-in screen's navigation does not hold, and then drops the form's values
    at._page_hash = next(h for h, i in at._registered_pages.items() if i.get("url_pathname") == "")
    at.text_input[0].set_value(name)  # the sign-in form's own fields, as the `signed_in` fixture fills them
    at.text_input[1].set_value(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert at.session_state["medapp_user"]["username"] == name


def _typed_and_timed_out(at) -> None:
    at.switch_page("pages/notes.py").run()
    at.text_area(key="notes_text").input(NOTE).run()
    at.switch_page("pages/home.py").run()  # the note is now kept for the page (ui/state.py)
    at.session_state[LAST_SEEN] = 0.0  # idle for longer than the timeout
    at.run()
    assert "medapp_user" not in at.session_state and any("signed out after" in w.value for w in at.warning)
    assert not [t for t in at.text_area if t.value == NOTE]  # the sign-in screen shows none of it


def test_the_next_user_to_sign_in_on_a_timed_out_tab_finds_none_of_the_last_ones_work(signed_in):
    create_user(CaseStore(), "dora", "clinician pw 2", "clinician")
    at = signed_in
    lock = at.session_state[SESSION_LOCK]
    _typed_and_timed_out(at)
    _sign_in(at, "dora", "clinician pw 2")
    at.switch_page("pages/notes.py").run()
    assert not at.exception and at.text_area(key="notes_text").value in ("", None)
    # what is not work stays: the lock every run of the session shares (a new one would let two runs overlap)
    assert at.session_state[SESSION_LOCK] is lock


def test_the_same_user_signing_in_again_after_the_timeout_finds_their_work(signed_in):
    at = signed_in
    _typed_and_timed_out(at)
    _sign_in(at, "carla", "clinician pw 1")
    at.switch_page("pages/notes.py").run()
    assert not at.exception and at.text_area(key="notes_text").value == NOTE


def _watch_script():
    import streamlit as st

    from medapp.ui.auth import session_ended_unseen

    st.session_state["ended"] = session_ended_unseen()


def test_an_open_page_notices_by_itself_that_its_session_ended(tmp_path, monkeypatch):
    """The idle timeout and a sign-out in another tab took effect only at the next click: an unattended workstation
    showed the patient's note for as long as nobody touched it (a review). Every page's 30-second timer asks this."""
    import time

    from streamlit.testing.v1 import AppTest

    from medapp.security import sessions

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    create_user(store, "carla", "clinician pw 1", "clinician")
    token = sessions.create(store, "carla")

    def ended(last_seen: float) -> bool:
        at = AppTest.from_function(_watch_script)
        at.session_state["medapp_token"], at.session_state[LAST_SEEN] = token, last_seen
        return at.run().session_state["ended"]

    assert not ended(time.time() - 60)  # a minute idle: still signed in
    assert ended(time.time() - 31 * 60)  # past the 30-minute timeout
    sessions.revoke(store, token, "carla")  # signed out in another tab of the browser
    assert ended(time.time() - 60)


def _sign_out_script():
    import streamlit as st

    from medapp.ui.auth import sign_out

    st.session_state["medapp_user"] = {"username": "carla", "role": "clinician"}
    sign_out()


def test_signing_out_forgets_the_case_the_address_names_and_the_cookie_ends_with_the_browser(tmp_path, monkeypatch):
    """The next user landed on the last one's case (?case=1), and was audited as viewing it; the cookie lasted 12
    hours, so the next person to open the browser was signed in as the last one (a review)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    create_user(CaseStore(), "carla", "clinician pw 1", "clinician")
    at = AppTest.from_function(_sign_out_script)
    at.query_params["case"] = "1"
    at.run()
    assert not at.exception and "case" not in at.query_params
    cookie = AppTest.from_function(_cookie_script)
    cookie.session_state["medapp_token"], cookie.session_state["medapp_cookie_action"] = "t0ken", "set"
    [script] = [e.proto.body for e in cookie.run().get("html")]
    assert "medapp_session=t0ken; Path=/; SameSite=Strict" in script and "Max-Age" not in script  # ends with the browser


def _cookie_script():
    from medapp.ui.auth import session_cookie_script

    session_cookie_script()


def _download_script():
    import streamlit as st

    from medapp.registry import get_card
    from medapp.ui.cases import log_download

    st.session_state["medapp_user"] = {"username": "carla", "role": "clinician"}
    log_download(get_card("chest-xray-pneumonia"), "de-identified DICOM", 1, "export.dicom", sha256="ab" * 32)


def test_a_de_identified_dicom_download_is_audited_with_words(tmp_path, monkeypatch):
    """The de-identified DICOM and the PACS batch CSV (patient IDs, study dates) left the app unaudited, unlike every
    other download (a privacy review); both buttons now call log_download."""
    from streamlit.testing.v1 import AppTest

    from medapp.ui.audit_view import ACTION_WORDS

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    AppTest.from_function(_download_script).run()
    [event] = CaseStore().audit_events(action="export.dicom")
    assert (event["username"], event["target"], event["detail"]["what"]) == (
        "carla", "model:chest-xray-pneumonia", "de-identified DICOM")
    assert event["detail"]["sha256"] == "ab" * 32  # which image left ("rows: 1" did not say: a review)
    assert ACTION_WORDS["export.dicom"] == "de-identified DICOM downloaded"
