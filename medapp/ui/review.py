"""Widgets of the review workflow: verdict form, case status, following a case changed elsewhere, case filters,
exports (a stored analysis is redrawn by ui/stored_analysis.py)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

import streamlit as st

from ..cases.drafts import Draft
from ..cases.store import (
    STATUSES,
    VERDICTS,
    CaseClosedError,
    CaseStore,
    ConflictError,
    PermissionDenied,
    StoreError,
    closed_phrase,
)
from ..registry import list_cards
from ..reports import case_html, case_pdf
from ..security.roles import allowed
from .auth import get_store, rerun_unasked, session_ended, session_guard
from .common import literal
from .outage import DATABASE_DOWN, STATUS_NOT_SET, VERDICT_KEPT, reason
from .state import keep_value, value_now, whole_callback

log = logging.getLogger(__name__)
FOLLOW_EVERY_S = 4.0  # how often a page following a case asks whether it changed elsewhere


def _verdict_book() -> dict:
    """This session's bookkeeping of its verdict forms, changed in place.

    Streamlit checks for a newer rerun request (the reviewer's next click) at every st.session_state access
    and st.* call, even inside a callback, and abandons the callback there as if it had called st.rerun(): a
    verdict submitted while the previous one's run was still going was dropped that way (17-20 of 20 stored
    at full speed). Updating a plain dict held in the session is not such a point, so once a verdict is
    written, recording that it was is never cut short.

    "refused" holds, by analysis id, a verdict the store refused because the case had been closed meanwhile:
    what the reviewer chose and typed, who closed the case and when, and the forms (on Cases and in Meeting
    mode) that have been filled in with it, so the refusal is said and nothing typed is lost.
    """
    book = st.session_state.setdefault("medapp_verdict_book", {"written": {}, "shown": {}, "outcome": {}})
    book.setdefault("refused", {})
    book.setdefault("pressed", set())  # forms whose Record verdict was pressed and not yet handled
    # The version of this reviewer's verdict (and its values) each form's fields were made with. A redraw keeps what the
    # fields hold, so when the same reviewer changes the verdict in another window the form still shows the old
    # values: pressing it then must be refused as a conflict (it overwrote the other window's verdict unsaid when
    # the redraw's newer version was sent; a review).
    book.setdefault("drawn", {})
    book.setdefault("kept", {})  # per form: the values and base version last kept as this reviewer's draft
    book.setdefault("restored", {})  # per form: when the draft it was filled in from was saved
    book.setdefault("checked", set())  # forms whose draft in the store this session has looked for
    book.setdefault("saved_drafts", {})  # per analysis: this reviewer's draft in the store, as this session knows it
    return book


def _store_verdict(store, book: dict, analysis_id: int, user: dict, key: str, values: tuple,
                   shown_version: int) -> bool:
    """Write one submitted verdict and record the outcome; no Streamlit call in here (see `_verdict_book`).
    False when the store could not be reached: the press is kept for the next run.

    `shown_version` is the version of this reviewer's verdict when the form was drawn; a newer one written
    by this same session counts as seen.
    """
    verdict, diagnosis, comment = values
    book["pressed"].discard(key)  # handled, stored or refused: never retried by itself
    if verdict is None:
        book["outcome"][key] = ("error", "Choose agree, disagree or uncertain.", None)
        return True
    expected = max(shown_version, book["written"].get(analysis_id, 0))
    try:
        version = store.set_verdict(analysis_id, user, verdict, diagnosis or "", comment or "",
                                    expected_version=expected)
    except DATABASE_DOWN:  # pressed again for the next run that reaches the store (ui/outage.py); said meanwhile
        book["pressed"].add(key)
        book["outcome"][key] = ("error", VERDICT_KEPT, None)
        return False
    except CaseClosedError as exc:  # said by the form from the book, worded for the page it is on
        book["outcome"].pop(key, None)
        book.setdefault("refused", {})[analysis_id] = {
            "values": values, "reference": exc.reference, "closed_by": exc.closed_by, "closed_at": exc.closed_at,
            "filled": {key}}
    except ConflictError as exc:  # said; the form is then taken as drawn from what is stored now, so pressing again
        book["outcome"][key] = ("error", str(exc), None)  # records what the reviewer chose, having seen both
        book["drawn"].pop(key, None)
    except (StoreError, PermissionDenied) as exc:
        book["outcome"][key] = ("error", str(exc), None)
    else:
        book["written"][analysis_id] = version
        book["drawn"][key] = (version, values)  # the form now holds what is stored: no draft left in it
        book.setdefault("refused", {}).pop(analysis_id, None)
        book["outcome"][key] = ("success", f"Verdict recorded: {verdict} on analysis #{analysis_id}.", version)
    return True


def _form_values(key: str) -> tuple:
    """(verdict, final diagnosis, comment) as verdict form `key`'s fields hold them in the session."""
    # no yield point (ui/state.value_now): read in Record verdict's callback, the next click cannot cut it short here
    return value_now(f"v_{key}"), value_now(f"d_{key}", ""), value_now(f"c_{key}", "")


