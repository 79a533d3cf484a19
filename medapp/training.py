"""`python -m medapp train <id>`: which training module builds which model.

Each module exposes train(model_id, data_dir, out_dir, *, quick=False, seed=0) -> ModelCard and
writes the weights and card.json into out_dir. `quick` trains on a small sample (used by tests).
Imported lazily so that training a records model never imports torch or TensorFlow.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .registry import data_root, models_dir
from .types import ModelCard

TRAINERS: dict[str, str] = {
    "heart-disease": "medapp.modalities.records.train",
    "kidney-disease": "medapp.modalities.records.train",
    "diabetes": "medapp.modalities.records.train",
    "heart-sound": "medapp.modalities.audio.train",
    "chest-xray-pneumonia": "medapp.modalities.imaging.train",
    "breast-ultrasound": "medapp.modalities.imaging.train",
    "abstract-condition": "medapp.modalities.notes.train",
    "symptom-disease": "medapp.modalities.notes.train",
    "heart-failure": "medapp.modalities.survival.train",
    "breast-cancer-recurrence": "medapp.modalities.survival.train",
    "srbct-tumour": "medapp.modalities.genomics.train",
}


def train(model_id: str, *, data_dir: Path | None = None, out_dir: Path | None = None,
          quick: bool = False, seed: int = 0) -> ModelCard:
    if model_id not in TRAINERS:
        raise KeyError(f"no trainer for {model_id!r}; trainable models: {', '.join(sorted(TRAINERS))}")
    module = importlib.import_module(TRAINERS[model_id])
    return module.train(model_id, data_dir or data_root(), out_dir or models_dir() / model_id,
                        quick=quick, seed=seed)
