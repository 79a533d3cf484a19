"""Quick training into a temporary folder: weights, card and a loadable model (small sample, seconds)."""
from __future__ import annotations

import numpy as np
import pytest

from medapp.modalities.audio.model import load
from medapp.registry import data_root
from medapp.training import train, trainer_of
from medapp.types import ModelCard

HEART = data_root() / "audio" / "heart_sounds"


def test_heart_sound_has_a_trainer():
    assert trainer_of("heart-sound") == "medapp.modalities.audio.train"


@pytest.mark.skipif(not HEART.is_dir(), reason="heart-sound dataset not present")
@pytest.mark.slow  # trains a model (seconds to minutes on 2 cores)
def test_quick_training_writes_a_loadable_keras_model_and_card(tmp_path):
    card = train("heart-sound", out_dir=tmp_path, quick=True, seed=0)
    assert (tmp_path / "model.keras").is_file() and (tmp_path / "card.json").is_file()
    assert card.training["quick"] and card.training["seed"] == 0
    assert len(card.validation["y_true"]) == 48 and np.array(card.validation["probabilities"]).shape == (48, 4)
    assert len(card.input["mel_mean"]) == card.input["n_mels"] and card.input["temperature"] > 0
    model = load(ModelCard.read(tmp_path / "card.json"))
    x = model.example_input()
    pred = model.predict(x)
    assert np.isclose(pred.probabilities.sum(), 1.0)
    expl = model.explain(x, pred)
    assert abs(expl.base_value + expl.values.sum() - expl.data["explained_output"]) < 0.1
