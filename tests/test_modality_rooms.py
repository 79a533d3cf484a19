"""Every modality has the same rooms and its loaded model derives from the one shared base.

Read from the source with `ast` (nothing is imported, so this runs in milliseconds); that no training
code is imported at inference is checked by tests/test_architecture.py.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

MODALITIES_DIR = Path(__file__).resolve().parent.parent / "medapp" / "modalities"
MODALITIES = sorted(p.name for p in MODALITIES_DIR.iterdir() if (p / "model.py").is_file())
NO_TRAIN = {"speech"}  # weights come from a pinned pip package
NO_EXPLAIN_MODULE = {"speech"}  # its explanation is the transcript's own segment confidences, in model.py
NO_IO_MODULE = {"speech"}  # it decodes recordings through audio's io.py


def loaded_class_bases(model_py: Path) -> tuple[str, list[str]]:
    """The class that model.py's `load(card)` returns (its return annotation) and that class's base names."""
    tree = ast.parse(model_py.read_text())
    load = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "load")
    name = ast.unparse(load.returns).strip("'\"")
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    return name, [ast.unparse(b) for b in cls.bases]


def test_every_modality_is_found():
    assert {"audio", "genomics", "imaging", "notes", "records", "speech", "survival"} <= set(MODALITIES)


@pytest.mark.parametrize("modality", MODALITIES)
def test_each_modality_has_its_rooms_and_its_model_derives_from_card_model(modality):
    rooms = {p.stem for p in (MODALITIES_DIR / modality).glob("*.py")}
    expected = {"model"} | ({"train"} if modality not in NO_TRAIN else set()) \
        | ({"explain"} if modality not in NO_EXPLAIN_MODULE else set()) | ({"io"} if modality not in NO_IO_MODULE else set())
    assert expected <= rooms, f"{modality} lacks {sorted(expected - rooms)}"
    name, bases = loaded_class_bases(MODALITIES_DIR / modality / "model.py")
    assert "CardModel" in bases, f"{modality}: {name} does not derive from modalities.base.CardModel"
