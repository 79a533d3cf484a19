"""Streamlit panels of the audio page: input choice, recording facts, lung view, heart result."""
from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import streamlit as st

from ..analysis import analyse
from ..modalities.audio.explain import most_influential_segment
from ..modalities.audio.features import display_view
from ..modalities.audio.io import AudioInput, Cycle, parse_cycles, sort_uploads
from ..registry import data_root
from ..render import audio as render
from ..render.numbers import headline_percent, precise_percent
from ..render.stored import shown_recording
from ..types import InputError
from .cases import log_analysis, save_to_case
from .common import show_input_error, upload_mb
from .recording import cycles_table
from .state import kept_upload

MIME = {"WAV": "audio/wav", "FLAC": "audio/flac", "OGG": "audio/ogg", "MP3": "audio/mpeg"}


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(samples, -1, 1), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _examples(lung: bool) -> dict[str, tuple[str, bytes | None, str | None]]:
    """Example inputs of the kind chosen: a synthetic heart sound; or the ICBHI lung demo recordings when present.
    Listed together, eleven of the twelve were lung recordings that "Heart sound" (the page's default) refused in a
    red box (a presenter's review)."""
    if not lung:
        from ..modalities.audio.synth import synthetic_heart_sound

        return {"Synthetic heart sound with a systolic murmur (4 s)":
                ("synthetic-murmur.wav", wav_bytes(synthetic_heart_sound(murmur=True), 8000), None)}
    folder = data_root() / "audio" / "lung_sounds_demo"
    return {f"ICBHI lung recording {wav.stem}": (wav.name, None, str(wav))
            for wav in (sorted(folder.glob("*.wav")) if folder.is_dir() else [])}


def choose_input(lung: bool = False) -> tuple[str, bytes, list[Cycle], str] | None:
    """(name, bytes, annotated cycles, source) from an upload, a browser recording or an example (of the kind chosen:
    `lung`)."""
    # tracked, so the tab chosen is kept when the user leaves the page and comes back (as on Imaging)
    up, rec, ex = st.tabs(["Upload a file", "Record in the browser", "Examples"], key="audio_tab", on_change="rerun")
    chosen = None
    with up:
        files = kept_upload(
            st.file_uploader, "Recording (WAV, FLAC, OGG or MP3); for a lung recording you may add its ICBHI annotation .txt",
            accept_multiple_files=True, key="audio_upload", max_upload_size=upload_mb("audio"),
            help="The format is read from the file's content, not its name. At most 2 minutes.")
        if files:
            recordings, annotations, refused = sort_uploads([(f.name, f.getvalue()) for f in files])
            for name, exc in refused:  # said here, each left out
                show_input_error(exc, name)
            if recordings:
                # the same name twice ("recording.wav" from a recorder app) numbered, so each can be picked
                names = [n if [m for m, _ in recordings[:i]].count(n) == 0 else
                         f"{n} ({[m for m, _ in recordings[:i + 1]].count(n)})" for i, (n, _) in enumerate(recordings)]
                # keyed by the list: a recording added to it is the one analysed (the box kept its earlier choice,
                # so a third file added left the second analysed: a cardiology review)
                pick = st.selectbox("Recording to analyse", names, index=len(names) - 1,
                                    key="audio_pick_" + hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
                                    ) if len(names) > 1 else names[0]
                name, data = recordings[names.index(pick)]
                # annotations belong to the recording of the same name (ICBHI: 101_1b1_Al_sc_Meditron.wav/.txt)
                cycles = annotations.get(Path(name).stem)
                if cycles is None and len(recordings) == 1 and len(annotations) == 1:
                    cycles = next(iter(annotations.values()))
                chosen = (pick, data, cycles or [], "upload")  # named as listed: the heading says which one
            elif annotations:
                n = sum(len(c) for c in annotations.values())
                st.info(f"Annotations for {n} respiratory cycles read; add the recording itself.")
    with rec:
        st.caption("Hold the stethoscope's microphone (or the device) on the chest, press record, keep still for "
                   "10-20 seconds, then stop.")
        recorded = kept_upload(st.audio_input, "Record a heart or lung sound", sample_rate=16000, key="audio_record")
        if recorded is not None and chosen is not None:
            st.info(f"The uploaded {chosen[0]} is analysed, not this recording: remove the file from *Upload a file* "
                    "to analyse the recording.", icon=":material/info:")
        elif recorded is not None:
            chosen = (recorded.name or "recording.wav", recorded.getvalue(), [], "recording")
    with ex:
        examples = _examples(lung)
        if not examples:
            st.caption("No lung recordings to show: the ICBHI demo recordings come with the shared data folder.")
        # one box per kind, each keeping its own choice when the user switches between them
        pick = st.selectbox("Example", ["(none)", *examples], key="audio_example_lung" if lung else "audio_example",
                            help=("The ICBHI lung demo recordings, with their annotated breathing cycles."
                                  if lung else "A synthetic heart sound made by the app. Lung recordings are listed "
                                               "when *Lung sound* is chosen above."))
        if pick != "(none)" and chosen is not None:  # it was ignored without a word while a file was present
            st.info(f"The {'uploaded' if chosen[3] == 'upload' else 'recorded'} {chosen[0]} is analysed, not this "
                    "example: remove it to analyse the example.", icon=":material/info:")
        elif pick != "(none)":
            name, data, path = examples[pick]
            cycles: list[Cycle] = []
            if path is not None:
                data = Path(path).read_bytes()
                txt = Path(path).with_suffix(".txt")
                if txt.is_file():
                    cycles = parse_cycles(txt.read_text())
            chosen = (name, data, cycles, "example")
    return chosen


