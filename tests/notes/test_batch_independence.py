"""A note scores the same alone and batched with others (cohorts, masked SHAP variants).

Guards the encoder against batch-dependent numerics: dynamic int8 quantisation, for one, scales each
layer's input over the whole batch and moved an embedding by 0.043 (README, Clinical notes).
"""
from __future__ import annotations

import numpy as np

from medapp.modalities.notes.encoder import get_encoder
from medapp.registry import load_model

SHORT = "I have a red itchy rash on my arms and legs."
LONG = ("My chest hurts when I breathe in deeply and I have been coughing up thick yellow phlegm for a week, "
        "with fever and chills at night.")


def test_an_embedding_does_not_depend_on_the_texts_batched_with_it():
    encoder = get_encoder()
    alone = encoder.encode([SHORT])[0]
    batched = encoder.encode([SHORT, LONG, LONG.upper()])[0]
    assert abs(float(np.linalg.norm(alone)) - 1) < 1e-5
    np.testing.assert_allclose(batched, alone, atol=1e-5)


def test_a_note_in_a_cohort_gets_the_probabilities_it_gets_alone():
    model = load_model("symptom-disease")
    alone = model.probabilities([SHORT])[0]
    cohort = model.probabilities([LONG, SHORT, LONG + " " + LONG])[1]
    np.testing.assert_allclose(cohort, alone, atol=1e-5)
    assert model.card.labels[int(np.argmax(alone))] == model.card.labels[int(np.argmax(cohort))]
