"""Every modality has the same rooms, its model shares one base, and loading it never imports training code."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODALITIES = sorted(p.name for p in (REPO / "medapp" / "modalities").iterdir() if (p / "model.py").is_file())
NO_TRAIN = {"speech"}  # weights come from a pinned pip package
NO_EXPLAIN_MODULE = {"speech"}  # its explanation is the transcript's own segment confidences, in model.py

# In a fresh interpreter: import every model module, then report which medapp training modules came with
# them and which model classes (what each module's load(card) returns) do not derive from CardModel.
PROBE = """
import importlib, json, sys, typing
from medapp.modalities.base import CardModel
modalities = json.loads(sys.argv[1])
modules = {m: importlib.import_module(f"medapp.modalities.{m}.model") for m in modalities}
outside = [m for m, mod in modules.items()
           if not issubclass(typing.get_type_hints(mod.load)["return"], CardModel)]
training = sorted(m for m in sys.modules if m.startswith("medapp") and (m.endswith(".train") or m == "medapp.training"))
print(json.dumps({"training": training, "not_card_models": outside}))
"""


def test_every_modality_is_found():
    assert {"audio", "genomics", "imaging", "notes", "records", "speech", "survival"} <= set(MODALITIES)


@pytest.mark.parametrize("modality", MODALITIES)
def test_each_modality_has_its_rooms(modality):
    rooms = {p.stem for p in (REPO / "medapp" / "modalities" / modality).glob("*.py")}
    expected = {"model"} | ({"train"} if modality not in NO_TRAIN else set()) \
        | ({"explain"} if modality not in NO_EXPLAIN_MODULE else set())
    assert expected <= rooms, f"{modality} lacks {sorted(expected - rooms)}"


@pytest.mark.slow  # a fresh interpreter imports torch and scikit-learn (10-30 s on 2 cores)
def test_model_modules_share_the_base_and_import_no_training_code():
    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps(MODALITIES)], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report == {"training": [], "not_card_models": []}
