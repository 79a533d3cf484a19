"""'Save to case' widget shared by every modality page, and the audit of analyses run."""
from __future__ import annotations

import threading
import time

import streamlit as st

from ..build import build_id
from ..cases.store import (
    BurnedInTextError,
    PatientMismatchError,
    PermissionDenied,
    StoreError,
    declares_burned_in_text,
)
from ..security import sessions
from ..security.uploads import content_hash
from ..types import Explanation, ModelCard, Prediction
from .auth import current_user, get_store, idle_too_long, session_guard
from .common import literal
from .outage import DATABASE_DOWN, SAVE_KEPT
from .state import value_now, whole_callback


def log_analysis(card: ModelCard, prediction: Prediction | None, input_key: str, **detail) -> None:
    """Audit an analysis once per session and input (a rerun of the same page is not a new analysis)."""
    user = current_user()
    seen = st.session_state.setdefault("medapp_logged_analyses", set())
    marker = (card.id, card.version, input_key)
    if user is None or marker in seen:
        return
    seen.add(marker)
    label = {"label": prediction.recorded_label} if prediction is not None else {}
    get_store().audit(user["username"], "analysis.run", f"model:{card.id}", version=card.version,
                      **label, input=input_key[:23], app=build_id(), **detail)


def log_cohort(card: ModelCard, data: bytes, n: int) -> None:
    """Audit a cohort (a file of patients or profiles) scored, once per session and file: scoring one wrote no row
    at all (a security review)."""
    log_analysis(card, None, "cohort:" + content_hash(data), patients=n)


@whole_callback  # current_user() reads the session: cut short there, the download was not audited
def log_download(card: ModelCard, what: str, n: int, action: str = "export.csv", **which: str) -> None:
    """A download button's callback: results holding patient ids, or a de-identified image, left the app (it was
    not audited). `which`: what identifies the file that left (a de-identified image's sha256: "rows 1" did not
    say which image it was, a review)."""
    user = current_user()
    if user is not None:
        get_store().audit(user["username"], action, f"model:{card.id}", what=what, rows=n, **which)


def _save_book() -> dict:
    """This session's bookkeeping of its Save-to-case buttons, a plain dict changed in place.

    Streamlit abandons a callback at its first st.session_state read or st.* call once the user's next click is
    waiting (see medapp/ui/review.py `_verdict_book`): a Save followed at once by a click on another page was
    dropped that way (2 of 4 in tests/e2e/test_save_then_leave_e2e.py). The callback therefore first notes the
    click here, where nothing can cut it short, and `complete_pending_saves` (run by app.py at the start of every
    run, on any page) finishes a save it left. The abandoned run's thread may still be inside the callback when
    the next run starts in another thread, so a save is completed under the book's lock.
    """
    book = st.session_state.setdefault("medapp_save_book", {"pending": {}, "drawn": {}, "done": {}, "outcome": {},
                                                             "lock": threading.Lock()})
    book.setdefault("said", set())  # forms that drew their outcome in this run (announce_saves_shown_nowhere)
    book.setdefault("taken", {})  # form key -> (case id, reference) of an open case a New-case save found existing
    return book


@whole_callback
def _save_clicked(book: dict, key: str, user: dict, payload: dict, guard: tuple) -> None:
    """Save button callback: note the click first (plain dict, never cut short), then store it."""
    book["pending"][key] = {"user": user, "payload": payload, "values": None}
    # A session that ended since the page was drawn (idle timeout, signed out in another tab) saves nothing. Only
    # after the note, and never dropping it when in doubt: a check before it lost a Save clicked together with a
    # page link (tests/e2e/test_save_then_leave_e2e.py); the next run's sign-in check then decides.
    if idle_too_long(guard):
        book["pending"].pop(key, None)
        return
    _complete_save(book, key, read_form=True, guard=guard)


