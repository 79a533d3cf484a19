"""AppTest: every recording the audio page shows can be saved to a case, a lung recording too (it could not be),
and the Cases page shows it as not assessed rather than as a heart-sound result."""
from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
import soundfile as sf
from apptest_helpers import CLIN, REV, open_page
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore
from medapp.registry import data_root, get_card
from medapp.reports.content import NO_LUNG_MODEL

LUNG = data_root() / "audio" / "lung_sounds_demo"


def _array(value) -> np.ndarray:
    """A number array from a plotly figure's JSON (plain list, or plotly's typed array: dtype, base64 bytes)."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value["shape"]).split(",")]) if "shape" in value else flat
    return np.asarray(value, dtype=float)


def _save(at: AppTest, reference: str) -> str:
    [mode] = [r for r in at.radio if r.key and r.key.startswith("case_mode_")]
    key = mode.key.removeprefix("case_mode_")
    if mode.value != "New case":
        mode.set_value("New case").run()
    at.text_input(key=f"case_ref_{key}").set_value(reference)
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception
    return at.success[-1].value


@pytest.mark.skipif(not LUNG.is_dir(), reason="ICBHI demo recordings not present")
@pytest.mark.parametrize("mode, files", [
    # marked as a lung sound by the user, with its annotation file (6 cycles, 4 with wheezes)
    ("Lung sound", ["103_2b2_Ar_mc_LittC2SE.wav", "103_2b2_Ar_mc_LittC2SE.txt"]),
    ("Heart sound", ["101_1b1_Al_sc_Meditron.wav"]),  # unlike the heart training recordings
])
def test_a_lung_recording_is_saved_to_a_case_as_not_assessed(tmp_path, monkeypatch, mode, files):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = open_page("pages/audio.py", CLIN)
    at.radio(key="audio_mode").set_value(mode).run()
    at.file_uploader(key="audio_upload").set_value(
        [(name, (LUNG / name).read_bytes(), "text/plain" if name.endswith(".txt") else "audio/wav")
         for name in files]).run()
    assert not at.exception
    assert not [s for s in at.subheader if s.value.startswith("Model's assessment")]
    assert "in case LUNG-1" in _save(at, "LUNG-1")

    store = CaseStore()
    [case] = store.list_cases()
    [saved] = store.case_detail(case["id"], CLIN, log_view=False)["analyses"]
    assert (saved["model_id"], saved["modality"]) == ("heart-sound", "audio")
    assert saved["prediction"].fits is False and saved["explanation"] is None
    kept, original = sf.info(io.BytesIO(store.input_bytes(saved["input_sha256"]))), sf.info(str(LUNG / files[0]))
    assert (kept.frames, kept.samplerate) == (original.frames, original.samplerate)  # the recording itself is kept

    cases = open_page("pages/cases.py", REV)
    assert not cases.exception
    shown = " ".join(h.body for h in cases.get("html") if hasattr(h, "body"))
    text = " ".join(m.value for m in cases.markdown) + " " + shown
    assert "not assessed" in shown
    assert not any(label in text for label in ("mitral", "normal:"))  # no heart-model probabilities
    assert any("heart" in w.value.lower() for w in cases.warning)  # the reason is on screen
    # headed as what it is, not as a heart-sound analysis ("Heart sound (4 valve conditions)" over a lung sound)
    named = "Lung recording (not classified)" if mode == "Lung sound" else "Heart sound (4 valve conditions)"
    assert any(s.value.endswith(f" · {named} · heart-sound v{saved['model_version']}") for s in cases.subheader)

    # the recording is redrawn as the page drew it (waveform and spectrogram), not only offered as a player
    [figure] = [json.loads(c.proto.spec) for c in cases.get("plotly_chart")]
    view = saved["prediction"].details["recording"]["view"]
    assert [t["name"] for t in figure["data"]] == ["waveform", "spectrogram"]
    assert np.allclose(_array(figure["data"][0]["y"]),
                       np.column_stack([view["envelope_min"], view["envelope_max"]]).reshape(-1))
    assert np.allclose(_array(figure["data"][1]["z"]), np.asarray(view["spectrogram_db"]).T)
    title = (figure["layout"].get("title") or {}).get("text")
    # no file name in the stored figure (it may carry an identifier; the stored input is renamed)
    assert title == ("Lung recording (not classified)" if mode == "Lung sound" else None)
    assert any("did not assess this recording" in c.value for c in cases.caption)
    # the reviewer's form says what a verdict on an unassessed input means
    assert any(c.value.startswith("The model did not assess this input. Your verdict is on that decision")
               for c in cases.caption)
    # and in both reports
    from medapp.reports.html import case_html
    from medapp.reports.pdf import case_pdf

    detail = store.case_detail(case["id"], CLIN, log_view=False)
    html = case_html(detail, by="test")
    assert "recording of analysis" in html
    pdf = case_pdf(detail, by="test")
    assert pdf.count(b"/Subtype /Image") == 1
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    heart_use = get_card("heart-sound").intended_use[:60]
    if mode == "Lung sound":
        # the page's cycle summary and table were lost on saving; the heart model's intended use was printed under
        # a lung recording (a review)
        summary = "6 annotated respiratory cycles: 0 with crackles, 4 with wheezes"
        assert any(m.value.startswith("**6 annotated respiratory cycles**: 0 with crackles, 4 with wheezes")
                   for m in cases.markdown)
        [table] = [t for t in cases.dataframe if "finding" in t.value.columns]
        assert len(table.value) == 6 and list(table.value.columns) == ["cycle", "start (s)", "end (s)", "finding"]
        assert list(table.value["finding"]).count("wheezes") == 4
        meeting = open_page("pages/meeting.py", REV)  # a static table there, in the projector's large type
        assert not meeting.exception
        [listed] = [t for t in meeting.table if "finding" in t.value.columns]
        assert list(listed.value.index) == [str(i) for i in range(1, 7)] or list(listed.value.index) == [*range(1, 7)]
        assert listed.value["start (s)"].iloc[0] == "0.36"
        assert summary in html and "<li>Cycle 1: " in html and summary in pdf_text and "Cycle 6: " in pdf_text
        assert NO_LUNG_MODEL in html and heart_use not in html
        assert "No model assessed this recording" in pdf_text and heart_use not in pdf_text
    else:  # a recording the heart model was run on and found unlike its training sounds: its intended use stands
        assert not [t for t in cases.dataframe if "finding" in t.value.columns]
        assert "annotated respiratory" not in html
        assert heart_use in html


def test_a_recording_drawing_keeps_annotated_cycles_in_the_report():
    from medapp.modalities.audio.features import FeatureSpec, display_view
    from medapp.modalities.audio.io import Cycle
    from medapp.render.audio import recording_figure
    from medapp.render.stored import shown_recording
    from medapp.reports.figures import recording_png

    spec = FeatureSpec()
    samples = np.sin(np.linspace(0, 2000, 4 * spec.sample_rate)).astype(np.float32)
    shown = shown_recording(display_view(samples, spec), cycles=[Cycle(0.5, 1.5, True, False),
                                                                 Cycle(1.5, 2.0, False, True),
                                                                 Cycle(2.0, 3.0, False, False)])
    shown = json.loads(json.dumps(shown))  # as stored
    figure = recording_figure(**shown)
    assert [(s.x0, s.x1) for s in figure.layout.shapes][::2] == [(0.5, 1.5), (1.5, 2.0), (2.0, 3.0)]
    named = [(a.text, a.y) for a in figure.layout.annotations if a.text in ("crackles", "wheezes")]
    assert [t for t, _ in named] == ["crackles", "wheezes"] and named[0][1] != named[1][1]  # neighbours overlapped
    png = recording_png(shown)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
