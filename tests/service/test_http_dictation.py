"""Dictation through the service: a WAV as the raw body of /infer returns the transcript and its segments."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medapp.modalities.speech.synth import RATE, wav_bytes
from medapp.service.app import case_id_of

pytestmark = pytest.mark.slow
EXAMPLE = Path(__file__).resolve().parents[2] / "models/dictation-whisper/example.wav"


def test_wav_body_returns_the_transcript(service):
    with service.client() as c:
        r = c.post("/v2/models/dictation-whisper/infer", content=EXAMPLE.read_bytes(),
                   headers={"Content-Type": "audio/wav"})
        silent = c.post("/v2/models/dictation-whisper/infer", content=wav_bytes(np.zeros(3 * RATE, np.float32)),
                        headers={"Content-Type": "audio/wav"})
    assert r.status_code == 200, r.text
    out = {o["name"]: o for o in r.json()["outputs"]}
    assert "furosemide" in out["text"]["data"][0].lower()
    segments = json.loads(out["segments"]["data"][0])
    assert segments[0]["start"] < 1.0 and segments[-1]["end"] > 4.0
    assert silent.status_code == 400
    # the API's words: no temporary file name, no advice about a browser's microphone permission
    assert silent.json()["error"] == ("No speech was heard in the uploaded recording: it holds silence or sounds "
                                      "that are not speech. Check the recording (microphone, input level) and send "
                                      "it again.")


def test_a_dictation_is_not_saved_to_a_case(service):
    # nothing refused it, and a case would have drawn the segments' recognition confidences as a note's reasons
    with service.client() as c:
        r = c.post("/v2/models/dictation-whisper/infer?case=DICT-1", content=EXAMPLE.read_bytes(),
                   headers={"Content-Type": "audio/wav"})
        assert r.status_code == 400
        assert r.json()["error"].startswith("A dictation is not saved to a case: its transcript is text to check")
    assert case_id_of(service.store(), "DICT-1") is None  # no case made either
