"""A write button's press is carried out once by the first run that reaches the button, or said not to be done
(medapp/ui/presses.py). Before, a run the user's next click stopped before the page reached Add user, Revoke or
Send result to PACS lost the press without a word. Here a run that ends at st.stop() before the button stands in
for the stopped run (AppTest cannot stop a run midway; tests/e2e/test_presses_e2e.py does, in a browser)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page():
    import streamlit as st

    from medapp.ui.presses import finish_run, pressed, start_run

    start_run("Admin")
    done = st.session_state.setdefault("done", [])
    if st.session_state.get("cut_short"):  # the run the user's next click stopped before it reached the button
        st.session_state.cut_short = False
        st.stop()
    if not st.session_state.get("button_gone"):
        with st.form("add"):
            name = st.text_input("User name", key="name")
            if pressed("Add user", key="add_go", form=True):
                done.append(name)
    finish_run()


def _button(at: AppTest):
    return next(b for b in at.button if b.label == "Add user")


def test_a_press_whose_run_stopped_before_the_button_is_carried_out_once_by_the_next_run():
    at = AppTest.from_function(_page, default_timeout=30).run()
    at.text_input(key="name").set_value("cleo")
    at.session_state.cut_short = True
    _button(at).click().run()
    assert at.session_state.done == []  # the press's own run never reached the button
    at.run()  # the next run, from the user's next click
    assert at.session_state.done == ["cleo"]
    at.run()
    assert at.session_state.done == ["cleo"]  # once
    assert not at.toast


def test_a_press_in_a_run_that_reaches_the_button_is_done_at_once_and_said_nowhere_else():
    at = AppTest.from_function(_page, default_timeout=30).run()
    at.text_input(key="name").set_value("dara")
    _button(at).click().run()
    assert at.session_state.done == ["dara"]
    assert not at.toast
    at.run()
    assert at.session_state.done == ["dara"] and not at.toast


def test_a_press_no_run_will_reach_is_dropped_and_said_not_done():
    at = AppTest.from_function(_page, default_timeout=30).run()
    at.text_input(key="name").set_value("eve")
    at.session_state.button_gone = True  # the page changed: the button is no longer drawn
    _button(at).click().run()
    assert at.session_state.done == []
    assert [t.value for t in at.toast] == [
        "Not done: Add user (Admin). The page changed before your press reached it, so nothing was changed; "
        "press it again if you still want it."]
    at.session_state.button_gone = False
    at.run()
    assert at.session_state.done == []  # never done later, unasked
    assert not at.toast


def _flash_page():
    import streamlit as st

    from medapp.ui.presses import finish_run, flash, pressed, start_run

    page = st.session_state.get("on_page", "Admin")
    start_run(page)
    if page == "Admin":
        if said := st.session_state.pop("admin_flash", None):  # where the page shows its confirmation
            st.success(said)
        if pressed("Add user", key="add_go"):
            flash("admin_flash", "Added cleo as clinician.")
            if st.session_state.get("leave"):  # the user's click on another page stops the run here
                st.stop()
    finish_run()


def test_a_confirmation_whose_page_the_user_left_is_said_on_the_page_they_reached():
    at = AppTest.from_function(_flash_page, default_timeout=30).run()
    at.session_state.leave = True
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.success and not at.toast
    at.session_state.on_page = "Cases"
    at.run()
    assert [t.value for t in at.toast] == ["Added cleo as clinician."]
    at.run()
    assert not at.toast  # once
    at.session_state.on_page = "Admin"
    at.run()
    assert not at.success  # said already: not again on return


def test_a_confirmation_shown_by_its_page_is_not_said_again_elsewhere():
    at = AppTest.from_function(_flash_page, default_timeout=30).run()
    next(b for b in at.button if b.label == "Add user").click().run()
    at.run()  # the page shows it on its next run (as after st.rerun)
    assert [s.value for s in at.success] == ["Added cleo as clinician."]
    at.session_state.on_page = "Cases"
    at.run()
    assert not at.toast