def _what_was_refused(values: tuple) -> str:
    """'uncertain, with your final diagnosis and comment': the refused verdict in the reviewer's terms."""
    verdict, diagnosis, comment = values
    typed = [name for name, value in (("final diagnosis", diagnosis), ("comment", comment)) if (value or "").strip()]
    return verdict + (f", with your {' and '.join(typed)}" if typed else "")


@whole_callback
def _record_verdict(book: dict, analysis_id: int, user: dict, key: str, shown_version: int, guard: tuple) -> None:
    """Form callback: stores the verdict before the next run draws the page.

    The press is noted first, in a plain dict nothing can cut short. Streamlit may then abandon the callback at
    any of the reads below when the reviewer's next click arrives; nothing has been written then, and
    `verdict_form` stores the submitted values of a noted press in the next run that reaches it.
    """
    book["pressed"].add(key)
    store = get_store()
    values = _form_values(key)
    try:
        ended = session_ended(guard)
    except DATABASE_DOWN:  # the press stays noted: the next run that reaches the store records it
        book["outcome"][key] = ("error", VERDICT_KEPT, None)
        return
    if ended:  # timed out or signed out: nothing stored; kept in the form, never stored later
        book["pressed"].discard(key)
        return
    _store_verdict(store, book, analysis_id, user, key, values, shown_version)


# Where a reviewer reopens a case, as the closed-case messages say it on each page.
REOPEN_ON_CASES = "with Case status above"
REOPEN_ELSEWHERE = "on the Cases page (Case status)"


def follow_case(detail: dict, *, listed: Any = None, list_now: Callable[[], Any] | None = None,
                every: float = FOLLOW_EVERY_S) -> None:
    """Draw the page again when the case changes elsewhere, without a click here: in a review meeting the
    projector shows each verdict as a reviewer records it at their own workstation, and a status change.
    `listed` (the ids of the cases the page counts, "Case 2 of 4") and `list_now` (the same ids from the store):
    the page is drawn again too when a case joins or leaves that list (an earlier case closed under "status: open"
    left "Case 3 of 5" on the projector when 4 remained).

    A browser timer runs only this check (a fragment) every FOLLOW_EVERY_S seconds: three counting queries, and
    the list's when given. The whole page runs again only when something changed, keeping what a form being
    filled in holds (a rerun keeps a form's unsubmitted values), and that run does not count as the user's
    activity for the idle timeout."""
    shown, case_id = (CaseStore.fingerprint_of(detail), listed), detail["id"]

    @st.fragment(run_every=every)
    def changed_elsewhere() -> None:
        try:
            now = followed_state(get_store(), case_id, list_now)
        except DATABASE_DOWN as error:  # the projector kept an old case with no sign (a resilience review)
            updates_paused(error)
            return
        if now != shown:
            rerun_unasked()

    changed_elsewhere()


def follow_list(list_now: Callable[[], list[int]]) -> None:
    """With no case to show: draw the page again when a case joins the list, without a click (a projector opened
    before the first save stayed on "No case matches" after the case was made: a review). The same browser timer
    as `follow_case`, running only the list's query."""
    @st.fragment(run_every=FOLLOW_EVERY_S)
    def joined() -> None:
        try:
            found = list_now()
        except DATABASE_DOWN as error:
            updates_paused(error)
            return
        if found:
            rerun_unasked()

    joined()


