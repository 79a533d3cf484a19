"""Finds models/<id>/card.json and loads each model lazily, once per process.

A model's code is chosen by its card's `modality`: medapp.modalities.<modality>.model.load(card)
returns an object meeting the `Model` protocol. Loading also warms the model (first-call JIT,
numba compiles) so a clinician's first click is not the slow one.
"""
from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path

from .config import REPO_ROOT
from .types import Model, ModelCard, folder_sha256


def models_dir() -> Path:
    return Path(os.environ.get("MEDAPP_MODELS_DIR", REPO_ROOT / "models"))


def data_root() -> Path:
    """Where the public training datasets live (never inside this repository)."""
    if "MEDAPP_DATA_DIR" in os.environ:
        return Path(os.environ["MEDAPP_DATA_DIR"])
    # ../shared/data beside the checkout; a checkout nested one level deeper (a git worktree) finds it too
    candidates = [parent / "shared" / "data" for parent in REPO_ROOT.parents]
    return next((c for c in candidates if c.is_dir()), candidates[0])


class ModelFilesChanged(RuntimeError):
    """A model folder's files differ from the SHA-256 its card names: the card's version would name other weights."""


def check_files(card: ModelCard) -> None:
    """Refuse weights that are not the ones the card was written with (replaced, retrained under the same card,
    truncated by a copy): a saved analysis names the card, and so these files."""
    if not card.weights_sha256 or card.path is None:
        return
    found = folder_sha256(card.path)
    changed = sorted(name for name, digest in card.weights_sha256.items() if found.get(name) != digest)
    if changed:
        raise ModelFilesChanged(f"{card.id} v{card.version}: {', '.join(changed)} in {card.path} "
                                f"{'does' if len(changed) == 1 else 'do'} not match the SHA-256 its card names; "
                                "restore the model folder as released, or retrain it (`python -m medapp train "
                                f"{card.id}` writes the card with its files).")


class UnknownModel(KeyError):
    def __str__(self) -> str:
        known = ", ".join(c.id for c in list_cards()) or "none"
        return f"no model named {self.args[0]!r}; registered models: {known}"


def model_ids() -> list[str]:
    """The registered models' ids, from their folders alone (no card read: the CLI's help names them at start)."""
    return sorted(p.parent.name for p in models_dir().glob("*/card.json"))


def list_cards() -> list[ModelCard]:
    """Every registered model's card, sorted by modality then id."""
    cards = [ModelCard.read(models_dir() / i / "card.json") for i in model_ids()]
    return sorted(cards, key=lambda c: (c.modality, c.id))


def get_card(model_id: str) -> ModelCard:
    path = models_dir() / model_id / "card.json"
    if not path.is_file():
        raise UnknownModel(model_id)
    return ModelCard.read(path)


_cache: dict[tuple[str, str], Model] = {}
_lock = threading.Lock()


def load_model(model_id: str) -> Model:
    """The loaded model, built on first use and shared by every session of this process."""
    card = get_card(model_id)
    key = (model_id, str(models_dir()))
    with _lock:  # one load per process even when two sessions ask at once
        model = _cache.get(key)
        # a card replaced under a running process (new weights deployed without a restart) loads them: the old model
        # kept answering under the new card's version, and a save named weights that had not made its result (a
        # quality auditor's re-check); a page keeps the model it holds, with that model's own card
        if model is None or model.card.source != card.source:
            check_files(card)
            module = importlib.import_module(f"medapp.modalities.{card.modality}.model")
            model = module.load(card)
            model.warm()
            _cache[key] = model
    return model


def models_of(modality: str) -> list[Model]:
    """Every registered model of one modality, loaded (automatic choice among them: the PACS CLI)."""
    return [load_model(c.id) for c in list_cards() if c.modality == modality]


def clear_cache() -> None:
    with _lock:
        _cache.clear()