def _complete_save(book: dict, key: str, *, read_form: bool, guard: tuple | None = None) -> None:
    """Store a noted save; idempotent, so finishing a save twice stores it once.

    The form's values are read from the session in the callback. A save finished later uses the values the
    callback read, or else those the form last showed: after the user moved on, the session may hold values
    from an earlier visit of the page. Every Streamlit call comes before the store write and only plain-dict
    updates after it, so a save that was written is always recorded as written.
    """
    with book["lock"]:  # released if Streamlit cuts this run short; the next run then finds the save pending
        entry = book["pending"].get(key)
        if entry is None:
            return
        if read_form:  # read without a yield point: the next click must not cut this short (ui/state.value_now)
            form = tuple(value_now(f"case_{name}_{key}") for name in ("mode", "ref", "title", "pick"))
            entry["values"] = (*form, value_now(_same_patient_key(key, form[3])), value_now(f"case_pixels_{key}"))
        values = entry["values"] or book["drawn"].get(key)
        store = get_store()
        # Revoked since the page was drawn (signed out in another tab, password changed): nothing is stored and the
        # next run's sign-in check says so. Checked here, after the Streamlit calls, so that only a session that
        # really ended drops the note; a save finished by a later run was already checked by its sign-in check.
        try:
            if guard is not None and not sessions.is_live(store, guard[1]):
                book["pending"].pop(key, None)
                return
            text = _store_save(store, book, entry["user"], entry["payload"], values)
        except DATABASE_DOWN:  # kept pending: the first run that reaches the store again stores it (ui/outage.py)
            book["outcome"][key] = ("error", SAVE_KEPT, None)
            return
        except PatientMismatchError as exc:  # the warning and the tick are just above: the store's advice is long
            book["outcome"][key] = ("error", f"Not saved to {_unbroken(exc.reference)}: its images are of another "
                                             "patient.", None)
        except BurnedInTextError:  # the warning and the tick are just above: the store's advice is long
            book["outcome"][key] = ("error", "Not saved: tick that you looked at the image first.", None)
        except (StoreError, PermissionDenied) as exc:
            book["outcome"][key] = ("error", str(exc), None)
            book["taken"][key] = _open_case_named(store, values)
        else:
            book["outcome"][key] = ("success", text, None)
            book["taken"].pop(key, None)
        book["pending"].pop(key, None)


def _open_case_named(store, values: tuple | None) -> tuple[int, str] | None:
    """The open case a refused New-case save named (another clinician made "MDT-MULTI" a moment before), offered
    as a choice: the user had to switch to Existing case and find it in the list (a review)."""
    if not values or values[0] != "New case" or not (values[1] or "").strip():
        return None
    wanted = values[1].strip().lower()  # the same or in other capitals: the store refuses both
    return next(((c["id"], c["reference"]) for c in store.list_cases()
                 if c["reference"].lower() == wanted and c["status"] != "closed"), None)


@whole_callback
def _choose_existing(key: str, case_id: int) -> None:
    """Switch the form to that existing case (a callback: before the form's widgets are drawn). Not saved: the
    user sees the case, and any warning about its patient, and presses Save."""
    st.session_state[f"case_mode_{key}"] = "Existing case"
    st.session_state[f"case_pick_{key}"] = case_id
    book = _save_book()
    book["outcome"].pop(key, None)  # the refusal answered: not said again over the chosen case
    book["taken"].pop(key, None)


def _store_save(store, book: dict, user: dict, payload: dict, values: tuple | None) -> str:
    """Write one save (no Streamlit call in here) and say what was stored."""
    mode, reference, title, choice, same_patient, *more = values or ("New case", "", "", None, False)
    pixels_checked = bool(more and more[0])
    if mode == "Existing case":
        if choice is None:
            raise StoreError("Choose the case to save to, or choose New case.")
        marker = (payload["card"].id, payload["digest"], "case", choice)
        target = {"case_id": choice, "same_patient": bool(same_patient)}
    else:
        marker = (payload["card"].id, payload["digest"], "new", (reference or "").strip())
        if marker in book["done"]:  # the same save clicked twice: already stored once, and said so
            analysis_id, reference = book["done"][marker]
            return f"Already saved as record #{analysis_id} in case {reference}; stored once."
        target = {"case_id": None, "new_case": (reference or "", title or "")}
    analysis_id, created = store.save_analysis(user=user, **{k: v for k, v in payload.items() if k != "digest"},
                                               pixels_checked=pixels_checked, **target)
    reference = store.case_of(analysis_id)["reference"]
    text = (f"Saved as record #{analysis_id} in case {reference}." if created else
            f"Already saved as record #{analysis_id} in case {reference}; stored once.")
    book["done"][marker] = (analysis_id, reference)
    return text