def recording_facts(x: AudioInput, data: bytes) -> None:
    cols = st.columns(4)
    cols[0].metric("Length", f"{x.duration_s:.1f} s")
    cols[1].metric("Format", x.format)
    cols[2].metric("Recorded at", f"{x.original_rate / 1000:g} kHz")
    cols[3].metric("Channels", f"{x.channels}" + (" (mixed)" if x.channels > 1 else ""))
    st.audio(data, format=MIME.get(x.format, "audio/wav"))
    for w in x.warnings:
        st.warning(w, icon=":material/warning:")


def _save_unassessed(model, x: AudioInput, data: bytes, shown: dict) -> None:
    """Save a recording the heart model does not assess (a lung sound, or unlike its training recordings).

    Stored with the model's prediction, whose input fit (`fits` False) and warnings make the Cases page,
    Meeting mode and reports show it as not assessed, and without an explanation: the recording itself is what
    the meeting reviews, with the figure the page drew (`shown`, from render.stored.shown_recording).
    """
    try:
        pred = analyse(model, x, explain=False).prediction
    except InputError as exc:
        show_input_error(exc, x.name)
        return
    pred = replace(pred, details={**pred.details, "recording": shown})
    save_to_case(card=model.card, prediction=pred, explanation=None, input_bytes=data, input_name=x.name,
                 key=f"audio_{model.input_key(x)[:12]}")


def lung_panel(model, x: AudioInput, heart_mode: bool, data: bytes | None = None) -> None:
    """Display only, with the annotated cycles: there is no lung model. With `data`, the recording can be saved
    to a case (not assessed)."""
    if heart_mode:
        st.error("This file comes with respiratory-cycle annotations, so it is a lung recording. The heart-sound "
                 "model does not apply to lung sounds and was not run.", icon=":material/block:")
    else:
        st.info("Lung sound: there is no lung-sound model in this app yet, so nothing is classified. The recording "
                "is shown with its annotated respiratory cycles (if you added the annotation file). The heart-sound "
                "model is not run on lung sounds.", icon=":material/info:")
    # no file name in the title: the figure is stored with the case, where the input is renamed
    shown = shown_recording(display_view(x.samples, model.spec), cycles=x.cycles, title="Lung recording (not classified)")
    st.plotly_chart(render.recording_figure(**shown), width="stretch", key="audio_lung_fig")
    cycles_table(shown, key="audio_lung_cycles")
    if data is not None:
        _save_unassessed(model, x, data, shown)


def _segment_audio(x: AudioInput, t0: float, t1: float, band: str | None, min_s: float = 0.6) -> bytes:
    """The most influential segment with a little context (at least `min_s`), optionally band-passed."""
    centre, half = (t0 + t1) / 2, max(min_s, t1 - t0) / 2
    a = max(0, int((centre - half) * x.sample_rate))
    b = min(len(x.samples), int((centre + half) * x.sample_rate))
    y = x.samples[a:b].astype(np.float64)
    if band:
        from scipy.signal import butter, sosfiltfilt

        lo, hi = (float(v) for v in band.replace(" Hz", "").split("-"))
        nyq = x.sample_rate / 2
        sos = butter(4, [max(lo, 10) / nyq, min(hi, nyq * 0.98) / nyq], btype="band", output="sos")
        y = sosfiltfilt(sos, y)
    peak = np.max(np.abs(y)) or 1.0
    return wav_bytes(0.9 * y / peak, x.sample_rate)


def _prob(log_odds: float) -> str:
    # within (0, 1): log-odds beyond about 37 round to exactly 1.0, which would read "100.0%"
    return f"probability {precise_percent(min(max(1.0 / (1.0 + np.exp(-log_odds)), 1e-12), 1 - 1e-12))}"


