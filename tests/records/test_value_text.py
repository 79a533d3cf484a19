"""Values in explanations read as the form shows them: the step's decimals, thousands grouped."""
from __future__ import annotations

import json

from medapp.analysis import analyse
from medapp.modalities.records.schema import number_text
from medapp.registry import load_model


def test_numbers_keep_the_steps_decimals_and_group_thousands():
    assert number_text(1.02, 0.005) == "1.020"  # urine specific gravity as written on a report (it read 1.02)
    assert number_text(1.15, 0.1) == "1.15"  # a value's own decimals are never rounded away
    assert number_text(263000, 1000) == "263,000" and number_text(7861, 1) == "7861"
    assert number_text(55, 1) == "55" and number_text(0.627, 0.01) == "0.627"
    assert number_text(263358.03, 1000) == "263,358"  # an imputed count in the dataset, not "263,358.03 /µL"
    assert number_text(12.5, 1) == "12.5"  # a small value keeps its own decimals


def test_platelets_and_specific_gravity_in_the_explanations_words():
    failure = load_model("heart-failure")
    [(_, x)] = failure.inputs_from_bytes(json.dumps({**failure.card.input["typical"], "platelets": 263000}).encode(),
                                         "p.json")
    names = [name for name, _ in analyse(failure, x).explanation.summary]
    assert "Platelets = 263,000 /µL" in names
    kidney = load_model("kidney-disease")
    [(_, x)] = kidney.inputs_from_bytes(json.dumps({**kidney.card.input["typical"], "sg": 1.02}).encode(), "k.json")
    assert "1.020" in analyse(kidney, x).explanation.data["display"]