def updates_paused(error: BaseException) -> None:
    """Said where the timer runs while the store cannot be reached; the next check that reaches it draws the page."""
    log.warning("case database unavailable while following a case: %s", reason(error))
    st.warning(f"Updates paused since {datetime.now(UTC):%H:%M:%S} UTC: the case database cannot be reached, so "
               "what is shown may be out of date. It is brought up to date when the database is back.",
               icon=":material/cloud_off:")


def followed_state(store: CaseStore, case_id: int, list_now: Callable[[], list[int]] | None = None) -> tuple:
    """What `follow_case` compares with what the page drew."""
    return store.case_fingerprint(case_id), (list_now() if list_now is not None else None)


def verdict_needs_form(a: dict, key: str, user: dict | None = None) -> bool:
    """Whether verdict form `key` must stay on screen when the reviewer has hidden their forms (Meeting mode on a
    projector): a verdict chosen or typed and not recorded, a press not yet handled, or a refusal or error to say.
    Hiding those would hide work the reviewer has not finished, or an outcome they have not seen. With `user` (and
    the analysis's verdicts in `a`), a form not drawn in this session counts its reviewer's kept draft (a reload)."""
    book = _verdict_book()
    if key in book["pressed"] or a["id"] in book["refused"]:
        return True
    outcome = book["outcome"].get(key)
    if outcome is not None and outcome[0] == "error":
        return True
    drawn = book["drawn"].get(key)
    if drawn is None:  # never drawn in this session: nothing typed in it, unless before a reload
        if user is None or "verdicts" not in a or not allowed(user["role"], "review"):
            return False
        return _saved_draft(get_store(), book, a["id"], user, _stored_values(a, user)[1]) is not None
    # a field whose value the session no longer holds (a run went by without the form) is as it was drawn
    return tuple(value_now(f"{prefix}_{key}", was) for prefix, was in zip("vdc", drawn[1])) != tuple(drawn[1])


def _stored_values(a: dict, user: dict) -> tuple[dict | None, tuple]:
    """The reviewer's recorded verdict on `a` (None: none) and its (verdict, final diagnosis, comment)."""
    mine = next((v for v in a["verdicts"] if v["reviewer"] == user["username"]), None)
    return mine, ((mine["verdict"], mine["final_diagnosis"], mine["comment"]) if mine else (None, "", ""))


# A verdict form's boxes send their text when they are left (Streamlit's text boxes), so a comment still being typed
# was not on the server: a following screen moved on from it and lost it, the draft never kept (a re-check of the
# review meeting). After a pause in typing, the box is applied as its own keys apply it (Enter in a one-line box,
# Ctrl+Enter in a text area), where the focus stays: the draft is kept and holds a following screen on its case.
_APPLY_WHILE_TYPING = """<script>(() => {
  if (document.__medappApplyWhileTyping) return;
  document.__medappApplyWhileTyping = true;
  let timer = null;
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement || box instanceof HTMLInputElement)) return;
    if (!box.closest('[class*="st-key-verdict_"]')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const multi = box instanceof HTMLTextAreaElement;
      box.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", code: "Enter", keyCode: 13, which: 13,
                                                      ctrlKey: multi, metaKey: false, bubbles: true}));
    }, %d);
  }, true);
})();</script>"""
APPLY_AFTER_MS = 1200  # a pause in typing, not every keystroke (each application runs the page)


def apply_while_typing() -> None:
    """Once per page with verdict forms, at its foot (an element at the top moves every form below it)."""
    st.html(_APPLY_WHILE_TYPING % APPLY_AFTER_MS, unsafe_allow_javascript=True)


