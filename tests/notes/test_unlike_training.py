"""A note unlike every text a note model learnt from gets no finding; one less like them than usual gets a caution.

Before 2026-12-05 "The quick brown fox jumps over the lazy dog" was "Chicken pox, 84.7%" and a hip-fracture
discharge note "Dengue, 58%" on the symptom model, without a word (unlike.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from medapp.cli import main as cli_main
from medapp.modalities.notes.unlike import assess, fit_thresholds, nearest_similarity
from medapp.registry import load_model

FOX = "The quick brown fox jumps over the lazy dog."
HIP = "Right hip fracture after a fall at home. Underwent hemiarthroplasty. Mobilising with physiotherapy, wound clean."
RASH = "I have had an itchy rash with red patches on my arms for a week."
UTI = ("F 29, dysuria and urinary frequency for 2 days, suprapubic discomfort, no fever. Urine dipstick nitrites "
       "positive.")


def _predict(model_id: str, text: str):
    model = load_model(model_id)
    [(_, x)] = model.inputs_from_bytes(text.encode(), "note.txt")
    return model.predict(x)


@pytest.mark.parametrize("text", [FOX, HIP])
def test_a_note_unlike_every_training_text_is_not_assessed(text):
    pred = _predict("symptom-disease", text)
    assert not pred.fits
    assert pred.fit.message.startswith("This note is unlike every text the model learnt from (closest similarity to "
                                       "a training text 0.")
    assert "first-person descriptions of the symptoms of 24 diseases" in pred.fit.message
    assert pred.warnings[0] == pred.fit.message
    bars = load_model("symptom-disease").card.input["unlike_training"]
    assert pred.details["closest_training_similarity"] < bars["refuse_below"]
    assert pred.fit.score == pytest.approx(1 - pred.details["closest_training_similarity"], abs=1e-4)


def test_a_patient_description_is_assessed_without_a_word_and_a_clinical_note_with_a_caution():
    rash = _predict("symptom-disease", RASH)
    assert rash.fits and not any("texts the model learnt from" in w for w in rash.warnings)
    uti = _predict("symptom-disease", UTI)  # in the model's diseases, in a clinician's style it never saw
    assert uti.fits and uti.label == "urinary tract infection"
    assert any(w.startswith("This note is less like the texts the model learnt from") for w in uti.warnings)


def test_the_abstract_model_refuses_the_fox_but_not_a_clinical_note():
    assert not _predict("abstract-condition", FOX).fits
    assert _predict("abstract-condition", HIP).fits


def test_the_bars_come_from_out_of_fold_similarities():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    X = np.vstack([c + 0.3 * rng.normal(size=(40, 16)) for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.repeat(np.arange(3), 40)
    bars = fit_thresholds(X, y, folds=5, seed=0, domain="three clusters")
    assert bars["refuse_below"] < bars["caution_below"] < bars["out_of_fold"]["median"]
    assert bars["caution_below"] - bars["refuse_below"] == pytest.approx(bars["out_of_fold"]["median"]
                                                                        - bars["caution_below"], abs=2e-4)
    assert 0 < bars["out_of_fold"]["share_below_caution"] <= 0.02
    far = -X[:1]  # the opposite direction: like nothing
    fit, message = assess(float(nearest_similarity(X, far)[0]), bars)
    assert not fit.fits and message == fit.message
    fit, message = assess(float(nearest_similarity(X, X[:1])[0]), bars)  # a training text itself
    assert fit.fits and message is None


def test_the_cli_says_not_assessed_and_exits_zero(tmp_path, capsys):
    note = tmp_path / "fox.txt"
    note.write_text(FOX)
    assert cli_main(["predict", "--model", "symptom-disease", "--no-explain", str(note), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["assessed"] is False and record["label"] is None
    assert record["not_assessed_reason"].startswith("This note is unlike every text the model learnt from")


@pytest.mark.parametrize("language, text", [
    ("French", "Patient de 45 ans, toux et fièvre depuis trois jours, douleur thoracique à l'inspiration."),
    ("German", "Patient seit drei Tagen mit Husten und Fieber, Schmerzen in der Brust, keine Atemnot."),
    ("Spanish", "Paciente de 45 años con tos y fiebre desde hace tres días, dolor torácico al respirar."),
])
def test_a_note_in_another_language_written_in_ascii_letters_is_said_to_be(language, text):
    """A French note passed the letters check (its letters are ASCII) without a word (a browser review)."""
    pred = _predict("abstract-condition", text)
    assert f"The note looks written in {language}; the model was trained on English only" in " ".join(pred.warnings)
    # not assessed, as the symptom model's similarity check refused the French note (a clinical-safety review: the
    # abstract model headlined it "cardiovascular 64%" with the language line beneath)
    assert not pred.fits and pred.recorded_label == "not assessed"
    assert pred.fit.message.endswith("does not assess this note: its class probabilities must not be read as a finding.")


def test_no_training_text_and_no_terse_english_note_is_called_another_language():
    import pandas as pd

    from medapp.modalities.notes.language import other_language
    from medapp.registry import data_root

    for path in ("text/symptom2disease/symptom2disease.csv", "text/medical_abstracts/medical_abstracts.csv"):
        texts = pd.read_csv(data_root() / path)["text"].astype(str)
        assert [t for t in texts if other_language(t)] == []
    assert other_language("38M, 4d fever, HA, retro-orbital pain, myalgia. Petechial rash forearms. Plt 85.") is None
