"""A value in another unit than the field's is named with its conversion; a value outside where patients' values
lie is queried even where the training file's own errors stretch the training range (kidney: creatinine 76 mg/dL).

Before 2026-12-05 a creatinine of 70 (µmol/L, a normal value) typed into the kidney model's mg/dL field was scored
as 70 mg/dL without a word, and a haemoglobin of 135 g/L was refused without saying why it looked wrong."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from medapp.modalities.records.schema import DATASETS as RECORDS
from medapp.modalities.survival.schema import DATASETS as SURVIVAL
from medapp.registry import load_model
from medapp.types import InputError

REPO = Path(__file__).resolve().parents[2]


def test_creatinine_in_micromoles_is_refused_with_its_conversion_and_an_unusual_one_queried():
    """70 (µmol/L) gave a headline of '>99.9%, chronic kidney disease' beside the query (a browser review): a
    creatinine above 30 mg/dL is refused, one between the usual range and that queried."""
    model = load_model("kidney-disease")
    with pytest.raises(InputError) as error:
        model.record({"sc": 70, "age": 50})
    assert str(error.value) == ("Serum creatinine: 70 is outside the valid range 0.1-30 mg/dL. In µmol/L? 70 µmol/L is "
                                "0.792 mg/dL: enter that")
    assert round(70 / 88.42, 3) == 0.792
    pred = model.predict(model.record({"sc": 20, "age": 50}))
    [query] = [w for w in pred.warnings if w.startswith("Serum creatinine 20 mg/dL")]
    assert query == ("Serum creatinine 20 mg/dL is outside the usual range of patients' values (0.2-15 mg/dL): check "
                     "the value and its unit. In µmol/L? 20 µmol/L is 0.226 mg/dL: enter that.")
    assert not any("beyond the values seen in training" in w and "creatinine" in w for w in pred.warnings)
    assert not any("Serum creatinine" in w for w in model.predict(model.record({"sc": 1.2, "age": 50})).warnings)


def test_urea_in_millimoles_is_queried_with_its_conversion():
    model = load_model("kidney-disease")
    [query] = [w for w in model.predict(model.record({"bu": 6, "age": 50})).warnings if w.startswith("Blood urea")]
    assert query.endswith("(10-450 mg/dL): check the value and its unit. In mmol/L? 6 mmol/L is 36 mg/dL: enter that.")


def test_a_potassium_typo_is_refused_and_an_unusual_one_queried():
    model = load_model("kidney-disease")
    with pytest.raises(InputError, match=r"^Potassium: 45 is outside the valid range 1.5-10 mEq/L$"):
        model.record({"pot": 45, "age": 50})
    [query] = [w for w in model.predict(model.record({"pot": 8.5, "age": 50})).warnings if w.startswith("Potassium")]
    assert query.endswith("(2-8 mEq/L): check the value and its unit.")


@pytest.mark.parametrize("model_id, field, typed, said", [
    ("kidney-disease", "hemo", 135, "Haemoglobin: 135 is outside the valid range 2-25 g/dL. In g/L? 135 g/L is "
                                    "13.5 g/dL: enter that"),
    ("kidney-disease", "wc", 7.8, "In ×10⁹/L? 7.8 ×10⁹/L is 7800 cells/µL: enter that"),
    ("kidney-disease", "pcv", 0.42, "A fraction? 0.42 as a fraction is 42%: enter that"),
    ("heart-disease", "chol", 5.2, "In mmol/L? 5.2 mmol/L is 201 mg/dL: enter that"),
    ("diabetes", "glucose", 7.8, "In mmol/L? 7.8 mmol/L is 141 mg/dL: enter that"),
    ("heart-failure", "serum_creatinine", 97, "In µmol/L? 97 µmol/L is 1.1 mg/dL: enter that"),
    ("heart-failure", "ejection_fraction", 0.35, "A fraction? 0.35 as a fraction is 35%: enter that"),
    ("heart-failure", "platelets", 263, "In ×10⁹/L? 263 ×10⁹/L is 263,000 /µL: enter that"),
])
def test_a_refused_value_names_the_unit_it_fits(model_id, field, typed, said):
    model = load_model(model_id)
    with pytest.raises(InputError) as error:
        model.record({field: typed, "age": 60})
    assert said in str(error.value)


def test_no_conversion_is_offered_where_none_fits():
    model = load_model("kidney-disease")
    with pytest.raises(InputError) as error:
        model.record({"hemo": 300, "age": 50})  # 30 g/dL if in g/L: still out of range, so no guess
    assert str(error.value) == "Haemoglobin: 300 is outside the valid range 2-25 g/dL"


def test_a_tumour_size_in_centimetres_is_named_beside_the_training_range():
    model = load_model("breast-cancer-recurrence")
    [warning] = [w for w in model.predict(model.record({"tsize": 2.5, "age": 55, "pnodes": 2, "tgrade": 2})).warnings if "Tumour size" in w]
    assert warning.endswith("In cm? 2.5 cm is 25 mm: enter that.")


@pytest.mark.parametrize("dataset", [*RECORDS.values(), *SURVIVAL.values()], ids=lambda d: d.model_id)
def test_each_card_holds_the_fields_training_writes(dataset):
    """The unit tables were added to the cards without retraining (weights unchanged): the card says what
    `python -m medapp train` would write for its fields."""
    card = json.loads((REPO / "models" / dataset.model_id / "card.json").read_text())
    assert card["input"]["features"] == json.loads(json.dumps([f.to_dict() for f in dataset.fields]))


def test_a_count_of_one_reads_in_the_singular():
    """A review: "Positive lymph nodes = 1 nodes"."""
    from medapp.modalities.records.schema import Field, format_value

    assert format_value(Field("pnodes", "Positive lymph nodes", "nodes"), 1.0) == "1 node"
    assert format_value(Field("pnodes", "Positive lymph nodes", "nodes"), 3.0) == "3 nodes"
    assert format_value(Field("chol", "Cholesterol", "mg/dL"), 1.0) == "1 mg/dL"


def test_one_writer_of_a_value_with_its_unit_for_explanations_and_messages():
    """An onboarding review: explanations wrote "100 %" where messages wrote "100%", each with its own dipstick case."""
    from medapp.modalities.records.io import _range_text
    from medapp.modalities.records.schema import Field, format_value

    ef = Field("ejection_fraction", "Ejection fraction", "%", min=5, max=85)
    assert format_value(ef, 38.0) == "38%" and _range_text(ef) == "5-85%"
    grade = Field("al", "Urine albumin (dipstick grade)", "0-5", min=0, max=5)
    assert format_value(grade, 3.0) == "3" and _range_text(grade) == "0-5"
    assert _range_text(Field("platelets", "Platelets", "/µL", min=10000, max=1000000)) == "10,000-1,000,000 /µL"



def test_a_refused_value_with_its_unit_in_the_cell_names_the_unit_once():
    """"(written 5000 µmol/L in µmol/L, times 0.01131)": the cell's own unit was said twice."""
    model = load_model("kidney-disease")
    with pytest.raises(InputError) as caught:
        model.record({"age": 50, "sc": "5000 µmol/L"})
    assert "(written 5000 µmol/L, times 0.01131)" in caught.value.message