def verdict_form(a: dict, user: dict, *, key: str, case_status: str = "open",
                 reopen_where: str = REOPEN_ON_CASES, closed_how: str | None = None) -> None:
    """This reviewer's verdict on analysis `a`. `reopen_where` says where this page's user reopens a closed case
    (Meeting mode has no status control: REOPEN_ELSEWHERE); `closed_how` who closed it and when."""
    if not allowed(user["role"], "review"):
        # a reviewer demoted while the form was on screen pressed Record verdict: the store refused it, and the
        # refusal was never shown (the form gave way to this line at once: a re-check)
        outcome = _verdict_book()["outcome"].get(key)
        if outcome is not None and outcome[0] == "error":
            st.error(f"Your verdict was not recorded: {outcome[1]}", icon=":material/error:")
        st.caption("Verdicts are recorded by reviewers.")
        return
    store, book = get_store(), _verdict_book()
    closed = case_status == "closed"
    # The closed-case line goes in a slot drawn in every state: a line inserted above the form moved the form,
    # the browser drew it anew, and the values typed but not submitted reached the server with the next run's
    # request; after a reopen they were then stored as a submitted verdict nobody pressed.
    closed_line = st.empty()
    refused = book["refused"].get(a["id"])
    mine, stored = _stored_values(a, user)
    stored_version = mine.get("version", 1) if mine else 0
    if refused is not None and refused["values"] == stored:  # recorded meanwhile (reopened, another window)
        book["refused"].pop(a["id"], None)
        refused = None
    if refused is not None and key not in refused["filled"]:
        # A verdict refused on another page (Meeting mode) is filled in here, once, so it can be recorded once
        # the case is reopened; the form then holds what the reviewer typed, not what is stored.
        refused["filled"].add(key)
        for prefix, value in zip(("v", "d", "c"), refused["values"]):
            st.session_state[f"{prefix}_{key}"] = value
    if closed and refused is None and key not in book["pressed"]:
        # No form on a closed case, unless its Record verdict was pressed and not yet handled (its callback was cut
        # short): that goes on below, to the store, whose refusal is then said with the form kept.
        drawn_open = key in book["shown"]
        draft = None if drawn_open else _saved_draft(store, book, a["id"], user, stored)
        # said under a form that holds something unrecorded, not under every form (the projector showed it under
        # each analysis: a review meeting's test)
        unrecorded = drawn_open and f"v_{key}" in st.session_state and _form_values(key) != stored
        closed_line.caption(f"This case is {closed_how or 'closed'}: reopen it {reopen_where} to change a "
                            "verdict." + (" What you had chosen or typed below stays in the form, not recorded."
                                          if unrecorded else "")
                            + (f" Your draft ({_what_was_refused(draft.values) if draft.verdict else 'no verdict chosen'}"
                               f", {_when(draft.saved_at)}) is kept, not recorded: reopen the case to record it."
                               if draft is not None else ""))
        if not drawn_open:
            return
        # This page drew the form while the case was open, and the reviewer may be typing in it: the page redraws
        # itself when the case changes (follow_case), and replacing the form by the line above lost what was
        # typed without a word. The form stays, its button disabled, holding what the browser holds.
    # What the form first shows is what is stored. What the reviewer chooses and types is sent as they go (the
    # fields are not an st.form, whose values stay in the browser until submitted: a draft was lost when the
    # reviewer went to another page and back) and kept with the page's other work (ui/state.py: as the run takes
    # it from the browser, and put back in every run until the browser sends it again).
    fields = (f"v_{key}", f"d_{key}", f"c_{key}")
    drawn = book["drawn"].get(key)
    if fields[0] not in st.session_state:  # the fields are made in this run, with what is stored
        book["drawn"][key] = (stored_version, stored)
        _restore_draft(store, book, a["id"], user, key, stored)  # or with the draft a reload left
    elif drawn is not None and drawn[0] != stored_version and _form_values(key) == drawn[1]:
        # An untouched form whose verdict the same reviewer changed in another window shows the stored one now: it
        # kept the old values, said "Not recorded yet" and refused a press as a conflict (a re-check)
        for field, value in zip(fields, stored):
            keep_value(field, value)  # kept too: the old values are put back until the browser sends the new
        book["drawn"][key] = (stored_version, stored)
        book["outcome"].pop(key, None)
    drawn_version, drawn_values = book["drawn"].setdefault(key, (stored_version, stored))
    # an input the model did not assess has no finding to agree with: the verdict is on not assessing it
    unassessed = not a["prediction"].fits
    with st.container(border=True, key=f"verdict_{key}"):
        if unassessed:
            st.caption("The model did not assess this input. Your verdict is on that decision (agree: it should "
                       "not be assessed by this model); put your own reading in the final diagnosis.")
        c1, c2 = st.columns([1, 2])
        verdict = c1.radio("Your verdict", VERDICTS, horizontal=True, key=f"v_{key}",
                           index=VERDICTS.index(mine["verdict"]) if mine else None)
        diagnosis = c2.text_input("Final diagnosis", value=mine["final_diagnosis"] if mine else "", key=f"d_{key}")
        comment = st.text_area("Comment", value=mine["comment"] if mine else "", key=f"c_{key}", height=80)
        # The outcome is said beside the button, in a line no taller than it. Said in a box under the form, a
        # confirmation pushed every later form down as it appeared, and a press on the next form that straddled
        # the move was lost: the button left the pointer between press and release, so no click reached the
        # page (one of 20 verdicts in a full-speed meeting, without a word).
        press, beside = st.columns([1, 4], vertical_alignment="center")
        press.button("Record verdict", key=f"record_{key}", on_click=_record_verdict, disabled=closed,
                     args=(book, a["id"], user, key, drawn_version, session_guard()))
        said = beside.empty()
    values = (verdict, diagnosis, comment)
    # Record verdict was pressed and its callback was cut short by the next click (the press is noted first, in a
    # plain dict): store what the form holds now (a closed case's store refuses it, and the refusal is said below).
    # Values sent without a press are the form's state, never a verdict: they wait for the button.
    if key in book["pressed"]:
        if values == stored:  # stored meanwhile (the same reviewer in another window)
            book["pressed"].discard(key)
        elif _store_verdict(store, book, a["id"], user, key, values, drawn_version):
            st.rerun()  # draw the page again with the verdict stored
    # kept on a closed case too: text typed after another reviewer closed it was lost at a reload, though the page
    # says a draft is kept until the case is reopened (a review meeting's test)
    _keep_draft(store, book, a["id"], user, key, values, drawn_values, drawn_version)
    book["shown"][key] = stored_version
    refused = book["refused"].get(a["id"])
    if refused is not None:
        what = _what_was_refused(refused["values"])
        when = closed_phrase(refused["closed_by"], refused["closed_at"])
        if closed:
            st.error(f"Your verdict ({what}) was not recorded: case {refused['reference']} was {when} before it "
                     f"arrived. It is kept in this form: reopen the case {reopen_where}, then press Record "
                     "verdict.", icon=":material/error:")
        else:
            st.warning(f"Your verdict ({what}) was not recorded: case {refused['reference']} was {when} before it "
                       "arrived. The case is open again and the form holds what you chose and typed: press "
                       "Record verdict to record it.", icon=":material/warning:")
        return
    kind, text, version = book["outcome"].get(key, (None, None, None))
    # Shown on every run (not popped once), so a run cut short by the next click cannot swallow it; a
    # confirmation lasts while the stored verdict is the one it confirms.
    if kind == "error":
        said.markdown(f":red[:material/error: {literal(text)}]")
    elif values != drawn_values and not closed:
        # the fields keep a draft across pages now, so one could be taken for a recorded verdict (a diagnosis typed
        # before a verdict was chosen said nothing: a re-check)
        restored = book["restored"].get(key)
        line = said.container(horizontal=True, vertical_alignment="center") if restored else said
        # a draft put back in a new session (a reload) says when it was written: the form was not filled in by hand
        line.markdown(":gray[:material/edit_note: " + (f"Your draft of {_when(restored)}, not recorded yet: "
                                                       if restored else "Not recorded yet: ")
                      + ("press Record verdict.]" if values[0] is not None else "choose a verdict, then press Record "
                                                                                  "verdict.]"))
        if restored:
            line.button("Discard draft", key=f"discard_{key}", type="tertiary", on_click=_discard_draft,
                        args=(book, a["id"], user, key, stored))
    elif kind == "success" and version == stored_version:
        said.markdown(f":green[:material/check_circle: {literal(text)}]")


