"""AppTest: dictate on the notes page (upload a recording), see the transcript in the note box, edit it,
analyse it; a damaged recording gets a message; an admin sets the site's dictation vocabulary."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore
from medapp.modalities.speech import vocabulary
from medapp.modalities.speech.doses import states_a_dose
from medapp.registry import get_card
from medapp.security.accounts import create_user

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models/dictation-whisper/example.wav"


def notes_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/notes.py"), default_timeout=300)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    at.run()
    at.selectbox(key="notes_model").set_value("Disease from a symptom description (Symptom2Disease)").run()
    return at


def test_uploaded_dictation_fills_the_note_box_which_stays_editable_and_analyses():
    at = notes_page()
    at.text_area(key="notes_text").set_value("History:").run()
    at.file_uploader(key="notes_speech").set_value(("dictation.wav", EXAMPLE.read_bytes(), "audio/wav")).run()
    assert not at.exception
    assert any("was added to the note box" in s.value for s in at.success)
    note = at.text_area(key="notes_text").value
    assert note.startswith("History:\n") and "furosemide" in note.lower()  # appended, not replacing
    # each timed part, marked where the model says to check it (below the card's low_confidence)
    pred = at.session_state["notes_dictation_result"]
    low = get_card("dictation-whisper").input["low_confidence"]
    timed = [m.value for m in at.markdown if re.match(r"`\d+\.\d-\d+\.\d s`", m.value)]
    assert len(timed) == len(pred.segments) > 0
    # marked: low confidence, or a medicine or dose named (the example's furosemide 40 mg)
    assert [t.endswith("⚠ check") for t in timed] == [s["confidence"] < low or states_a_dose(s["text"])
                                                       for s in pred.segments]
    assert any(t.endswith("⚠ check") for t in timed)
    at.text_area(key="notes_text").set_value(note + " I have a high fever, chills and joint pain.").run()
    at.button(key="notes_go").click().run()
    assert not at.exception
    assert at.subheader, "no classification shown"
    assert "fever, chills" in at.text_area(key="notes_text").value  # the clinician's edit is what was analysed
    at.run()  # a rerun does not transcribe the same recording again (nothing appended twice)
    assert at.text_area(key="notes_text").value.lower().count("furosemide") == 1


def test_damaged_recording_gets_a_message_and_leaves_the_note_alone():
    at = notes_page()
    at.text_area(key="notes_text").set_value("typed so far").run()
    cut = EXAMPLE.read_bytes()[:5000]
    at.file_uploader(key="notes_speech").set_value(("cut.wav", cut, "audio/wav")).run()
    assert not at.exception
    assert any("incomplete" in e.value for e in at.error)
    assert at.text_area(key="notes_text").value == "typed so far"


def test_a_transcript_added_after_an_analysis_is_not_analysed_until_the_button_is_pressed():
    """Before: once Analyse note had been pressed, the note with the transcript appended was analysed at once and
    offered for saving, before the clinician had read it."""
    at = notes_page()
    at.text_area(key="notes_text").set_value("I have a red, itchy rash with silvery scales on my elbows.").run()
    at.button(key="notes_go").click().run()
    assert at.subheader and any(e.label == "Save to case" for e in at.expander)
    at.file_uploader(key="notes_speech").set_value(("dictation.wav", EXAMPLE.read_bytes(), "audio/wav")).run()
    assert not at.exception
    assert "furosemide" in at.text_area(key="notes_text").value.lower()  # the transcript is in the box
    assert not at.subheader, "the note with the unread transcript was analysed"
    assert not any(e.label == "Save to case" for e in at.expander)
    assert len(at.session_state["medapp_logged_analyses"]) == 1  # the first press only
    assert any("The note has changed since it was analysed" in i.value for i in at.info)
    at.button(key="notes_take_back").click().run()  # the transcript replaced the analysed note: added to it instead
    assert not at.subheader
    at.button(key="notes_go").click().run()  # read, then analysed on purpose
    assert at.subheader and any(e.label == "Save to case" for e in at.expander)
    assert len(at.session_state["medapp_logged_analyses"]) == 2


def test_a_dictation_after_an_analysed_note_replaces_it_and_the_earlier_note_can_be_taken_back():
    """A clinicians' review: a dictation about another patient was added to the note already analysed, and the two
    were analysed and saved as one. A transcript now replaces a note already analysed (and is added to one being
    written); the message says which, and one press puts the earlier note back with the transcript at its end."""
    at = notes_page()
    first = "I have a red, itchy rash with silvery scales on my elbows."
    at.text_area(key="notes_text").set_value(first).run()
    at.button(key="notes_go").click().run()
    at.file_uploader(key="notes_speech").set_value(("dictation.wav", EXAMPLE.read_bytes(), "audio/wav")).run()
    assert not at.exception
    note = at.text_area(key="notes_text").value
    assert "furosemide" in note.lower() and "rash" not in note  # replaced, not appended
    assert any("replaced the note already analysed" in s.value for s in at.success)
    at.button(key="notes_take_back").click().run()
    note = at.text_area(key="notes_text").value
    assert note.startswith(first + "\n") and note.lower().count("furosemide") == 1
    assert any("The earlier note is back" in s.value for s in at.success)
    at.run()
    assert not any(b.key == "notes_take_back" for b in at.button)  # once


def test_the_dictation_caption_gives_the_card_s_error_rates_in_words():
    """Before: "Measured word error rates: wer librivox 0.014, wer clinical clean 0.325, ...", the card's keys."""
    at = notes_page()
    [caption] = [c.value for c in at.caption if "Dictation runs on this server" in c.value]
    summary = get_card("dictation-whisper").metrics["summary"]
    assert not re.search(r"\bwer\b", caption, re.IGNORECASE) and "_" not in caption
    assert f"{100 * summary['wer_librivox']:.1f}% on read audiobook speech (LibriVox" in caption
    assert (f"clinical dictations in synthetic voices, {100 * summary['wer_clinical_clean']:.1f}% clean, "
            f"{100 * summary['wer_clinical_noisy']:.1f}% with background noise") in caption
    assert "real clinicians' voices" in caption
    # the one model medapp does not train says so (the app-wide notice says "trained on a small public dataset")
    assert "OpenAI's Whisper base weights unchanged (trained by its authors on 680,000 hours of web audio" in caption