def complete_pending_saves() -> None:
    """Finish saves whose button callback was cut short by the user's next click, on whatever page it opened."""
    book = _save_book()
    book["said"].clear()  # a run the user's click stopped may have drawn an outcome: not said until a run ends
    late = book.setdefault("late", set())
    for key in list(book["pending"]):
        _complete_save(book, key, read_form=False)
        if book["outcome"].get(key, ("",))[0] == "success":
            # finished after its press (the database was back, or the user had moved on): a toast as well, since its
            # form may sit in a closed "Save to case" box (a re-check saw no confirmation after an outage)
            late.add(key)


# A confirmation drawn by a form this long before the user left its page is said again on the page they went to
SEEN_AFTER_S = 5.0


def announce_saves_shown_nowhere() -> None:
    """After the page's run, which reached its end: confirm with a toast each save whose form this page did not draw
    (a save finished here, or whose click this run handled because the user had already moved on;
    medapp/ui/runtime.py), and again one that its form drew less than SEEN_AFTER_S before the user left the page.
    Taken as said when the form drew it, a Save followed by a click on another page 0-0.4 s later was stored but
    confirmed nowhere 8 times in 9 (the click stopped the run at the drawing); counted as said when that run ended,
    still 8 of 9 (the box was on screen 0.35-0.65 s before the page changed: browser reviews)."""
    book = _save_book()
    outcomes, said, now = book["outcome"], book["said"], time.monotonic()
    late = book.setdefault("late", set())
    for key in list(outcomes):
        kind, text, said_at = outcomes[key]
        if key in late:
            late.discard(key)
            said.discard(key)
            said_at = None
        if key in said:  # drawn by its form in this run, which has now ended: kept a moment, in case the user leaves
            outcomes[key] = (kind, text, now)
            continue
        if said_at is None or now - said_at < SEEN_AFTER_S:
            if kind == "success":
                st.toast(text, icon=":material/check_circle:")
            else:
                st.toast(text if text.startswith("Not saved") else f"Not saved: {text}", icon=":material/error:")
        outcomes.pop(key, None)  # after the toast: a run stopped at it leaves the outcome to the next


def _unbroken(reference: str) -> str:
    """A case reference that a narrow column does not break at its hyphens ("REV-UP-" / "A")."""
    return reference.replace("-", "\u2011")


_BURNED_IN: dict[str, bool] = {}  # by content hash: a series' headers are read once, not on every rerun


def _burned_in(modality: str, data: bytes, digest: str) -> bool:
    known = _BURNED_IN.get(digest)  # one lookup: another session may clear the cache between two
    if known is None:
        if len(_BURNED_IN) > 512:
            _BURNED_IN.clear()
        known = _BURNED_IN[digest] = declares_burned_in_text(modality, data)
    return known


def _same_patient_key(key: str, case_id: int | None) -> str:
    """One tick per chosen case: a confirmation given for one case's patient carried over to the next case picked."""
    return f"case_same_{key}_{case_id}"


