"""Streamlit AppTest for the heart and lung sounds page: upload, browser recording, bad inputs, lung mode."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from audio_inputs import bad_inputs
from streamlit.testing.v1 import AppTest

from medapp.modalities.audio.synth import synthetic_heart_sound, wav_bytes
from medapp.registry import data_root

REPO = Path(__file__).resolve().parents[2]
CLINICIAN = {"username": "tester", "role": "clinician"}
HEART = data_root() / "audio" / "heart_sounds"
LUNG = data_root() / "audio" / "lung_sounds_demo"


def audio_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/audio.py"), default_timeout=120)
    at.session_state["medapp_user"] = CLINICIAN
    return at.run()


def _heart_recording() -> tuple[str, bytes]:
    """A real training recording when the dataset is present, else the synthetic one."""
    files = sorted((HEART / "MR").glob("*.wav")) if HEART.is_dir() else []
    if files:
        return files[0].name, files[0].read_bytes()
    return "synthetic.wav", wav_bytes(synthetic_heart_sound(4.0, murmur=True), 8000)


def _assessment(at: AppTest) -> str:
    if at.checkbox and any(c.key == "audio_force" for c in at.checkbox):  # input flagged as unlike training data
        at.checkbox(key="audio_force").check().run()
    # shown anyway, it is headed as output, not an assessment (a re-check): the label is what the tests compare
    heads = [s.value.replace("Model output, not an assessment", "Model's assessment") for s in at.subheader
             if s.value.startswith(("Model's assessment", "Model output, not an assessment"))]
    return heads[0] if heads else ""


def test_page_opens_with_the_demo_notice_and_model_card():
    at = audio_page()
    assert not at.exception
    assert at.title[0].value == "Heart & lung sounds"
    assert any("not a medical device" in c.value for c in at.caption)
    assert at.radio(key="audio_mode").value == "Heart sound"
    assert any("confusion matrix" in e.label for e in at.expander)
    table = at.dataframe[-1].value  # the cross-validated confusion matrix
    assert list(table["true condition"]) == ["normal", "mitral regurgitation", "mitral stenosis",
                                             "mitral valve prolapse"]
    assert table.iloc[:, 1:5].to_numpy().sum() == 640


def test_upload_a_heart_sound_to_assessment_explanation_and_playback():
    at = audio_page()
    name, data = _heart_recording()
    at.file_uploader(key="audio_upload").set_value([(name, data, "audio/wav")]).run()
    assert not at.exception
    if HEART.is_dir():
        assert not at.error  # a training-like recording is in distribution
        assert _assessment(at) .startswith("Model's assessment: mitral regurgitation")
    else:
        assert _assessment(at)
    # the table reads as the headline: ">99.9%" and "<0.1%", never "100.0%" or "0.0%" beside ">99.9%"
    from medapp.render.numbers import precise_percent

    table = next(d.value for d in at.dataframe if "condition" in d.value.columns)
    shown = re.search(r"\((.*)\)$", _assessment(at)).group(1)
    assert not {"100.0%", "0.0%"} & set(table["probability"])
    assert shown != ">99.9%" or table["probability"][0] == ">99.9%"
    assert all(v == precise_percent(float(v.strip("<>%")) / 100) or v[0] in "<>" for v in table["probability"])
    text = " ".join(m.value for m in at.markdown)
    # the moment sums every band; the table ranks single tiles: said, so the two answers do not seem to disagree
    assert "summed over every band, so it need not hold the single largest tile" in text
    assert "most influential moment" in text and "background level" in text
    charts = at.get("plotly_chart")
    assert len(charts) >= 1
    assert len(at.get("audio")) >= 3  # the recording, the segment, the segment in its band


def _tables(at: AppTest) -> list[dict]:
    """The page's tables (the probabilities, then the largest contributions), as plain data."""
    return [d.value.to_dict() for d in at.dataframe]


def test_record_in_the_browser_goes_through_the_same_analysis():
    name, data = _heart_recording()
    uploaded = audio_page()
    uploaded.file_uploader(key="audio_upload").set_value([(name, data, "audio/wav")]).run()
    at = audio_page()
    at.audio_input(key="audio_record").set_value(("recording.wav", data, "audio/wav")).run()
    assert not at.exception
    assert any(m.value.startswith("#### recording.wav") for m in at.markdown)
    # the same bytes recorded in the browser and uploaded give the same assessment and probabilities (it checked only
    # that some assessment was shown: a test review)
    assert _assessment(at) and _assessment(at) == _assessment(uploaded)
    assert _tables(at) == _tables(uploaded) and len(_tables(at)[0]["probability"]) == 4  # one per class


