"""`python -m medapp train <id>`: which training module builds which model.

Each module exposes train(model_id, data_dir, out_dir, *, quick=False, seed=0) -> ModelCard and
writes the weights and card.json into out_dir. `quick` trains on a small sample (used by tests).
Imported lazily so that training a records model never imports torch or TensorFlow.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .modalities.records.schema import DATASETS
from .registry import data_root, models_dir
from .types import ModelCard

RECORDS_TRAINER = "medapp.modalities.records.train"
# Every other model's training module; a records model is trained from its Dataset declaration alone
# (records/schema.py DATASETS; docs/records.md, "Adding a records model").
TRAINERS: dict[str, str] = {
    "heart-sound": "medapp.modalities.audio.train",
    "chest-xray-pneumonia": "medapp.modalities.imaging.train",
    "breast-ultrasound": "medapp.modalities.imaging.train",
    "abstract-condition": "medapp.modalities.notes.train",
    "symptom-disease": "medapp.modalities.notes.train",
    "heart-failure": "medapp.modalities.survival.train",
    "breast-cancer-recurrence": "medapp.modalities.survival.train",
    "srbct-tumour": "medapp.modalities.genomics.train",
}


def trainer_of(model_id: str) -> str:
    """The module that trains `model_id`."""
    if model_id in DATASETS:
        return RECORDS_TRAINER
    if model_id not in TRAINERS:
        raise KeyError(f"no trainer for {model_id!r}; trainable models: {', '.join(sorted([*DATASETS, *TRAINERS]))}")
    return TRAINERS[model_id]


def train(model_id: str, *, data_dir: Path | None = None, out_dir: Path | None = None,
          quick: bool = False, seed: int = 0) -> ModelCard:
    module = importlib.import_module(trainer_of(model_id))
    return module.train(model_id, data_dir or data_root(), out_dir or models_dir() / model_id,
                        quick=quick, seed=seed)
