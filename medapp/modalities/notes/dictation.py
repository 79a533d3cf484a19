"""Offline dictation: speech to an editable transcript with pocketsphinx's bundled US English model.

Nothing leaves the machine. Accuracy is modest (see the word error rates measured in the tests and
stated in the README and on the page): the transcript is a draft for the clinician to correct.
"""
from __future__ import annotations

import io
import threading
from functools import lru_cache

import numpy as np

from ...types import InputError

RATE = 16_000
MAX_SECONDS = 300
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _decoder():
    from pocketsphinx import Decoder

    return Decoder(samprate=RATE, loglevel="FATAL")  # the wheel's default en-us acoustic model and dictionary


def load_speech(data: bytes, name: str = "recording") -> np.ndarray:
    """Mono 16 kHz int16 samples from WAV, FLAC or OGG (what st.audio_input records is WAV)."""
    import soundfile as sf

    if len(data) == 0:
        raise InputError(f"{name} is empty.")
    try:
        info = sf.info(io.BytesIO(data))
    except Exception:  # soundfile raises a plain RuntimeError subtype for unknown formats
        raise InputError(f"{name} is not a WAV, FLAC or OGG recording.") from None
    if info.duration > MAX_SECONDS:
        raise InputError(f"{name} lasts {info.duration / 60:.1f} minutes; dictate at most {MAX_SECONDS // 60} "
                         "minutes at a time.")
    try:
        audio, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:
        raise InputError(f"{name} is damaged or truncated.") from None
    mono = audio.mean(axis=1)
    if rate != RATE:
        import librosa

        mono = librosa.resample(mono, orig_sr=rate, target_sr=RATE)
    if len(mono) < RATE // 4 or float(np.abs(mono).max(initial=0)) < 1e-3:
        raise InputError(f"{name} is silent or too short to transcribe.")
    return (np.clip(mono, -1, 1) * 32767).astype(np.int16)


def transcribe(data: bytes, name: str = "recording") -> str:
    samples = load_speech(data, name)
    with _lock:  # one decoder, one utterance at a time
        decoder = _decoder()
        decoder.start_utt()
        decoder.process_raw(samples.tobytes(), full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words, divided by the reference length."""
    ref, hyp = reference.lower().split(), hypothesis.lower().split()
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, start=1):
        prev, d = d, np.empty_like(d)
        d[0] = i
        for j, h in enumerate(hyp, start=1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return float(d[-1]) / max(1, len(ref))
