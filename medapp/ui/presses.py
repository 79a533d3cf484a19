"""Buttons whose press is carried out, or said not to be, however soon the user clicks again.

A button's press lives only in the run its request started: the next run begins by resetting every button. When the
user's next click stops a run before the page's code reaches the button (a heavy page, a busy server), the press is
gone without a word: an administrator's Add user, Revoke or Delete, a Send result to PACS. Record verdict, Save and
Estimate keep their presses in their own books (ui/review.py, ui/cases.py, ui/case_records.py); these buttons share
this one. The button's callback notes the press (a plain dict bound when the button was drawn: nothing in it can be
cut short), and the page's code takes the note when it next reaches the button, in that run or the next. A press
that a whole run of the app went by without taking (the user left the page, or what the button belonged to is gone)
is dropped at the end of that run with a toast that says it was not done, so nothing is done later unasked.
"""
from __future__ import annotations

import time
from typing import NoReturn

import streamlit as st

from .cases import announce_saves_shown_nowhere
from .state import set_now, value_now, whole_callback

_NOTED = "medapp_noted_presses"  # button key -> (label, page title, when noted)
_PAGE = "medapp_page_title"  # the title of the page this run draws (set by app.py)
_RUN_STARTED = "medapp_run_started"  # when this full run of the app began, after its callbacks
_FLASHES = "medapp_press_flashes"  # session key of a confirmation -> (text, page, keep the key after saying it)


@whole_callback
def _note(noted: dict, key: str, label: str, page: str) -> None:
    """The button's callback: a plain dict and a clock, no Streamlit call, so it is never cut short."""
    noted[key] = (label, page, time.monotonic())


def pressed(label: str, *, key: str, form: bool = False, **kwargs) -> bool:
    """Draw a button (a form's submit button with form=True); True once for each press, in the run that first reaches
    it after the press: the run the press started, or the next one when the user's next click stopped that first."""
    noted = st.session_state.setdefault(_NOTED, {})
    button = st.form_submit_button if form else st.button
    button(label, key=key, on_click=_note, args=(noted, key, label, st.session_state.get(_PAGE, "this page")),
           **kwargs)
    # dict.pop is one step: an older run still stopping and this one never both take the press
    return noted.pop(key, None) is not None


def start_run(page_title: str) -> None:
    """app.py, before the page: which page this run draws, and when it began (after the callbacks of its request)."""
    st.session_state[_PAGE] = page_title
    st.session_state[_RUN_STARTED] = time.monotonic()
    st.session_state.setdefault(_FLASHES, {})  # made here: `flash` may not make it (no yield point there)


def flash(key: str, text: str, *, value: object = None, keep: bool = False) -> None:
    """After a write: keep its confirmation in session key `key` (`value`, or `text`), for the page to show as it
    does, and, if the user has left the page before it did, say `text` as a toast on the page they went to (`keep`:
    the page still shows it when they come back, as a new token's secret). No yield point, so the user's next click
    cannot stop the run between the write and this: Add user, Revoke, Delete endpoint and Save vocabulary followed
    at once by another click were done but never confirmed (a browser re-check, 10 of 10 for Add user then Apply)."""
    set_now(key, text if value is None else value)
    flashes = value_now(_FLASHES)
    if isinstance(flashes, dict):
        flashes[key] = (text, value_now(_PAGE, "this page"), keep)


def announce_presses_not_done() -> None:
    """app.py, after a page ran to its end: a press noted before this run began and not taken by it will never be
    (the page was left, or its button is no longer drawn). Drop it and say so. A press noted after this run began
    belongs to the next run (the user's click that is stopping this one) and is left to it."""
    noted = st.session_state.get(_NOTED)
    started = st.session_state.get(_RUN_STARTED)
    if not noted or started is None:
        return
    for key, (label, page, noted_at) in list(noted.items()):
        if noted_at < started and noted.pop(key, None) is not None:
            st.toast(f"Not done: {label} ({page}). The page changed before your press reached it, so nothing was "
                     "changed; press it again if you still want it.", icon=":material/error:")


def finish_run() -> None:
    """app.py after the page, and a page that ends early (stop_page): what a run says once it has reached its end."""
    announce_saves_shown_nowhere()
    announce_presses_not_done()
    announce_flashes_left_behind()


def announce_flashes_left_behind() -> None:
    """A confirmation whose page the user left before it was shown is said here, once, as a toast."""
    flashes, here = st.session_state.get(_FLASHES), st.session_state.get(_PAGE)
    for key, (text, page, keep) in list((flashes or {}).items()):
        if key not in st.session_state:  # shown by its page
            flashes.pop(key, None)
        elif page != here:
            st.toast(text, icon=":material/check_circle:")
            flashes.pop(key, None)  # after the toast: a run stopped at it leaves it to the next
            if not keep:
                st.session_state.pop(key, None)


def stop_page() -> NoReturn:
    """st.stop() for a page with nothing more to draw: the run has still reached its end (st.stop would skip
    app.py's last lines, and with them the toasts that confirm a save or say a press was not done)."""
    finish_run()
    st.stop()
