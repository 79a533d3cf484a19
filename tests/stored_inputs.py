"""Stored inputs (blobs) made older in tests: an erasure keeps an input written in the last few seconds, since a save
of the same file may be about to commit its row (medapp/cases/erasure.py)."""
from __future__ import annotations

import os


def aged(store, seconds: float = 60.0):
    """Every stored input of `store` as if saved `seconds` ago; returns the store."""
    for path in store.blobs.root.glob("??/*"):
        past = path.stat().st_mtime - seconds
        os.utime(path, (past, past))
    return store


def heart_sound_case(store, reference: str, by) -> int:
    """A case holding one analysed mitral-stenosis recording with its WAV stored as the analysis's input."""
    from medapp.analysis import analyse
    from medapp.registry import data_root, load_model

    model = load_model("heart-sound")
    wav = sorted((data_root() / "audio/heart_sounds/MS").glob("*.wav"))[0]
    [(_, x)] = model.read_inputs(wav)
    result = analyse(model, x)
    case_id = store.create_case(reference, by)
    store.add_analysis(case_id, by, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=wav.read_bytes(), input_name="h.wav")
    return case_id
