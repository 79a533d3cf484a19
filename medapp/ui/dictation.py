"""Streamlit widgets for dictation: record or upload, transcribe with a progress bar; the site vocabulary."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ..analysis import analyse
from ..modalities.speech import vocabulary
from ..registry import get_card, list_cards
from ..types import InputError
from .common import cached_model, show_input_error, upload_mb
from .presses import flash, pressed
from .state import kept_upload

VOCABULARY_SAVED = "dictation_vocabulary_saved"  # the confirmation of Save vocabulary (presses.flash)


def speech_model_id() -> str | None:
    return next((c.id for c in list_cards() if c.modality == "speech"), None)


def _percent(rate: float) -> str:
    return f"{100 * rate:.1f}%"


def _clips(card, test_set: str) -> int | None:
    """How many recordings a set of the card's evaluation holds, when the card says."""
    return card.metrics.get("evaluation", {}).get(test_set, {}).get("with_vocabulary", {}).get("clips")


def _accuracy_note(card) -> str:
    """The caption over the recorder: where dictation runs, and the card's measured word error rates in words.

    It printed the card's metric keys ("wer librivox 0.014, wer clinical clean 0.325, ..."). The figures are read
    from the card's summary (metrics.protocol says what each set is): LibriVox readings, and the held-out clinical
    dictations spoken by synthetic (espeak-ng) voices, clean and with background noise, with the vocabulary prompt
    the app uses. Development-set figures (settings were chosen on them) and the no-vocabulary ablation are left
    to the model card.
    """
    summary = card.metrics.get("summary", {})
    figures = []
    if summary.get("wer_librivox") is not None:
        n = _clips(card, "librivox")
        figures.append(f"{_percent(summary['wer_librivox'])} on read audiobook speech "
                       f"(LibriVox{f', {n} clips' if n else ''})")
    clinical = [f"{_percent(summary[k])} {how}" for k, how in (("wer_clinical_clean", "clean"),
                                                                ("wer_clinical_noisy", "with background noise"))
                if summary.get(k) is not None]
    if clinical:
        n = _clips(card, "clinical_clean")
        figures.append(f"on {f'{n} ' if n else ''}clinical dictations in synthetic voices, " + ", ".join(clinical))
    measured = ""
    if figures:
        measured = ("Measured word error rate (share of words wrong): " + "; ".join(figures)
                    + (". Not yet measured on real clinicians' voices. " if clinical else ". "))
    # medapp trains every other model; this one is used as published (a statistician's review: the app-wide notice
    # says "trained on a small public research dataset", untrue of it)
    return (f"Dictation runs on this server, offline, with {card.name}: OpenAI's Whisper base weights unchanged "
            "(trained by its authors on 680,000 hours of web audio; converted for faster-whisper, run in 8-bit "
            "integers on the CPU; medapp trains nothing here); the recording is not stored. "
            + measured + "The transcript is a draft: read and correct it before analysing. It hears English and "
            "one speaker: other voices are written in as if dictated, and other languages come out as English "
            "guesses (a clinical-safety review).")


def dictation_widget(on_text: Callable[[str], str], key: str = "notes") -> None:
    """Record in the browser or upload a recording; its transcript goes to `on_text` once per recording, which
    says where it put it ("was added to the note box ...")."""
    model_id = speech_model_id()
    if model_id is None:
        st.info("No dictation model is installed on this server.")
        return
    card = get_card(model_id)  # read once per run: the caption and the upload limit both come from it
    st.caption(_accuracy_note(card))  # the model itself loads when a recording arrives
    # kept across pages: a clinician who left the page while a recording was being transcribed came back to an
    # empty box and no transcript, without a word (a cardiology review); it is transcribed again on return
    audio = kept_upload(st.audio_input, "Record a dictation", key=f"{key}_audio")
    upload = kept_upload(st.file_uploader, "... or upload a recording (WAV, FLAC, OGG, MP3)", key=f"{key}_speech",
                         max_upload_size=upload_mb("speech", card))
    source = audio or upload
    done_key = f"{key}_dictation_done"
    if source is not None and st.session_state.get(done_key) != source.file_id:
        name = getattr(source, "name", None) or "the recording"
        bar = st.progress(0.0, text="Transcribing on this server...")
        try:
            model = cached_model(model_id)
            x = model.load_bytes(source.getvalue(), name)
            x = x.with_progress(lambda f: bar.progress(f, text=f"Transcribing on this server... {f:.0%}"))
            pred = analyse(model, x).prediction
        except InputError as exc:
            bar.empty()
            st.session_state[done_key] = source.file_id
            show_input_error(exc)
            return
        bar.empty()
        st.session_state[done_key] = source.file_id
        st.session_state[f"{key}_dictation_result"] = pred
        st.session_state[f"{key}_dictation_put"] = on_text(pred.text or "")
    pred = st.session_state.get(f"{key}_dictation_result")
    if pred is not None and source is not None:
        put = st.session_state.get(f"{key}_dictation_put") or "was added to the note box under *Type or paste*"
        st.success(f"The transcript ({pred.duration_s or 0:.0f} s of audio, transcribed in "
                   f"{pred.details.get('seconds', 0):.1f} s) {put}: check and correct it there before analysing.")
        for warning in pred.warnings:
            st.warning(warning, icon=":material/warning:")
        # open where a part is marked: the marks belong beside the note box, not folded away (a clinical-safety review)
        with st.expander("Transcript by time (medicines, doses and low-confidence parts marked)",
                         expanded=any(seg.get("check") for seg in pred.segments)):
            for seg in pred.segments:
                flag = " ⚠ check" if seg.get("check") else ""
                st.markdown(f"`{seg['start']:.1f}-{seg['end']:.1f} s` {_escape(seg['text'])}{flag}")


def _escape(text: str) -> str:
    """Transcripts are shown as markdown: keep them literal."""
    out = text.replace("\\", "\\\\")
    for ch in "*_`[]<>#|~$":
        out = out.replace(ch, "\\" + ch)
    return out


def vocabulary_admin(username: str, store) -> None:
    """Admin: the site's own dictation terms, used first in the vocabulary prompt."""
    st.subheader("Dictation vocabulary", anchor=False)
    st.caption("Terms this site dictates often (local drug names, clinicians' and wards' names are NOT "
               "needed here: names are removed from notes). One term a line; these come first in the prompt, "
               f"before the {len(vocabulary.shipped_terms())} shipped medicines and clinical terms.")
    current = "\n".join(vocabulary.site_terms())
    with st.form("dictation_vocabulary"):
        text = st.text_area("Site terms", value=current, height=160, key="dictation_vocabulary_text")
        if pressed("Save vocabulary", key="dictation_vocabulary_save", form=True):
            try:
                kept = vocabulary.save_site_terms(text)
            except InputError as exc:
                show_input_error(exc)
            else:
                store.audit(username, "vocabulary_changed", "dictation", terms=len(kept))
                flash(VOCABULARY_SAVED, f"Saved {len(kept)} site terms; the next dictation uses them.")
    if said := st.session_state.pop(VOCABULARY_SAVED, None):  # after the write, or in the next run if cut short
        st.success(said)