def _when(at: datetime) -> str:
    """"10:02 UTC" today, "3 Dec 10:02 UTC" before: a draft may be days old."""
    at = at.astimezone(UTC)
    return f"{at:%H:%M} UTC" if at.date() == datetime.now(UTC).date() else f"{at:%-d %b %H:%M} UTC"


def _saved_draft(store, book: dict, analysis_id: int, user: dict, stored: tuple):
    """This reviewer's draft on the analysis, read once per session (a new session's first look); None when there
    is none or it holds what is recorded."""
    seen = book["saved_drafts"]
    if analysis_id not in seen:
        try:
            draft = store.verdict_drafts(user, [analysis_id]).get(analysis_id)
        except DATABASE_DOWN:  # the page says the outage; the draft stays for a later session
            return None
        seen[analysis_id] = draft if draft is not None and draft.values != stored else None
    return seen[analysis_id]


def _restore_draft(store, book: dict, analysis_id: int, user: dict, key: str, stored: tuple) -> None:
    """Fill the form being made with the draft a reload, closed tab or lost connection left (ui/state.py keeps the
    fields across pages; only a new session starts without them). It is drawn on the version the draft was typed
    on, so pressing Record verdict on a draft older than a verdict recorded since is refused as a conflict that
    says what is stored, as it was in the window it was typed in."""
    if key in book["kept"] or key in book["checked"]:
        return  # once per form and session: a radio left unchosen is not kept across pages, and its form is made
    book["checked"].add(key)  # again on coming back, with what was typed since kept by ui/state.py
    draft = _saved_draft(store, book, analysis_id, user, stored)
    if draft is None:
        return
    for prefix, value in zip(("v", "d", "c"), draft.values):
        keep_value(f"{prefix}_{key}", value)
    book["drawn"][key] = (draft.base_version, stored)
    book["restored"][key] = draft.saved_at
    book["kept"][key] = (draft.values, draft.base_version)  # in the store already


