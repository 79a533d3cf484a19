"""`python -m medapp train <id>`: which training module builds which model.

Each module exposes train(model_id, data_dir, out_dir, *, quick=False, seed=0) -> ModelCard and
writes the weights and card.json into out_dir. `quick` trains on a small sample (used by tests).
Imported lazily so that training a records model never imports torch or TensorFlow.
"""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from .modalities.records.schema import DATASETS
from .modalities.survival.schema import DATASETS as SURVIVAL_DATASETS
from .registry import data_root, list_cards, model_ids, models_dir
from .types import ModelCard


def trainer_of(model_id: str) -> str:
    """The module that trains `model_id`: a records or survival model from its dataset declaration (a new one is
    a declaration alone: docs/records.md, "Adding a records model"), any other from its card's modality. Never a
    list of ids kept here as well (an onboarding review)."""
    if model_id in DATASETS:
        return "medapp.modalities.records.train"
    if model_id in SURVIVAL_DATASETS:
        return "medapp.modalities.survival.train"
    trainable = {c.id: c.modality for c in list_cards() if _has_trainer(c.modality)}
    if model_id not in trainable:
        why = ("its weights come from a pinned package, not from training here"
               if model_id in model_ids() else "there is no such model")
        raise KeyError(f"no trainer for {model_id!r} ({why}); trainable models: "
                       f"{', '.join(sorted({*DATASETS, *SURVIVAL_DATASETS, *trainable}))}")
    return f"medapp.modalities.{trainable[model_id]}.train"


def _has_trainer(modality: str) -> bool:
    return importlib.util.find_spec(f"medapp.modalities.{modality}.train") is not None


def train(model_id: str, *, data_dir: Path | None = None, out_dir: Path | None = None,
          quick: bool = False, seed: int = 0) -> ModelCard:
    module = importlib.import_module(trainer_of(model_id))
    return module.train(model_id, data_dir or data_root(), out_dir or models_dir() / model_id,
                        quick=quick, seed=seed)
