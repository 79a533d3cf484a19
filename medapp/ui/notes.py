"""Streamlit widgets for clinical notes: input (paste, upload, dictation), PHI view, classification."""
from __future__ import annotations

import streamlit as st

from ..analysis import analyse
from ..modalities.notes.deid import Span
from ..modalities.notes.io import read_note
from ..modalities.notes.model import NoteInput, NotesModel
from ..render.text import highlighted_html, top_classes, top_words
from ..types import InputError
from .cases import log_analysis, save_to_case
from .common import show_input_error, upload_mb
from .dictation import dictation_widget

NOTE_KEY = "notes_text"


def _set_note(text: str) -> None:
    st.session_state[NOTE_KEY] = text


def note_input() -> str:
    """Paste, upload or dictate; every route fills the one editable text box."""
    paste, upload, dictate = st.tabs(["Type or paste", "Upload a file", "Dictate"])
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
    with dictate:
        dictation_widget(lambda text: _set_note((st.session_state.get(NOTE_KEY, "") + "\n" + text).strip()))
    with paste:
        st.text_area("Clinical note", key=NOTE_KEY, height=220,
                     placeholder="Paste or type the note. Names, dates, numbers and addresses are removed "
                                 "before the model reads it.")
    return st.session_state.get(NOTE_KEY, "")


def removed_view(spans: tuple[Span, ...]) -> None:
    if not spans:
        st.caption("No protected health information was found.")
        return
    kinds: dict[str, int] = {}
    for s in spans:
        kinds[s.kind] = kinds.get(s.kind, 0) + 1
    st.caption("Removed before analysis: " + ", ".join(f"{n} {k}" for k, n in kinds.items()))
    if st.toggle("Show what was removed (visible to you only; never stored)", key="notes_show_removed"):
        st.table({"type": [s.kind for s in spans], "removed text": [s.text for s in spans]})


def note_result(model: NotesModel, raw: str) -> None:
    try:
        x = NoteInput.from_text(raw, "note")
    except InputError as exc:
        show_input_error(exc)
        return
    result = analyse(model, x)
    pred, expl = result.prediction, result.explanation
    log_analysis(model.card, pred, model.input_key(x))
    left, right = st.columns([1, 2])
    with left:
        st.caption("Most likely")
        st.subheader(pred.label, anchor=False)
        st.plotly_chart(top_classes(pred.labels, pred.probabilities), width="stretch", key="notes_classes")
        for w in pred.warnings:
            st.warning(w, icon=":material/warning:")
        removed_view(x.removed)
        save_to_case(card=model.card, prediction=pred, explanation=expl, input_bytes=x.text.encode("utf-8"),
                     input_name="note.txt", key="notes")
    with right:
        st.markdown("**De-identified note, coloured by each word's effect**")
        st.html(highlighted_html(expl))
        st.plotly_chart(top_words(expl), width="stretch", key="notes_words")
        st.caption(f"{expl.method}, {expl.compute_ms / 1000:.1f} s. Contributions to the probability of "
                   f"'{expl.target_display}'; they show what moved this model, not clinical reasoning.")