def save_to_case(*, card: ModelCard, prediction: Prediction, explanation: Explanation | None,
                 input_bytes: bytes, input_name: str, key: str) -> None:
    """Save this analysis to a new or an existing (open) case."""
    user = current_user()
    if user is None:
        return
    store = get_store()
    digest = content_hash(input_bytes)
    # Inline, not a popover: a popover floats over the page and is placed by the browser at the moment it opens
    # (it was reported opening below the screen); an expander is part of the page, which grows and scrolls.
    # keyed: the browser then keeps it open by its key, not by its place among the page's elements; unkeyed, on a
    # cohort the first click in it (New case) folded it shut (a review; tests/e2e/test_survival_e2e.py)
    with st.expander("Save to case", icon=":material/save:", key=f"case_form_{key}"):
        open_cases = [c for c in store.list_cases() if c["status"] != "closed"]
        mode_key, made_key = f"case_mode_{key}", f"_case_mode_made_without_cases_{key}"
        if mode_key not in st.session_state and not open_cases:
            st.session_state[made_key] = True
        elif open_cases and st.session_state.pop(made_key, False) and st.session_state.get(mode_key) == "New case" \
                and not st.session_state.get(f"case_ref_{key}"):
            # Made when no case was open, and untouched: now that one is (the first image of two saved to a new
            # case), an existing case is offered first, as for a form made after it (a review: "New case" invited a
            # duplicate case for the second image)
            st.session_state[mode_key] = "Existing case"
        mode = st.radio("Case", ["New case", "Existing case"], horizontal=True, key=mode_key,
                        **({} if mode_key in st.session_state else {"index": 1 if open_cases else 0}))
        reference = title = pick = same = None
        if mode == "New case":
            reference = st.text_input("Pseudonymous case reference", key=f"case_ref_{key}",
                                      help="A study or ward code, e.g. MDT-2026-014. Never the patient's name, date of birth "
                                           "or record number: a reference that looks like a full name, a date or a "
                                           "record number is refused, but a surname alone cannot be recognised.")
            title = st.text_input("Short title (optional)", key=f"case_title_{key}")
        else:
            # Chosen by id, labelled by what never changes: the browser sends back the label, and Streamlit maps it
            # to an option by text. A label holding the analysis count changed with the save, so a second click
            # (a double-click) sent a label no option had and the store got that text as the case: "There is no
            # case MDT-1 · open · 3 analyses", on that click and every later one.
            labels = {c["id"]: c["reference"] + (f" ({c['title']})" if c.get("title") else "") for c in open_cases}
            if st.session_state.get(f"case_pick_{key}") not in labels:
                st.session_state.pop(f"case_pick_{key}", None)
            # no case chosen for the user: the most recently updated one (often another clinician's, another
            # patient's) was preselected, and one click on Save filed the analysis there
            pick = st.selectbox("Case", list(labels), format_func=labels.get, key=f"case_pick_{key}", index=None,
                                placeholder="Choose a case" if labels else "no open cases")
            chosen = next((c for c in open_cases if c["id"] == pick), None)
            if chosen is not None:
                n = chosen["analyses"]
                # the title again, whole: a narrow column cuts the box's label ("CASE-GEN-01 (Unclassifiable tumou")
                st.caption((f"{literal(chosen['title'])} · " if chosen.get("title") else "")
                           + f"{chosen['status']} · {n} {'analysis' if n == 1 else 'analyses'}")
                # said before the click; the store refuses it too (the API, a case changed since this was drawn)
                if store.other_patient_in_case(pick, store.patient_key(card.modality, input_bytes)):
                    st.warning(f"This image's DICOM Patient ID is not that of the images already in "
                               f"{_unbroken(chosen['reference'])}: it looks like another patient.",
                               icon=":material/warning:")
                    same = st.checkbox("Same patient under another ID: save anyway",
                                       key=_same_patient_key(key, pick))
        checked = None
        if _burned_in(card.modality, input_bytes, digest):  # said before the click; the store refuses it unticked
            # short: the form is a narrow column, and the analysis above says what burned-in annotation means
            st.warning("Burned-in text declared: the case, Meeting mode and reports show this image.",
                       icon=":material/warning:")
            checked = st.checkbox("I looked: no name, date or number in the image identifies the patient",
                                  key=f"case_pixels_{key}")
        payload = {"card": card, "prediction": prediction, "explanation": explanation, "input_bytes": input_bytes,
                   "input_name": input_name, "digest": digest}
        book = _save_book()
        book["drawn"][key] = (mode, reference, title, pick, same, checked)  # what a save finished on another page uses
        st.button("Save", key=f"case_save_{key}", type="primary", on_click=_save_clicked,
                  args=(book, key, user, payload, session_guard()))
        kind, text, said_at = book["outcome"].get(key, (None, None, None))
        if said_at is not None:  # drawn in an earlier run, and the user stayed: said once, as before
            book["outcome"].pop(key, None)
            kind = None
        if kind == "success":
            st.success(text)
        elif kind == "error":
            st.error(text)
            if (taken := book["taken"].get(key)) is not None:
                st.button(f"Choose {taken[1]} to save to it", key=f"case_take_{key}", on_click=_choose_existing,
                          args=(key, taken[0]), icon=":material/folder_open:")
        if kind is not None:
            book["said"].add(key)