@pytest.fixture
def admin_store(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    create_user(store, "ada", "admin password 1", "admin")
    return store


def test_admin_sets_the_site_vocabulary_and_it_is_audited(admin_store):
    at = AppTest.from_file(str(REPO / "pages/admin.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "ada", "role": "admin"}
    at.run()
    at.text_area(key="dictation_vocabulary_text").set_value("edoxaban\nticagrelor\n")
    next(b for b in at.button if b.label == "Save vocabulary").click().run()
    assert not at.exception
    assert any("Saved 2 site terms" in s.value for s in at.success)
    assert vocabulary.site_terms() == ["edoxaban", "ticagrelor"]
    assert vocabulary.all_terms()[:2] == ["edoxaban", "ticagrelor"]
    events = admin_store.audit_events(action="vocabulary_changed")
    assert len(events) == 1


def test_a_recording_left_while_it_was_transcribed_is_transcribed_on_return():
    """A cardiology review left the notes page while a 3-minute dictation was being transcribed: coming back, the
    upload box and the note were empty, without a word. The upload is kept when the page takes it (before the
    transcription starts); coming back, the page offers it again and transcribes what was never transcribed."""
    from medapp.ui.state import KEPT_FILES, UPLOAD_KEYS, KeptFile

    at = AppTest.from_file(str(REPO / "pages/notes.py"), default_timeout=300)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    # what the interrupted visit left: the recording kept, its transcription never finished (no "done" mark)
    at.session_state[KEPT_FILES] = {"notes_speech": {"files": [KeptFile("dictation.wav", EXAMPLE.read_bytes(),
                                                                       "upload-1", "audio/wav")], "restored": False}}
    at.session_state[UPLOAD_KEYS] = {"notes_speech"}
    at.run()
    assert not at.exception
    assert any("Kept from before you left this page: **dictation.wav**" in c.value for c in at.caption)
    assert "furosemide" in at.text_area(key="notes_text").value.lower()
    at.run()  # and only once
    assert at.text_area(key="notes_text").value.lower().count("furosemide") == 1
