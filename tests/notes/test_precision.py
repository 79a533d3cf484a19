"""The encoder's precision: chosen from MEDAPP_NOTES_PRECISION and the CPU, never used for training."""
from __future__ import annotations

import numpy as np
import pytest

from medapp.modalities.notes import encoder as enc_mod
from medapp.modalities.notes import train
from medapp.modalities.notes.encoder import choose_precision, cpu_has_native_bf16, get_encoder
from medapp.registry import load_model

TEXTS = ["Crushing central chest pain radiating to the left arm, sweating and nausea for an hour.",
         "Itchy red rash on both forearms after a new washing powder."]


def test_the_setting_is_read_and_auto_follows_the_cpu(monkeypatch):
    assert choose_precision("fp32") == "fp32" and choose_precision(" BF16 ") == "bf16"
    assert choose_precision("auto") == ("bf16" if cpu_has_native_bf16() else "fp32")
    monkeypatch.setenv(enc_mod.PRECISION_ENV, "fp32")
    assert choose_precision() == "fp32"
    monkeypatch.setattr(enc_mod, "cpu_has_native_bf16", lambda: False)
    monkeypatch.delenv(enc_mod.PRECISION_ENV)
    assert choose_precision() == "fp32"  # never emulated bfloat16 by default


def test_bfloat16_is_native_with_amx_or_avx512_bf16_and_nowhere_else():
    assert enc_mod.native_bf16({"fpu", "avx512f", "amx_tile", "amx_bf16"})  # Xeon with AMX
    assert enc_mod.native_bf16({"fpu", "avx512f", "avx512_bf16", "avx512_vnni"})  # AMD EPYC (Zen 4)
    assert not enc_mod.native_bf16({"fpu", "avx2", "avx512f", "avx512_vnni"})  # bfloat16 only emulated


def test_a_wrong_setting_is_refused_with_the_values_it_takes():
    with pytest.raises(ValueError, match="MEDAPP_NOTES_PRECISION must be fp32, bf16 or auto, not 'half'"):
        choose_precision("half")


def test_training_embeds_in_float32_whatever_the_encoder_runs_at(monkeypatch, tmp_path):
    encoder = get_encoder()
    monkeypatch.setattr(train, "CACHE", tmp_path)
    monkeypatch.setattr(encoder, "precision", "bf16")
    trained_on = train.embed_cached(TEXTS)
    np.testing.assert_allclose(trained_on, encoder.encode(TEXTS, precision="fp32"), atol=1e-6)
    assert np.abs(trained_on - encoder.encode(TEXTS)).max() > 1e-6  # bf16 is a different computation


def test_both_precisions_give_the_same_label_and_an_additive_explanation(monkeypatch):
    model = load_model("symptom-disease")
    x = model.example_input()
    results = {}
    for precision in ("fp32", "bf16"):
        monkeypatch.setattr(model.encoder, "precision", precision)
        p = model.predict(x)
        e = model.explain(x, p, max_evals=20)
        assert abs(e.output_value - float(p.probability)) < 1e-6
        results[precision] = (p, np.asarray(e.values, float))
    (p32, v32), (p16, v16) = results["fp32"], results["bf16"]
    assert p32.label == p16.label and abs(float(p32.probability) - float(p16.probability)) < 5e-3
    assert np.corrcoef(v32, v16)[0, 1] > 0.99
    assert model.card.metrics["inference_precision"]["shipped_head_top1_same"] == 1.0


@pytest.mark.slow  # a fresh process that loads every model (tests/conftest.py), shared with test_architecture.py
def test_a_session_thread_gets_the_same_bfloat16_result_as_the_thread_that_loaded_the_model(fresh_inference_process):
    """OpenMP keeps a thread count per calling thread and bfloat16 sums depend on it: in a process set to
    one thread, a new thread scored this text 0.99029 against 0.99031 until the encoder fixed its count."""
    result = fresh_inference_process
    assert result["bf16_loading_thread"] == result["bf16_new_thread"]
