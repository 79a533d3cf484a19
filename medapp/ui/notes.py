"""Streamlit widgets for clinical notes: input (paste, upload, dictation), PHI view, classification."""
from __future__ import annotations

from html import escape

import streamlit as st

from ..analysis import analyse
from ..modalities.notes.deid import Span
from ..modalities.notes.io import read_note
from ..modalities.notes.model import NoteInput, NotesModel
from ..render.numbers import headline_percent
from ..render.text import highlighted_html, top_classes, top_words
from ..reports.content import close_call, close_call_markdown
from ..types import InputError
from .cases import log_analysis, save_to_case
from .common import show_input_error, upload_mb
from .dictation import dictation_widget
from .presses import pressed
from .state import keep_value

NOTE_KEY = "notes_text"
ANALYSED_KEY = "notes_analysed"  # {"text", "model"}: the note and model of the last press of Analyse note


def _set_note(text: str) -> None:
    keep_value(NOTE_KEY, text)  # kept at once: the user may leave before the box's value is sent back


REPLACED_KEY = "notes_replaced_note"  # the analysed note a transcript replaced, for the clinician to take back


def _put_transcript(text: str) -> str:
    """Put a transcript in the box and say where it went. Added to a note being written; in place of a note already
    analysed, which a transcript added to it had mixed with another patient's note into one analysis and one saved
    case (a clinicians' review). The replaced note is kept for the clinician to take back (_replaced_offer)."""
    existing = st.session_state.get(NOTE_KEY, "")
    done = st.session_state.get(ANALYSED_KEY)
    st.session_state.pop(REPLACED_KEY, None)
    if existing.strip() and isinstance(done, dict) and done.get("text") == existing:
        st.session_state[REPLACED_KEY] = existing
        _set_note(text.strip())
        return ("replaced the note already analysed in the box under *Type or paste* (one note, one patient; the "
                "button below puts the earlier note back with the transcript at its end)")
    _set_note((existing.strip() + "\n" + text).strip())
    return "was added to the note box under *Type or paste*" + (" after the text already there" if existing.strip()
                                                                else "")


def _replaced_offer() -> None:
    """Take back the analysed note a transcript replaced, the transcript then at its end."""
    earlier = st.session_state.get(REPLACED_KEY)
    if earlier and pressed("Put the earlier note back, the transcript at its end", key="notes_take_back"):
        _set_note((earlier.strip() + "\n" + st.session_state.get(NOTE_KEY, "")).strip())
        st.session_state.pop(REPLACED_KEY, None)
        st.success("The earlier note is back in the box, the transcript after it.")


def note_input() -> str:
    """Paste, upload or dictate; every route fills the one editable text box."""
    # tracked, so the tab chosen is kept when the user leaves the page and comes back (as on Imaging)
    paste, upload, dictate = st.tabs(["Type or paste", "Upload a file", "Dictate"], key="notes_tab", on_change="rerun")
    with upload:
        file = st.file_uploader("Text (.txt, any common encoding), PDF or Word (.docx)", key="notes_upload",
                                max_upload_size=upload_mb("notes"))
        if file is not None and st.session_state.get("notes_upload_done") != file.file_id:
            try:
                _set_note(read_note(file.getvalue(), file.name))
                st.session_state["notes_upload_done"] = file.file_id
                st.success(f"Loaded {file.name} into the note box.")
            except InputError as exc:
                show_input_error(exc, file.name)
                if st.session_state.get(NOTE_KEY):  # a review read the earlier result below as the upload's
                    st.caption(f"The note box still holds the earlier note: the result below, if any, is for it, "
                               f"not for {file.name}.")
    with dictate:
        dictation_widget(_put_transcript)
        _replaced_offer()
    with paste:
        st.text_area("Clinical note", key=NOTE_KEY, height=220,
                     # what the de-identifier removes, not more: clinical numbers (38.9 C, CRP 180) stay
                     placeholder="Paste or type the note. Names, dates, identifying numbers (phone, record and "
                                 "insurance numbers) and addresses are removed before the model reads it; clinical "
                                 "values stay. Check the de-identified text shown with the result.")
    return st.session_state.get(NOTE_KEY, "")


def _warnings(pred) -> None:
    for w in pred.warnings:
        if pred.fits or w != pred.fit.message:  # the refusal is the error above, not again a warning
            st.warning(w, icon=":material/warning:")