@pytest.mark.parametrize("case", ["truncated WAV", "zero-length file", "8-hour recording", "text file",
                                  "WAV with a lying header (byte rate)", "silent recording"])
def test_bad_uploads_get_a_clear_message_and_the_page_survives(case):
    at = audio_page()
    name, data, words = bad_inputs()[case]
    at.file_uploader(key="audio_upload").set_value([(name, data, "audio/wav")]).run()
    assert not at.exception
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert at.title[0].value == "Heart & lung sounds"  # the rest of the page is still there
    assert not [s for s in at.subheader if s.value.startswith("Model's assessment")]


def test_a_file_that_is_no_recording_beside_one_that_is_is_named_not_kept_silently():
    # a JPEG named xray.csv added with a heart sound was kept in the list without a word (only the last file is
    # analysed by default)
    name, data, _ = bad_inputs()["text file"]
    heart = wav_bytes(synthetic_heart_sound(4.0, murmur=True), 8000)
    at = audio_page()
    at.file_uploader(key="audio_upload").set_value([("heart.wav", heart, "audio/wav"),
                                                    (name, data, "text/plain")]).run()
    assert not at.exception
    assert [e.value for e in at.error if e.value.startswith(name)], [e.value for e in at.error]
    assert not [k for k in at.session_state if str(k).startswith("audio_pick")]  # one recording: no choice
    assert any(m.value == "#### heart.wav" for m in at.markdown)


def test_mp3_renamed_wav_is_read_as_mp3_with_a_note():
    at = audio_page()
    name, data, words = bad_inputs()["MP3 renamed .wav"]
    at.file_uploader(key="audio_upload").set_value([(name, data, "audio/wav")]).run()
    assert not at.exception
    assert any(words in w.value for w in at.warning)
    assert any(m.value == "MP3" for m in at.metric)


@pytest.mark.skipif(not LUNG.is_dir(), reason="ICBHI demo recordings not present")
def test_lung_recording_with_annotations_shows_cycles_and_no_heart_result():
    wav = LUNG / "104_1b1_Ar_sc_Litt3200.wav"
    txt = wav.with_suffix(".txt")
    at = audio_page()
    at.file_uploader(key="audio_upload").set_value([(wav.name, wav.read_bytes(), "audio/wav"),
                                                    (txt.name, txt.read_bytes(), "text/plain")]).run()
    assert not at.exception
    assert any("lung recording" in e.value and "was not run" in e.value for e in at.error)
    assert not [s for s in at.subheader if s.value.startswith("Model's assessment")]
    assert any("annotated respiratory cycles" in m.value for m in at.markdown)
    # times to two decimals (they read 0, 1.8771, 12.618)
    cycles = json.loads(next(d for d in at.dataframe if "start (s)" in d.value.columns).proto.columns)
    assert cycles["start (s)"]["type_config"]["format"] == cycles["end (s)"]["type_config"]["format"] == "%.2f"
    at.radio(key="audio_mode").set_value("Lung sound").run()
    assert not at.exception and not at.error
    assert any("no lung-sound model" in i.value for i in at.info)
    # said once: the mode's own note gives way to the recording's (a review saw both, saying the same)
    assert not any("Lung sounds are shown" in i.value for i in at.info)


@pytest.mark.skipif(not LUNG.is_dir(), reason="ICBHI demo recordings not present")
def test_lung_recording_without_annotations_in_heart_mode_is_flagged():
    wav = LUNG / "101_1b1_Al_sc_Meditron.wav"
    at = audio_page()
    at.file_uploader(key="audio_upload").set_value([(wav.name, wav.read_bytes(), "audio/wav")]).run()
    assert not at.exception
    assert any("does not look like the heart sounds" in e.value for e in at.error)
    assert not [s for s in at.subheader if s.value.startswith("Model's assessment")]


def test_a_headline_probability_is_never_rounded_to_certainty():
    from medapp.render.numbers import headline_percent as percent

    # "mitral stenosis (100%)" was headlined beside a table saying 99.8%
    assert [percent(p) for p in (0.998, 0.9999, 1.0, 0.5, 0.004, 0.0001, 0.0)] == \
        ["99.8%", ">99.9%", "100%", "50%", "0.4%", "<0.1%", "0%"]
    # the tiles' caption: log-odds of +-40 round to exactly 1.0 and 0.0 in floats, which read "100.0%" (a review)
    from medapp.ui.audio import _prob

    assert [_prob(z) for z in (40.0, -40.0, 0.0)] == ["probability >99.9%", "probability <0.1%", "probability 50.0%"]


def test_a_listed_probability_is_never_rounded_to_certainty():
    from medapp.render.numbers import precise_percent

    # Cases listed a heart sound's classes as 100.0% and 0.0% beside a page headline of >99.9%
    assert [precise_percent(p) for p in (0.99991, 0.0001, 1.0, 0.0, 0.8362)] == \
        [">99.9%", "<0.1%", "100.0%", "0.0%", "83.6%"]


