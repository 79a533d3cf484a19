"""One loaded dictation model for the whole session (loading and warming take seconds)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


@pytest.fixture(scope="session")
def speech_model():
    from medapp.registry import load_model

    return load_model("dictation-whisper")


def librivox() -> list[tuple[str, np.ndarray]]:
    """(reference, samples) for the five LibriVox readings in Debian's pocketsphinx-testdata."""
    import soundfile as sf

    if not (LIBRIVOX / "transcription").is_file():
        pytest.fail("pocketsphinx-testdata is not installed: run tests/system_deps.sh")
    out = []
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        text, fid = line.rsplit("(", 1)
        samples, rate = sf.read(LIBRIVOX / f"{fid.strip(') ')}.wav", dtype="float32")
        assert rate == 16000
        out.append((text.replace("<s>", "").replace("</s>", "").strip(), samples))
    return out
