"""AppTest: paste a note, see PHI removed, the classification and highlighted words; bad inputs."""
from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]


def notes_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/notes.py"), default_timeout=180)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    at.run()
    at.selectbox(key="notes_model").set_value("Disease from a symptom description (Symptom2Disease)").run()
    return at


def test_pasted_note_is_scrubbed_classified_and_explained():
    at = notes_page()
    at.text_area(key="notes_text").set_value(
        "Patient: Jane Miller. I have a red, itchy rash with silvery scales on my elbows. <script>x()</script>").run()
    at.button(key="notes_go").click().run()
    assert not at.exception
    assert at.subheader[0].value == "Psoriasis"
    assert any(re.fullmatch(r"Most likely, \d+(\.\d)?%", c.value) for c in at.caption)  # the probability beside it
    assert not any("Not a clear answer" in c.value for c in at.caption)  # a clear one
    assert any("Removed before analysis: 1 NAME" in c.value for c in at.caption)
    toggle = at.toggle(key="notes_show_removed")
    assert toggle.label == "Show removed text" and toggle.help == "Visible to you only; never stored."  # not cut
    toggle.set_value(True).run()
    assert "Jane Miller" in str(at.table[0].value)
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Words that moved the probability" in s for s in specs)


def test_the_upload_box_states_the_note_limit_not_the_server_s():
    """It said "200MB per file" (the server's limit for any upload) while a note over 5 MB is refused."""
    at = notes_page()
    assert at.file_uploader(key="notes_upload").proto.max_upload_size_mb == 5


def test_uploaded_binary_file_and_empty_note_get_messages():
    at = notes_page()
    at.file_uploader(key="notes_upload").set_value(("scan.txt", bytes(range(256)) * 10, "text/plain")).run()
    assert "binary file" in at.error[0].value
    at.button(key="notes_go").click().run()
    assert not at.exception
    assert "empty" in at.error[-1].value


def test_a_note_the_page_puts_in_the_box_is_kept_before_the_browser_sends_it_back():
    # a loaded file or a dictated transcript put in the box by the page itself: leaving the page before the next
    # click (which would send the box's value) brought the box back without it
    at = notes_page()
    at.file_uploader(key="notes_upload").set_value(("letter.txt", b"Itchy rash on both elbows.", "text/plain")).run()
    assert not at.exception
    assert at.session_state["_medapp_kept"]["notes_text"] == "Itchy rash on both elbows."


def test_a_note_unlike_every_training_text_gets_no_finding_on_the_page():
    """'The quick brown fox' read 'Chicken pox' in the headline (84.7%) until 2026-12-05."""
    at = notes_page()
    at.text_area(key="notes_text").set_value("The quick brown fox jumps over the lazy dog.").run()
    at.button(key="notes_go").click().run()
    assert not at.exception
    assert not at.subheader  # no headline label
    [error] = at.error
    assert error.value.startswith("This note is unlike every text the model learnt from")
    assert not any("unlike every text" in w.value for w in at.warning)  # said once, as the error
    assert any(e.label == "Model output for this note (not a finding)" for e in at.expander)
    assert any("The quick brown fox" in h.proto.body for h in at.get("html"))  # the note stays in view


def test_a_close_call_is_said_under_the_headline():
    """A review: "digestive system diseases" stood in large type at 29% against 26% for the next class."""
    import numpy as np

    from medapp.types import Prediction
    from medapp.ui.notes import close_call_text

    labels = ("digestive system diseases", "neoplasms", "cardiovascular diseases")
    weak = Prediction("m", "1", labels, np.array([0.294, 0.255, 0.451 - 0.2]), labels[0])
    assert close_call_text(weak) == ("**Not a clear answer**: neoplasms is 26%. The model spreads its probability "
                                     "over several classes: read each class's, not only the first.")
    clear = Prediction("m", "1", labels, np.array([0.8, 0.15, 0.05]), labels[0])
    assert close_call_text(clear) is None
    near = Prediction("m", "1", labels, np.array([0.55, 0.44, 0.01]), labels[0])  # over half, but the next is close
    assert close_call_text(near).startswith("**Not a clear answer**: neoplasms is 44%.")


def test_a_saved_close_call_is_said_on_cases_in_meeting_mode_and_in_the_reports(tmp_path, monkeypatch):
    """A review: the notes page said "Not a clear answer" beside a 37% headline; Cases, Meeting mode and both
    reports showed the headline alone, which read as a firm classification in the meeting."""
    import io
    import re
    from dataclasses import replace

    import numpy as np
    from apptest_helpers import CLIN, REV, open_page
    from pypdf import PdfReader

    from medapp.analysis import analyse
    from medapp.cases.store import CaseStore
    from medapp.modalities.notes.model import NoteInput
    from medapp.registry import load_model
    from medapp.reports import case_html, case_pdf

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    model = load_model("abstract-condition")
    x = NoteInput.from_text("Progressive weakness of both legs with loss of reflexes after a viral illness.")
    result = analyse(model, x)
    probabilities = np.zeros(len(model.card.labels))
    probabilities[:2] = [0.37, 0.33]
    probabilities[2:] = (1 - 0.70) / (len(probabilities) - 2)
    pred = replace(result.prediction, probabilities=probabilities, label=model.card.labels[0])
    assert pred.fits
    store = CaseStore()
    case_id = store.create_case("NOTE-CLOSE", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=pred, explanation=result.explanation,
                       input_bytes=x.text.encode(), input_name="note.txt")
    said = (f"Not a clear answer: {model.card.display(model.card.labels[1])} is 33%. The model spreads its "
            "probability over several classes: read each class's, not only the first.")
    for page in ("pages/cases.py", "pages/meeting.py"):
        at = open_page(page, REV)
        assert not at.exception
        assert f"**Not a clear answer**{said[len('Not a clear answer'):]}" in [c.value for c in at.caption], page
    from html import escape

    detail = store.case_detail(case_id, CLIN, log_view=False)
    assert escape(said) in case_html(detail, by="test")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(case_pdf(detail, by="t"))).pages))
    assert said in text
