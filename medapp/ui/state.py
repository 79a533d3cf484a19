"""A page keeps its work when the user goes to another page and comes back.

Streamlit deletes the state of every widget that is not drawn in a run, so leaving a page wiped its
form values, note text, chosen model and uploads. These helpers keep them under non-widget keys:

- `remember_sent_values()` copies the value of each keyed widget that can be set (inputs, choices,
  sliders, text) into `_medapp_kept` as a run begins (medapp/ui/runtime.py calls it where the run takes
  the browser's values, so a run that the user's next click stops at once still keeps them: a note
  committed and a page link clicked within milliseconds lost the note, 1 time in 10-14 on a loaded machine);
  `keep_page_state()`, called by app.py on every run, puts a kept value back under its key when the
  widget's own state has been deleted; the widget then opens with it.
- `kept_upload(st.file_uploader, ...)` (or `st.audio_input`) stands in for an upload widget, whose
  value cannot be set: the uploaded bytes are kept, and offered again (with a way to forget them)
  when the user comes back to a page whose upload box is now empty.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from ..types import InputError

log = logging.getLogger(__name__)

KEPT = "_medapp_kept"
KEPT_FILES = "_medapp_kept_files"
UPLOAD_KEYS = "_medapp_upload_keys"  # the keys of the upload widgets kept_upload has drawn in this session
# Widget value types Streamlit lets a program set; buttons, uploads, recordings and tables are not.
SETTABLE = {"bool_value", "int_value", "double_value", "string_value", "int_array_value", "double_array_value",
            "string_array_value"}


def _widgets() -> tuple[Any, Any, set[str]] | None:
    """Streamlit's session state, its thread-safe wrapper and the ids of the widgets whose values the browser sent
    for this run."""
    try:
        from streamlit.runtime.state import get_session_state

        safe = get_session_state()
        state = safe._state  # SessionState behind the thread-safe wrapper
        return state, safe, set(state._new_widget_state.states)
    except Exception:  # a Streamlit without these internals: keep nothing rather than break the page
        log.debug("Streamlit's widget state is not readable here", exc_info=True)
        return None


def value_now(key: str, default: Any = None) -> Any:
    """st.session_state.get(key, default) without Streamlit's check for a newer request, for a button callback that
    must read its form. Streamlit abandons a callback at its first st.session_state read once the user's next click
    is waiting; a Save whose callback was abandoned there was finished on the next page with the values the form
    had last drawn, not those sent with the Save (a reference typed and not yet committed: the save was taken for
    the previous one's, "Already saved ... in case LEAVE-5", and LEAVE-6 was never stored)."""
    widgets = _widgets()
    if widgets is None:
        return st.session_state.get(key, default)
    state, safe, _ = widgets
    with safe._lock:
        try:
            return state[key]
        except KeyError:
            return default


def set_now(key: str, value: Any) -> None:
    """st.session_state[key] = value without Streamlit's check for a newer request, for what a page notes right after
    a write (a confirmation, the round number that empties a form): written with st.session_state, it was lost when
    the user's next click came at once, and the user was added but never told so (a browser re-check)."""
    widgets = _widgets()
    if widgets is None:
        st.session_state[key] = value
        return
    state, safe, _ = widgets
    with safe._lock:
        state[key] = value


def whole_callback(callback: Callable[..., None]) -> Callable[..., None]:
    """A widget callback that runs to its end. Streamlit abandons a callback at its first st.session_state read or
    write once the user's next click is waiting; the click's own run then came without what the callback had set.
    *Load example patient* then *Estimate risk* at once estimated the empty form and the example was never filled
    (a CI run, 1 in some hundreds). The session state's yield hook is off while the callback runs; it runs in the
    script's own thread, the only one that calls the hook."""
    @functools.wraps(callback)
    def run(*args, **kwargs) -> None:
        try:
            from streamlit.runtime.state import get_session_state

            safe = get_session_state()
            hook = safe._yield_callback
        except Exception:  # a Streamlit without these internals: the callback as it is
            log.debug("Streamlit's yield hook is not reachable here", exc_info=True)
            return callback(*args, **kwargs)
        object.__setattr__(safe, "_yield_callback", lambda: None)  # SafeSessionState's own way to set a field
        try:
            return callback(*args, **kwargs)
        finally:
            object.__setattr__(safe, "_yield_callback", hook)
    return run


T = TypeVar("T")


def session_memo(key: str, ident: Hashable, compute: Callable[[], T]) -> T:
    """compute(), once per session for `ident`: a heavy result of this session's own upload (a scored cohort: 3.9 s
    for 10,000 rows) is not computed again on every rerun of the page or on coming back to it. Only the latest
    ident is kept under `key`, so a session holds one result per panel; a session Streamlit forgets takes it along.
    An InputError (a refused file) is remembered too, as the upload gate's decode cache remembers it, and raised
    afresh each time; kept without its traceback, whose frames held the file's rows (a review)."""
    memo = st.session_state.get(key)
    if memo is None or memo[0] != ident:
        try:
            memo = (ident, True, compute())
        except InputError as exc:
            memo = (ident, False, (exc.message, exc.field, exc.row))
        set_now(key, memo)
    _, ok, value = memo
    if not ok:
        message, field, row = value
        raise InputError(message, field=field, row=row)
    return value


def forget_memo(key: str) -> None:
    """Drop a `session_memo` result once its file is gone from the page (a scored cohort of 200,000 rows holds
    most of a gigabyte until the session ends)."""
    if key in st.session_state:
        del st.session_state[key]


def _metadata(state, key: str):
    widget_id = state.get_widget_id_from_key(key)
    return state.get_widget_metadata(widget_id) if widget_id else None


def _settable(state, key: str) -> bool:
    meta = _metadata(state, key)
    return meta is not None and meta.value_type in SETTABLE


def keep_page_state() -> None:
    """Keep every settable widget value the browser sends; give back those it no longer sends.

    The browser stops sending a widget's value once its page is left, and the server then deletes it.
    A kept value is written again on every run until the browser sends it back: only a value written
    in the run that draws the widget reaches the browser (written earlier, the server would hold the
    value while the browser showed an empty box).
    """
    found = _widgets()
    if found is None:
        return
    state, safe, sent = found
    with safe._lock:  # the run this one stopped may still be ending in another thread
        kept = remember_sent_values(state, sent)  # again: a process's first run began before the hook was in
        for key, value in kept.items():
            if state.get_widget_id_from_key(key) not in sent:
                state[key] = value


def keep_value(key: str, value: Any) -> None:
    """Keep a value the program itself puts in a widget (a transcript or a loaded file put in the note box). The
    browser has not sent it, and a page change does not send it: without this, leaving the page before the next
    click brought the box back without the dictated transcript."""
    st.session_state[key] = value
    kept = st.session_state.get(KEPT)
    if not isinstance(kept, dict):
        kept = st.session_state[KEPT] = {}
    kept[key] = value


def remember_sent_values(state, sent: set[str]) -> dict[str, Any]:
    """Copy into KEPT the value of every settable keyed widget whose value the browser sent (`sent`: widget ids) and
    return KEPT. `state` is Streamlit's SessionState, used under its wrapper's lock."""
    kept: dict[str, Any] = _session_dict(state, KEPT)
    for key in list(state.filtered_state):
        if (isinstance(key, str) and not key.startswith("_") and state.get_widget_id_from_key(key) in sent
                and (_settable(state, key) or (key in kept and _emptied(state, key)))):
            kept[key] = state[key]
    return kept


def _emptied(state, key: str) -> bool:
    """A widget kept before, which the browser now sends without a value (a number box emptied to "not measured").
    Reading such a value sets the widget's type to none, so `_settable` says no; the emptied box was then left
    out, and coming back the page put the value it held before in it again (a browser review: cholesterol back at
    240 after the clinician had cleared it and estimated without it)."""
    meta = _metadata(state, key)
    return meta is not None and meta.value_type is None and state[key] is None


def remember_sent_uploads(state, sent) -> None:
    """Keep a new upload as the run takes it from the browser (`sent`: the request's WidgetStates). kept_upload keeps
    a file when its page draws the upload box; a page link clicked at once stopped the run before that, and coming
    back the page offered and analysed the previous file as if it were kept from before (3 uploads in 10 in a
    Playwright loop). Only new files are taken: an empty box is kept_upload's to judge when it draws it."""
    keys = state[UPLOAD_KEYS] if UPLOAD_KEYS in state else set()
    if not keys:
        return
    store: dict[str, dict] = _session_dict(state, KEPT_FILES)
    by_id = {w.id: w for w in sent.widgets}
    for key in keys:
        widget = by_id.get(state.get_widget_id_from_key(key))
        if widget is None or widget.WhichOneof("value") != "file_uploader_state_value":
            continue
        file_ids = [f.file_id for f in widget.file_uploader_state_value.uploaded_file_info]
        entry = store.get(key)
        if not file_ids or (entry and [f.file_id for f in entry["files"]] == file_ids):
            continue
        _keep_files(store, key, state[key])  # Streamlit's UploadedFile(s), read from its upload store


def _session_dict(state, key: str) -> dict:
    """The dict kept in session state under `key`, made empty the first time."""
    if key not in state:
        state[key] = {}
    return state[key]


def _keep_files(store: dict[str, dict], key: str, value) -> list:
    """The files an upload widget returned (one, a list or None); kept in `store` under `key` when there are any."""
    files = value if isinstance(value, list) else ([value] if value is not None else [])
    if files:
        store[key] = {"files": [_as_kept(f) for f in files], "restored": False}
    return files


@dataclass(frozen=True)
class KeptFile:
    """An upload kept across pages; reads like Streamlit's UploadedFile where pages use it."""

    name: str
    data: bytes
    file_id: str
    type: str = ""

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data

    def read(self) -> bytes:
        return self.data


def _as_kept(f) -> KeptFile:
    return KeptFile(getattr(f, "name", "recording.wav") or "recording.wav", f.getvalue(),
                    str(getattr(f, "file_id", "")), getattr(f, "type", "") or "")


def kept_upload(widget: Callable[..., Any], label: str, *, key: str, **kwargs):
    """`widget(label, key=key, **kwargs)` (st.file_uploader or st.audio_input), whose files outlive the page.

    Returns what the widget returns; when the widget is empty because the user left the page and came
    back, returns the kept files instead (KeptFile, same shape) and says so, with a button to forget them.
    """
    store: dict[str, dict] = st.session_state.setdefault(KEPT_FILES, {})
    st.session_state.setdefault(UPLOAD_KEYS, set()).add(key)
    fresh = key not in st.session_state  # drawn for the first time since the page was opened
    value = widget(label, key=key, **kwargs)
    entry = store.get(key)
    if _keep_files(store, key, value):
        return value
    if entry and (fresh or entry["restored"]):
        entry["restored"] = True
        names = ", ".join(f.name for f in entry["files"])
        note, forget = st.columns([5, 1], vertical_alignment="center")
        note.caption(f":material/history: Kept from before you left this page: **{names}**. Upload again to "
                     "replace, or forget it.")
        if forget.button("Forget", key=f"{key}__forget", icon=":material/delete:"):
            store.pop(key, None)
            st.rerun()
        return entry["files"] if isinstance(value, list) or kwargs.get("accept_multiple_files") else entry["files"][0]
    store.pop(key, None)  # the user removed the upload
    return value
