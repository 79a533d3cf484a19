"""What a stored analysis needs to be redrawn as it was shown: the de-identified input's pixels, label text.

Cases keep the input (de-identified, by sha256) beside the explanation, so an image analysis is
redrawn over its own picture, in the app and in reports, instead of over a blank square.
"""
from __future__ import annotations

import numpy as np

from ..registry import UnknownModel, get_card
from ..types import ModelCard, readable_label


def card_of(model: str | dict) -> ModelCard:
    """The card to word a result with: a stored analysis's own (the card it was made with, kept by the store), else
    today's card of its model; a model id gives today's. Raises UnknownModel for a model no longer registered.
    Cases and reports drew every saved analysis with today's card, which a later version may have renamed,
    re-banded or reworded (a quality auditor's review)."""
    if isinstance(model, dict):
        if model.get("card") is not None:
            return model["card"]
        model = model["model_id"]
    return get_card(model)


def display_label(model: str | dict, label: str) -> str:
    """The card's display label ("mitral valve prolapse"), or the label without underscores; `model`: a stored
    analysis or a model id (`card_of`)."""
    try:
        return card_of(model).display(label)
    except UnknownModel:
        return readable_label(label)


def stored_image(input_bytes: bytes | None, input_name: str = "input", frame: int = 0) -> np.ndarray | None:
    """The picture an image analysis was made on (greyscale 0-1, the file's default window), or None."""
    if input_bytes is None:
        return None
    from ..modalities.imaging.io import decode
    from ..types import InputError

    try:
        images = decode(input_bytes, input_name or "input", frame=frame)
    except (InputError, ValueError, OSError):
        return None
    return np.asarray(images[0].grey, dtype=np.float64) if images else None


def analysed_frame(expl) -> int:
    """The frame of a multi-frame image that was analysed (0 unless the explanation says otherwise)."""
    return int(((expl.data or {}) if expl is not None else {}).get("frame", 0) or 0)


def frame_text(expl) -> str | None:
    """ "frame 2 of 3" (counted from 1, as DICOM numbers frames) for a multi-frame image, else None."""
    data = (expl.data or {}) if expl is not None and expl.kind == "image" else {}
    n = int(data.get("n_frames", 1) or 1)
    return f"frame {analysed_frame(expl) + 1} of {n}" if n > 1 else None


def part_analysed(a: dict) -> str | None:
    """Which part of its input a stored analysis is about: "frame 2 of 3", "sample 3 of 4 in the request", "row 5 of
    a cohort file"; None for a whole input. A tumour board could not match two profiles saved from one file to their
    samples, nor a patient saved from a cohort to the row (a review): the position was kept, or not, and never said."""
    if (frame := frame_text(a.get("explanation"))) is not None:
        return frame
    return getattr(a.get("prediction"), "part", None)


def shown_recording(view: dict, *, cycles=(), windows=(), title: str | None = None) -> dict:
    """What an audio page drew for a recording it saved without an explanation (a lung sound, a recording unlike
    the heart model's training sounds): stored in the prediction's details, so Cases, Meeting mode and reports
    redraw the same waveform, spectrogram, annotated cycles and windows instead of nothing."""
    return {"view": view, "title": title,
            "cycles": [{"start_s": float(c.start_s), "end_s": float(c.end_s), "label": c.label} for c in cycles],
            "windows": [[float(a), float(b)] for a, b in windows]}


def cycles_text(recording: dict) -> str | None:
    """The annotated respiratory cycles of a recording drawing in words ("6 annotated respiratory cycles: 2 with
    crackles, 1 with wheezes"), or None without annotations: said on the audio page and, since the page's summary
    was lost on saving (a review), on Cases, in Meeting mode and in the reports."""
    cycles = recording.get("cycles") or []
    if not cycles:
        return None
    crackles = sum("crackles" in c["label"] for c in cycles)
    wheezes = sum("wheezes" in c["label"] for c in cycles)
    return (f"{len(cycles)} annotated respiratory {'cycle' if len(cycles) == 1 else 'cycles'}: {crackles} with "
            f"crackles, {wheezes} with wheezes")


def cycle_rows(recording: dict) -> list[dict]:
    """One row per annotated cycle, times to two decimals (0, 1.8771, 12.618 as the file gives them: a review)."""
    return [{"cycle": i + 1, "start (s)": round(c["start_s"], 2), "end (s)": round(c["end_s"], 2),
             "finding": c["label"]} for i, c in enumerate(recording.get("cycles") or [])]


def is_lung_recording(prediction) -> bool:
    """A lung recording saved with the heart model's (unused) output: no model assessed it."""
    return prediction is not None and (prediction.details or {}).get("mode") == "lung"


def stored_recording(prediction) -> dict | None:
    """The recording drawing kept by `shown_recording`, or None (every other analysis, and audio analyses saved
    before 2026-12-03)."""
    shown = (prediction.details or {}).get("recording") if prediction is not None else None
    return shown if isinstance(shown, dict) and isinstance(shown.get("view"), dict) else None