def test_lung_mode_says_lung_sounds_are_shown_not_classified():
    # the page's caption and notice describe the heart model; lung mode said nothing of its own
    at = audio_page()
    assert not any("Lung sounds are shown" in i.value for i in at.info)
    at.radio(key="audio_mode").set_value("Lung sound").run()
    assert not at.exception
    assert any("Lung sounds are shown" in i.value and "not classified" in i.value for i in at.info)


def test_an_example_chosen_beside_an_uploaded_file_is_said_not_to_be_used():
    # the example box showed the chosen example while the page went on analysing the uploaded file, without a word
    at = audio_page()
    name, data = _heart_recording()
    at.file_uploader(key="audio_upload").set_value([(name, data, "audio/wav")]).run()
    example = next(o for o in at.selectbox(key="audio_example").options if o != "(none)")
    at.selectbox(key="audio_example").set_value(example).run()
    assert not at.exception
    assert any(i.value.startswith(f"The uploaded {name} is analysed, not this example") for i in at.info)
    assert any(m.value == f"#### {name}" for m in at.markdown)  # still the upload, as said


def test_a_recording_added_to_the_upload_is_the_one_analysed():
    """A cardiology review added a third recording to the box: the page went on analysing the second."""
    a, b, c = (wav_bytes(synthetic_heart_sound(3.0 + i, murmur=i == 1), 8000) for i in range(3))
    at = audio_page()
    box = at.file_uploader(key="audio_upload")
    box.set_value([("a.wav", a, "audio/wav"), ("b.wav", b, "audio/wav")]).run()
    assert any(m.value == "#### b.wav" for m in at.markdown)
    at.file_uploader(key="audio_upload").set_value([("a.wav", a, "audio/wav"), ("b.wav", b, "audio/wav"),
                                                    ("c.wav", c, "audio/wav")]).run()
    assert not at.exception
    assert any(m.value == "#### c.wav" for m in at.markdown)


def test_recordings_with_the_same_name_are_numbered_and_the_newest_is_analysed():
    """A re-check: a recorder app names every file "recording.wav"; the box listed three of them and the first was
    analysed whichever was newest."""
    a, b, c = (wav_bytes(synthetic_heart_sound(3.0 + i, murmur=i == 1), 8000) for i in range(3))
    at = audio_page()
    at.file_uploader(key="audio_upload").set_value([("recording.wav", a, "audio/wav"), ("recording.wav", b, "audio/wav"),
                                                    ("recording.wav", c, "audio/wav")]).run()
    assert not at.exception
    [box] = [s for s in at.selectbox if s.label == "Recording to analyse"]
    assert box.options == ["recording.wav", "recording.wav (2)", "recording.wav (3)"]
    assert any(m.value == "#### recording.wav (3)" for m in at.markdown)


def test_an_output_shown_anyway_is_not_headed_as_an_assessment():
    """A re-check: after ticking "Show the heart model's output anyway (... not an assessment)", the page headed it
    "Model's assessment: mitral valve prolapse (45%)"."""
    at = audio_page()
    noise = np.random.default_rng(0).standard_normal(8000 * 4).astype("float32") * 0.1
    at.file_uploader(key="audio_upload").set_value([("noise.wav", wav_bytes(noise, 8000), "audio/wav")]).run()
    at.checkbox(key="audio_force").check().run()
    assert not at.exception
    assert [s.value for s in at.subheader if s.value.startswith("Model output, not an assessment: ")]
    assert not [s for s in at.subheader if s.value.startswith("Model's assessment")]


def test_the_examples_are_those_of_the_kind_of_recording_chosen():
    """A presenter's review: with "Heart sound" (the default) chosen, eleven of the twelve examples were lung
    recordings, each refused in a red box. Each kind now lists its own."""
    at = audio_page()
    heart = [o for o in at.selectbox(key="audio_example").options if o != "(none)"]
    assert heart == ["Synthetic heart sound with a systolic murmur (4 s)"]
    at.radio(key="audio_mode").set_value("Lung sound").run()
    lung = [o for o in at.selectbox(key="audio_example_lung").options if o != "(none)"]
    assert len(lung) == len(list((data_root() / "audio/lung_sounds_demo").glob("*.wav"))) > 0
    assert all(o.startswith("ICBHI lung recording ") for o in lung)
    at.selectbox(key="audio_example_lung").set_value(lung[0]).run()
    assert not at.exception and not at.error  # shown as a lung recording, not refused
    assert any(m.value.startswith("#### ") and lung[0].split()[-1] in m.value for m in at.markdown)
