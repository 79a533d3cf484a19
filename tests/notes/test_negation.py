"""Notes that deny findings: said beside the result, since the models read "no cough" much as "cough"."""
from __future__ import annotations

import pandas as pd
import pytest

from medapp.modalities.notes.model import NoteInput
from medapp.modalities.notes.negation import denied_findings, mostly_denied
from medapp.registry import data_root, load_model

WELL = ("I have no chest pain, no cough, no fever and no shortness of breath. I feel completely well and came for a "
        "routine check.")


@pytest.mark.parametrize("text, denied", [
    (WELL, ["no chest pain", "no cough", "no fever", "no shortness of breath"]),
    ("Denies chest pain, cough or fever.", ["Denies chest pain cough or fever"]),
    ("I have no appetite and I feel tired all the time.", []),
    ("Not sure when it started but there is no rash.", ["no rash"]),
    ("No significant difference was found between the groups.", []),
    ("Fever for three days, but no rash; cough productive.", ["no rash"]),
    # complaints said as an absence, or with "not", are not denials (a re-check)
    ("No sleep, no energy.", []),
    ("I can not stop scratching; there is no part of my skin that does not itch.", []),
    ("I do not feel well and have no appetite.", []),
])
def test_the_phrases_a_note_denies_are_read_as_written(text, denied):
    assert denied_findings(text) == denied


def test_a_caution_only_where_denial_is_much_of_the_note_and_for_no_training_text():
    assert mostly_denied(WELL) and not mostly_denied("I have no appetite and I feel tired all the time.")
    for path in ("text/symptom2disease/symptom2disease.csv", "text/medical_abstracts/medical_abstracts.csv"):
        texts = pd.read_csv(data_root() / path)["text"].astype(str)
        assert not [t for t in texts if mostly_denied(t)], path


def test_a_note_that_denies_every_symptom_says_so_beside_its_classification():
    """A clinical-safety review: this note came back "Pneumonia" with no warning in the page, the CLI or the API."""
    pred = load_model("symptom-disease").predict(NoteInput.from_text(WELL))
    [said] = [w for w in pred.warnings if w.startswith("Much of this note denies findings")]
    assert "'no chest pain', 'no cough', 'no fever', 'no shortness of breath'" in said
    assert "does not understand negation" in said