def _keep_draft(store, book: dict, analysis_id: int, user: dict, key: str, values: tuple, drawn_values: tuple,
                drawn_version: int) -> None:
    """Keep what the form holds as this reviewer's draft when it changed (a write per change the browser sends, not
    per run); drop it when the form is back as drawn."""
    kept = book["kept"]
    try:
        if values == drawn_values:
            if kept.pop(key, None) is not None:
                store.drop_draft(analysis_id, user)
                book["restored"].pop(key, None)
                book["saved_drafts"][analysis_id] = None
        elif kept.get(key) != (values, drawn_version):
            if store.keep_draft(analysis_id, user, values, drawn_version):
                kept[key] = (values, drawn_version)
                book["saved_drafts"][analysis_id] = Draft(*values, drawn_version, datetime.now(UTC))
                if key in book["restored"]:  # "Your draft of 15:02" still read so after it was extended at 15:05
                    book["restored"][key] = datetime.now(UTC)
    except DATABASE_DOWN:  # not kept this run: tried again on the next (the page says the outage)
        kept.pop(key, None)
    except PermissionDenied:  # demoted meanwhile: the store refuses the verdict too, and says so
        pass


@whole_callback
def _discard_draft(book: dict, analysis_id: int, user: dict, key: str, stored: tuple) -> None:
    """"Discard draft": the form as recorded (a verdict chosen cannot be unchosen in the form itself)."""
    for prefix, value in zip(("v", "d", "c"), stored):
        keep_value(f"{prefix}_{key}", value)
    book["restored"].pop(key, None)
    book["drawn"].pop(key, None)  # drawn again from what is stored
    book["saved_drafts"][analysis_id] = None
    if book["kept"].pop(key, None) is not None:
        try:
            get_store().drop_draft(analysis_id, user)
        except DATABASE_DOWN:
            pass  # a later session may offer it again; this one shows the form as recorded


def _status_book() -> dict:
    """This session's bookkeeping of its status controls (a plain dict, for the reason in `_verdict_book`)."""
    return st.session_state.setdefault("medapp_status_book", {})


def _store_status(store, entry: dict, case_id: int, user: dict, new: str, shown_version: int) -> None:
    """Write one status change and record the outcome; no Streamlit call in here (see `_verdict_book`)."""
    entry["handled"] = new  # handled, stored or refused: never retried by itself
    try:
        version = store.set_status(case_id, user, new, expected_version=shown_version)
    except DATABASE_DOWN:  # not retried by itself: a status chosen minutes later could undo another reviewer's
        entry["outcome"] = ("error", STATUS_NOT_SET, None)
    except (StoreError, PermissionDenied) as exc:
        entry["outcome"] = ("error", str(exc), None)
    else:
        entry["outcome"] = ("success", f"Case status set to '{new}'.", version)