def removed_view(spans: tuple[Span, ...]) -> None:
    if not spans:
        st.caption("No protected health information was found.")
        return
    kinds: dict[str, int] = {}
    for s in spans:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    st.caption("Removed before analysis: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    # short label: in the result's narrow column the long one was cut ("... (visible to you onl...")
    if st.toggle("Show removed text", key="notes_show_removed", help="Visible to you only; never stored."):
        st.table({"type": [s.kind for s in spans], "removed text": [s.text for s in spans]})


def analysed_note(model: NotesModel, text: str, clicked: bool) -> None:
    """The analysis of the note exactly as it stood, with the model chosen, when Analyse note was pressed.

    Pressing the button once used to turn analysis on for the session: a dictated transcript appended to the box,
    an edit or another model was analysed at once and offered for saving, unread. The press now records the text
    and the model it was made for; a result is drawn (and offered for saving) only while both are unchanged, so a
    later change is never analysed until the button is pressed again, and what is saved is what was analysed and
    shown. The record is a plain session key, so the result is still there after a trip to another page.
    """
    chosen = {"id": model.card.id, "version": model.card.version}
    if clicked:
        if not text:
            st.session_state.pop(ANALYSED_KEY, None)
            # Said in answer to the press only: a later run (an upload that failed, a toggle) does not repeat it.
            st.error("The note is empty: there is no text to analyse.", icon=":material/error:")
            return
        st.session_state[ANALYSED_KEY] = {"text": text, "model": chosen}
    done = st.session_state.get(ANALYSED_KEY)
    if not isinstance(done, dict) or not text:
        return
    if done.get("text") != text:
        st.info("The note has changed since it was analysed: press **Analyse note** to analyse this version.",
                icon=":material/info:")
    elif done.get("model") != chosen:
        st.info("The note was analysed with another model: press **Analyse note** to analyse it with this one.",
                icon=":material/info:")
    else:
        note_result(model, text)


def close_call_text(pred) -> str | None:
    """The page's "**Not a clear answer**: ..." (reports.content.close_call), or None."""
    said = close_call(pred)
    return None if said is None else close_call_markdown(said)


def note_result(model: NotesModel, raw: str) -> None:
    try:
        x = NoteInput.from_text(raw, "note")
    except InputError as exc:
        show_input_error(exc)
        return
    result = analyse(model, x)
    pred, expl = result.prediction, result.explanation
    log_analysis(model.card, pred, model.input_key(x))
    # keyed so ui/common.READABLE_STYLE puts the chart under the result where both cannot be wide enough (at 1024 px
    # a warning ran one word a line and the chart's axis title was cut: a review)
    left, right = st.container(key="analysis_columns_page_notes").columns([1, 2])
    with left:
        if pred.fits:
            # the probability beside the headline, and a close call said: "digestive system diseases" stood in large
            # type at 29% against 26% for the next class (a review)
            st.caption(f"Most likely, {headline_percent(pred.probability)}")
            st.subheader(pred.label, anchor=False)
            if (caveat := close_call_text(pred)) is not None:
                st.caption(caveat)
            _warnings(pred)  # under the headline, not under the chart: a note of denials' caution was below the fold
            st.plotly_chart(top_classes(pred.labels, pred.probabilities), width="stretch", key="notes_classes")
        else:  # a note unlike every training text (unlike.py): no finding, the reason as the error
            st.error(pred.fit.message, icon=":material/block:")
            _warnings(pred)
            with st.expander("Model output for this note (not a finding)"):
                st.plotly_chart(top_classes(pred.labels, pred.probabilities), width="stretch", key="notes_classes")
        removed_view(x.removed)
        save_to_case(card=model.card, prediction=pred, explanation=expl if pred.fits else None,
                     input_bytes=x.text.encode("utf-8"), input_name="note.txt", key="notes")
    with right:
        if not pred.fits:
            st.markdown("**De-identified note** (not explained: the model does not assess it)")
            st.html(f'<div style="white-space:pre-wrap">{escape(x.text)}</div>')
            return
        st.markdown("**De-identified note, coloured by each word's effect**")
        st.html(highlighted_html(expl))
        st.plotly_chart(top_words(expl), width="stretch", key="notes_words")
        st.caption(f"{expl.method}, {expl.compute_ms / 1000:.1f} s. Contributions to the probability of "
                   f"'{expl.target_display}'; they show what moved this model, not clinical reasoning.")
