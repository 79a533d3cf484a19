"""A note scores the same alone and batched with others (cohorts, masked SHAP variants).

Guards the encoder against batch-dependent numerics: dynamic int8 quantisation, for one, scales each
layer's input over the whole batch and moved an embedding by 0.043 (docs/notes.md). In
float32 a text's embedding does not depend on its batch mates; in bfloat16 (the default where the CPU
has AMX) oneDNN picks kernels by batch shape, which moves a probability by up to about 0.003
(precision_check.py: p95 under 0.001).
"""
from __future__ import annotations

import numpy as np

from medapp.modalities.notes.chunks import embed_notes
from medapp.modalities.notes.encoder import get_encoder
from medapp.registry import load_model

SHORT = "I have a red itchy rash on my arms and legs."
LONG = ("My chest hurts when I breathe in deeply and I have been coughing up thick yellow phlegm for a week, "
        "with fever and chills at night.")


def test_an_embedding_does_not_depend_on_the_texts_batched_with_it():
    encoder = get_encoder()
    alone = encoder.encode([SHORT], precision="fp32")[0]
    batched = encoder.encode([SHORT, LONG, LONG.upper()], precision="fp32")[0]
    assert abs(float(np.linalg.norm(alone)) - 1) < 1e-5
    np.testing.assert_allclose(batched, alone, atol=1e-5)


def test_a_note_in_a_cohort_gets_the_probabilities_it_gets_alone():
    model = load_model("symptom-disease")
    alone = model.head_probabilities(embed_notes(model.encoder, [SHORT], precision="fp32"))[0]
    cohort = model.head_probabilities(embed_notes(model.encoder, [LONG, SHORT, LONG + " " + LONG], precision="fp32"))[1]
    np.testing.assert_allclose(cohort, alone, atol=1e-5)


def test_in_bfloat16_a_note_in_a_cohort_moves_by_under_half_a_percentage_point():
    model = load_model("symptom-disease")
    alone = model.head_probabilities(embed_notes(model.encoder, [SHORT], precision="bf16"))[0]
    cohort = model.head_probabilities(embed_notes(model.encoder, [LONG, SHORT, LONG + " " + LONG], precision="bf16"))[1]
    fp32 = model.head_probabilities(embed_notes(model.encoder, [SHORT], precision="fp32"))[0]
    np.testing.assert_allclose(cohort, alone, atol=5e-3)  # measured: 0.0026 here, 0.002 max over 64 texts
    np.testing.assert_allclose(alone, fp32, atol=5e-3)
    assert int(np.argmax(alone)) == int(np.argmax(cohort)) == int(np.argmax(fp32))