def status_control(detail: dict, user: dict, *, key: str) -> None:
    if not allowed(user["role"], "review"):
        st.markdown(f"Status: **{detail['status']}**")
        return
    version = detail.get("version", 1)
    # One widget per stored version of the case, drawn with the stored status as its default. The widget used to
    # be one key whose value the page set to the stored status on each run; a browser still holding the value it
    # showed before another reviewer's change sent it back on its next rerun (a sidebar click), and that read as
    # a click: a closed case was reopened by a reviewer who never touched the control. A widget of an older
    # version is never drawn again, so whatever a browser holds for it changes nothing.
    widget = f"status_{key}_v{version}"
    store, entry = get_store(), _status_book().setdefault(f"status_{key}", {})

    @whole_callback
    def changed(shown_version: int, guard: tuple) -> None:  # only a click changes the status, never an older state
        try:
            ended = session_ended(guard)
        except DATABASE_DOWN:
            entry["outcome"] = ("error", STATUS_NOT_SET, None)
            st.session_state.pop(widget, None)  # the control shows the stored status again
            return
        if ended:  # timed out or signed out: not stored, and not retried as a cut-short click
            st.session_state.pop(widget, None)  # the control shows the stored status again
            return
        new = value_now(widget)  # no yield point here (a cut-short callback is still stored by the next run)
        if new:
            _store_status(store, entry, detail["id"], user, new, shown_version)

    # A click whose callback was cut short by the user's next click leaves this version's widget on a value that
    # was neither drawn nor handled: store it now, against the version the user saw, and draw the page again.
    pending = st.session_state.get(widget)
    if entry.get("shown_version") == version and pending and pending not in (entry["shown"], entry.get("handled")):
        _store_status(store, entry, detail["id"], user, pending, version)
        st.rerun()
    kind, text, outcome_version = entry.get("outcome", (None, None, None))
    if kind == "error":  # refused: the widget shows the stored status again, not the refused click
        st.session_state.pop(widget, None)
    entry.update(shown=detail["status"], shown_version=version, handled=None)
    st.segmented_control("Case status", STATUSES, default=detail["status"], key=widget, on_change=changed,
                         args=(version, session_guard()))
    # A confirmation lasts while the stored status is the one it confirms; a refusal is shown once.
    if kind == "success" and outcome_version == version:
        st.success(text, icon=":material/check_circle:")
    elif kind == "error":
        st.error(text, icon=":material/error:")
        entry.pop("outcome", None)


def erasure_notes(detail: dict) -> None:
    """Under a case's analyses: what an administrator erased from it, by whom, when and why (the reason never holds
    the identifier: medapp/cases/erasure.py). Drawn last, so no line is inserted above the verdict forms."""
    from .audit_view import time_text

    for e in detail.get("erasures", ()):
        st.caption(f":material/delete_forever: {e['what']} was erased from this case by {literal(e['by'])} on "
                   f"{time_text(e['at'])} ({literal(e['reason'])}).")


def export_buttons(detail: dict, user: dict, *, key: str) -> None:
    store = get_store()
    # A report prepared before a verdict or status change is stale: it is offered only while the
    # case is as it was when the report was made.
    version = (detail["status"], str(detail["updated_at"]),
               tuple((a["id"], tuple((v["reviewer"], str(v["updated_at"])) for v in a["verdicts"]))
                     for a in detail["analyses"]))
    if st.button("Prepare report (PDF and HTML)", key=f"prep_{key}"):
        # the image under its heatmap; a note saved as not assessed, its text (it was left out: a re-check); a
        # recording, which the HTML report plays (it was not given one: a clinical-safety review)
        inputs = {a["id"]: store.input_bytes(a["input_sha256"]) for a in detail["analyses"]
                  if a["modality"] in ("imaging", "audio") or (a["modality"] == "notes" and a["explanation"] is None)}
        st.session_state[f"report_{key}"] = (version, case_pdf(detail, by=user["username"], inputs=inputs),
                                             case_html(detail, by=user["username"], inputs=inputs))
        store.audit(user["username"], "export", f"case:{detail['id']}", formats=["pdf", "html"])
    prepared = st.session_state.get(f"report_{key}")
    if prepared and prepared[0] != version:
        st.caption("The case changed since the report was prepared; prepare it again.")
        prepared = None
    if prepared:
        _, pdf, html = prepared
        c1, c2 = st.columns(2)
        c1.download_button("Download PDF", pdf, f"case-{detail['reference']}.pdf", "application/pdf", key=f"pdf_{key}")
        c2.download_button("Download HTML", html, f"case-{detail['reference']}.html", "text/html", key=f"html_{key}")