def heart_panel(model, x: AudioInput, data: bytes) -> None:
    try:
        with st.spinner("Analysing the recording..."):
            result = analyse(model, x)
    except InputError as exc:
        show_input_error(exc, x.name)
        return
    pred, expl = result.prediction, result.explanation
    log_analysis(model.card, pred, model.input_key(x))
    windows = [(w.start_s, w.end_s) for w in pred.windows]
    headline = None if pred.fits else pred.fit.message  # shown as the error, not again as a warning
    if not pred.fits:
        st.error(headline or "This recording does not fit the heart model.", icon=":material/block:")
        if not st.checkbox("Show the heart model's output anyway (for teaching; not an assessment)",
                           key="audio_force"):
            shown = shown_recording(display_view(x.samples, model.spec), windows=windows)
            st.plotly_chart(render.recording_figure(**shown), width="stretch", key="audio_plain_fig")
            _save_unassessed(model, x, data, shown)
            return
    for w in pred.warnings:
        if w != headline and w not in x.warnings:
            st.warning(w, icon=":material/warning:")
    label = model.card.display(pred.label)
    # shown anyway for teaching, it is the model's output, not an assessment (the heading said "assessment": a
    # re-check)
    heading = "Model's assessment" if pred.fits else "Model output, not an assessment"
    st.subheader(f"{heading}: {label} ({headline_percent(pred.probability)})")
    st.caption(f"Probabilities over the {len(pred.labels)} conditions the model knows"
               + (f", averaged over {len(windows)} windows of "
                  f"{model.spec.window_s:g} s." if len(windows) > 1 else "."))
    # as the headline and Cases read them: ">99.9%", never "100.0%" (or "0.0%") for a value that is not
    st.dataframe([{"condition": model.card.display(lab), "probability": precise_percent(p)}
                  for lab, p in sorted(pred.as_dict().items(), key=lambda kv: -kv[1])], hide_index=True)
    if len(windows) > 1:
        st.plotly_chart(render.window_figure(pred), width="stretch", key="audio_windows_fig")
    layout = expl.data
    view = display_view(x.samples, model.spec)
    st.plotly_chart(render.recording_figure(view, explanation=expl, windows=windows,
                                            highlight=tuple(layout["highlight_s"]),
                                            title=f"Why '{label}': red tiles pushed toward it, blue away"),
                    width="stretch", key="audio_expl_fig")
    t0, t1 = layout["highlight_s"]
    exact = expl.method.startswith("Permutation SHAP") or expl.method.startswith("KernelSHAP")
    what = "SHAP value" if exact else "attribution (integrated gradients, an approximation of SHAP values)"
    how = "" if exact else "(up to a small integration error) "
    window_note = (f" It explains the window {layout['window_start_s']:.0f}-{layout['window_end_s']:.0f} s, the one "
                   f"most in favour of {label}." if len(windows) > 1 else "")
    st.markdown(
        f"**How to read this.** The spectrogram is cut into tiles of {model.spec.segment_s:g} s by frequency band. "
        f"Each tile's colour is its {what}: how much hearing that part of the sound, rather than this "
        f"recording's background level, changed the model's log-odds of *{label}* (+0.7 doubles the odds). "
        f"The values add up {how}from {expl.base_value:+.1f} (every tile at background: "
        f"{_prob(expl.base_value)}) to {expl.output_value:+.1f} ({_prob(expl.output_value)}).{window_note} "
        f"The most influential moment is **{t0:.2f}-{t1:.2f} s**, "
        f"{'toward' if layout.get('highlight_value', 1) >= 0 else 'away from'} *{label}* (its tiles summed over every "
        f"band, so it need not hold the single largest tile of the table below), strongest in "
        f"**{layout['highlight_band']}**.")
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("Play the most influential moment (with a little context):")
        st.audio(_segment_audio(x, t0, t1, None), format="audio/wav", loop=True)
    with c2:
        st.markdown(f"The same moment, only {layout['highlight_band']}:")
        st.audio(_segment_audio(x, t0, t1, layout["highlight_band"]), format="audio/wav", loop=True)
    st.dataframe(render.segment_table(expl, 6), hide_index=True)
    st.caption(f"Method: {expl.method}; computed in {expl.compute_ms:.0f} ms.")
    save_to_case(card=model.card, prediction=pred, explanation=expl, input_bytes=data, input_name=x.name,
                 key=f"audio_{model.input_key(x)[:12]}")


__all__ = ["choose_input", "recording_facts", "lung_panel", "heart_panel", "most_influential_segment"]


def cv_details(card) -> None:
    """Per-class sensitivity and the cross-validated confusion matrix from the card."""
    cm = card.metrics.get("confusion_matrix")
    if not cm:
        return
    with st.expander("How well it did in cross-validation: per-class sensitivity and confusion matrix"):
        st.caption(card.metrics.get("protocol", ""))
        sens = card.metrics.get("per_class_sensitivity", {})
        labels = [lab.replace("_", " ") for lab in cm["labels"]]
        st.dataframe([{"true condition": lab, **{f"predicted {p}": n for p, n in zip(labels, row)},
                       "sensitivity": f"{sens.get(raw, float('nan')):.1%}"}
                      for lab, raw, row in zip(labels, cm["labels"], cm["rows_true_columns_predicted"])],
                     hide_index=True)
        ood = card.metrics.get("ood_lung_check")
        if ood:
            st.caption(f"Out-of-distribution check: {ood['recordings_flagged']} of {ood['recordings']} ICBHI lung "
                       f"recordings flagged as unlike the training data; training recordings flagged: "
                       f"{ood.get('training_recordings_flagged', 'not measured')}.")
