"""Silence is warned about only when a recording is more silent than any heart recording used in training.

Before: every heart recording, normal ones included, was warned "38-69% silent" (the gaps between beats).
"""
from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from medapp.modalities.audio.io import SILENT_WARN_FRACTION, load_bytes
from medapp.registry import data_root, load_model


def _wav(y: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def test_real_heart_recordings_are_not_called_silent_but_a_mostly_silent_one_is():
    spec = load_model("heart-sound").spec
    files = sorted((data_root() / "audio" / "heart_sounds").glob("*/*.wav"))[::40]  # 16 across the four classes
    fractions = []
    for f in files:
        x = load_bytes(f.read_bytes(), f.name, spec)
        fractions.append(x.silent_fraction)
        assert not any("silent" in w for w in x.warnings), (f.name, x.warnings)
    assert max(fractions) > 0.3  # the old threshold would have warned about some of these
    y, rate = sf.read(files[0], dtype="float32")
    padded = np.concatenate([y, np.zeros(len(y) * 4, dtype=np.float32)])  # 80% digital silence
    x = load_bytes(_wav(padded, rate), "padded.wav", spec)
    assert x.silent_fraction > SILENT_WARN_FRACTION
    assert any("silent" in w for w in x.warnings)