CASE_IN_VIEW = "medapp_case_in_view"  # (case id, page) of the case last shown on Cases or in Meeting mode


def case_from_other_page(page: str, ids: list[int]) -> int | None:
    """The case the user was looking at on the other review page (Cases or Meeting mode), if it was shown there
    after anything here and `ids` (this page's list) holds it: moving between the two pages keeps the case on
    screen. Meeting mode opened its first case instead, and a reviewer who had MDT-C3 open on Cases recorded a
    verdict on MDT-A1 there (a browser review)."""
    seen = st.session_state.get(CASE_IN_VIEW)
    if seen is None or seen[1] == page or seen[0] not in ids:
        return None
    return seen[0]


def case_shown(case_id: int, page: str) -> None:
    """Note the case `page` shows, for the other review page (`case_from_other_page`)."""
    if st.session_state.get(CASE_IN_VIEW) != (case_id, page):
        st.session_state[CASE_IN_VIEW] = (case_id, page)


def keep_shown_case(cases: list[dict], filters: dict, shown: int | None, *, key: str,
                    order: Callable[[dict], Any]) -> tuple[list[dict], dict | None]:
    """The filtered case list, with the case on screen (`shown`) kept in it, in `order`, when it left the list
    because someone changed it (its status, a verdict), not because the user changed the filters: the page
    follows the case by itself (follow_case), and it jumped to another case unasked, losing the verdict being
    typed. Returns the list and the kept case (None when nothing was kept: say so where it is shown)."""
    same_filters = st.session_state.get(f"{key}_filters_drawn", filters) == filters
    st.session_state[f"{key}_filters_drawn"] = filters
    if not same_filters or shown is None or shown in {c["id"] for c in cases}:
        return cases, None
    left = next((c for c in get_store().list_cases() if c["id"] == shown), None)  # None: deleted
    if left is None:
        return cases, None
    said = (left["id"], left["status"])
    if st.session_state.get(f"{key}_kept_said") != said:
        # once, where the user is looking: the notice above the case is out of sight when scrolled to an analysis
        st.session_state[f"{key}_kept_said"] = said
        st.toast(f"The case on screen no longer matches the filters (its status is now '{left['status']}'). It "
                 "stays until you move on.", icon=":material/filter_alt_off:")
    return sorted([*cases, left], key=order), left


# Room for "Disagreement" and its help icon on one line: at 1 of 5.9 it was broken mid-word ("Disagreem" / "ent")
# at 1024 px with the sidebar open, the page about 560 px wide (a layout review)
FILTER_WEIGHTS = (1, 1.2, 1, 1.5, 1.4)


def case_filters(key: str = "cases", *, two_rows: bool = False) -> dict:
    """The list's filters. `two_rows`: Meeting mode's larger type broke "Disagreement" mid-word and "Updated between"
    over two lines in one row of five at 1024 px (a layout review), so there they take two rows."""
    cards = list_cards()
    if two_rows:
        c1, c2, c3 = st.columns(3)
        c4, c5 = st.columns(2)
    else:
        c1, c2, c3, c4, c5 = st.columns(FILTER_WEIGHTS)
    modality = c1.selectbox("Modality", ["any", *sorted({c.modality for c in cards})], key=f"{key}_mod")
    model = c2.selectbox("Model", ["any", *[c.id for c in cards]], key=f"{key}_model")
    status = c3.selectbox("Status", ["any", *STATUSES], key=f"{key}_status")
    dates = c4.date_input("Updated between", value=(), key=f"{key}_dates")
    disagreement = c5.selectbox("Disagreement", ["any", "yes", "no"], key=f"{key}_dis",
                                help="A reviewer disagreed with the model, or reviewers disagree with each other.")
    out: dict = {}
    if modality != "any":
        out["modality"] = modality
    if model != "any":
        out["model_id"] = model
    if status != "any":
        out["status"] = status
    if isinstance(dates, tuple) and len(dates) == 2:
        out["since"] = datetime.combine(dates[0], time.min, tzinfo=UTC)
        out["until"] = datetime.combine(dates[1], time.max, tzinfo=UTC)
    if disagreement != "any":
        out["disagreement"] = disagreement == "yes"
    return out
