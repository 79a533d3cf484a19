"""'Not measured' is a state of its own in the case-record models, and a ragged CSV line costs one row."""
from __future__ import annotations

import math

import numpy as np
import pytest

from medapp.analysis import analyse_batch
from medapp.modalities.records.estimators import raw_score
from medapp.modalities.records.schema import DATASETS
from medapp.modalities.records.train import augment_missing, fallback_patterns
from medapp.registry import load_model

HEART = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
         "A,63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
         "B,67,1,4,160,286,0,2,108,1,1.5,2,3,3\n")


def _patient(**changes):
    values = {"age": 58, "sex": "male", "cp": "asymptomatic", "trestbps": 140, "chol": 260, "fbs": "no",
              "restecg": "normal", "thalach": 130, "exang": "yes", "oldpeak": 1.8, "slope": "flat",
              "ca": 0, "thal": "normal"}
    values.update(changes)
    return values


def test_thallium_not_measured_is_not_scored_as_normal():
    model = load_model("heart-disease")
    normal = model.record(_patient(thal="normal"))
    missing = model.record(_patient(thal=None))
    j = [f.name for f in model.fields].index("thal")
    v_normal, _ = model.shap_values(normal.values[None, :])
    v_missing, _ = model.shap_values(missing.values[None, :])
    # version 1.0 filled a missing thallium result with the mode ("normal"): both contributed the same
    assert abs(v_missing[0, j] - v_normal[0, j]) > 0.05
    # a normal result is reassuring; not knowing it must be less so
    assert v_missing[0, j] > v_normal[0, j]
    assert model.probabilities(missing.values[None, :])[0] > model.probabilities(normal.values[None, :])[0]


def test_vessel_count_not_measured_is_not_scored_as_zero_vessels():
    model = load_model("heart-disease")
    zero = model.record(_patient(ca=0))
    missing = model.record(_patient(ca=None))
    j = [f.name for f in model.fields].index("ca")
    v_zero, _ = model.shap_values(zero.values[None, :])
    v_missing, _ = model.shap_values(missing.values[None, :])
    assert v_missing[0, j] - v_zero[0, j] > 0.05


def test_the_explanation_names_not_measured_values_and_stays_additive():
    model = load_model("heart-disease")
    x = model.record(_patient(ca=None, thal=None, chol=None))
    pred = model.predict(x)
    expl = model.explain(x, pred)
    p = pred.probability_of("present")
    assert expl.output_value == pytest.approx(math.log(p / (1 - p)), abs=1e-9)
    shown = dict(expl.summary)
    assert "Thallium stress test = not measured" in shown
    assert "Major vessels coloured by fluoroscopy = not measured" in shown
    assert expl.data["display"][[f.name for f in model.fields].index("chol")] == "not measured"
    assert any("3 of 13 values not measured" in w and "not a typical value" in w for w in pred.warnings)


def sklearn_logits(model, X: np.ndarray) -> np.ndarray:
    """Calibrated log-odds straight from the saved scikit-learn pipelines: the full model, or for a row
    lacking key fields the fallback fitted without exactly those fields."""
    names = [f.name for f in model.fields]
    out = model.platt_a * raw_score(model.estimator, X) + model.platt_b
    key = sorted({n for fb in model.fallbacks for n in fb["hidden"]})
    for fb in model.fallbacks:
        rows = [i for i in range(len(X)) if [n for n in key if np.isnan(X[i, names.index(n)])] == sorted(fb["hidden"])]
        if rows:
            out[rows] = fb["platt_a"] * raw_score(fb["estimator"], X[rows]) + fb["platt_b"]
    return out


@pytest.mark.parametrize("model_id", list(DATASETS))
def test_rows_with_missing_values_are_scored_exactly_as_the_sklearn_pipeline(model_id):
    model = load_model(model_id)
    rng = np.random.default_rng(0)
    X = np.tile(model.example_input().values, (30, 1))
    X[rng.random(X.shape) < 0.4] = np.nan
    X[:, 0] = model.example_input().values[0]  # never an empty row
    np.testing.assert_allclose(model.logits(X), sklearn_logits(model, X), atol=1e-9)
    values, base = model.shap_values(X)
    np.testing.assert_allclose(base + values.sum(axis=1), model.logits(X), atol=1e-9)


def test_heart_rows_without_vessel_count_or_thallium_use_a_fallback_fitted_without_them():
    model = load_model("heart-disease")
    assert sorted(tuple(fb["hidden"]) for fb in model.fallbacks) == [("ca",), ("ca", "thal"), ("thal",)]
    names = [f.name for f in model.fields]
    ca, thal, oldpeak = names.index("ca"), names.index("thal"), names.index("oldpeak")
    full = model.record(_patient())
    lacking = model.record(_patient(ca=None, thal=None))
    fb = next(f for f in model.fallbacks if f["hidden"] == ["ca", "thal"])
    # scored by the sub-model: its own calibrated output, not the full model with a filled-in value
    expected = fb["platt_a"] * raw_score(fb["estimator"], lacking.values[None, :])[0] + fb["platt_b"]
    assert model.logits(lacking.values[None, :])[0] == pytest.approx(expected, abs=1e-9)
    v_full, base_full = model.shap_values(full.values[None, :])
    v_lack, base_lack = model.shap_values(lacking.values[None, :])
    assert base_lack == base_full  # one average patient for every row: waterfalls are comparable
    # without the angiography and scan results, the exercise ECG carries more weight
    assert v_lack[0, oldpeak] > v_full[0, oldpeak] + 0.02
    # "not measured" has its own contribution, equal for the two missing key fields, not that of a healthy value
    assert v_lack[0, ca] == pytest.approx(v_lack[0, thal]) and v_lack[0, ca] != 0
    assert base_lack + v_lack.sum() == pytest.approx(model.logits(lacking.values[None, :])[0], abs=1e-9)


@pytest.mark.xfail(strict=True, reason="issue 12 target open: Switzerland AUROC 0.700 (CV-chosen fallbacks) vs 0.754 "
                   "(1.0); no alternative tried reaches 0.754 there (README), 8 patients without disease")
def test_external_auroc_is_no_worse_than_version_1_0():
    ext = load_model("heart-disease").card.metrics["external"]
    assert ext["auroc"] >= ext["before_not_measured_handling"]["auroc"]


def test_fallback_patterns_cover_each_key_field_alone_and_together():
    assert fallback_patterns((11, 12)) == [(11,), (12,), (11, 12)]
    assert fallback_patterns(()) == []


def test_cards_report_the_not_measured_handling_and_the_external_cohort():
    card = load_model("heart-disease").card
    assert "not_measured" in card.metrics and card.metrics["not_measured"]["cv_with_values_hidden"]["auroc"] > 0.5
    ext = card.metrics["external"]
    before = ext["before_not_measured_handling"]
    assert before["version"] == "1.0.0"
    assert ext["not_measured"]["ca"] > 100  # the Swiss file: vessel count mostly missing
    assert ext["sensitivity"] > before["sensitivity"] + 0.1
    assert ext["auroc"] > 0.65 and ext["brier"] < before["brier"]
    # the fallback was chosen on Cleveland folds with ca/thal hidden, never on the external file
    nm = card.metrics["not_measured"]
    assert nm["chosen"] == "fallback sub-models"
    cv = nm["cv_scenarios"]
    assert cv["fallback sub-models"]["ca and thal hidden"]["auroc"] > cv["single model"]["ca and thal hidden"]["auroc"]


def test_augmentation_hides_values_in_copies_and_keeps_labels():
    X = np.arange(40, dtype=float).reshape(10, 4)
    y = np.array([0, 1] * 5)
    Xa, ya = augment_missing(X, y, seed=0, copies=2, rate=0.5)
    assert Xa.shape == (30, 4) and list(ya) == list(y) * 3
    np.testing.assert_array_equal(Xa[:10], X)
    masked = np.isnan(Xa[10:])
    assert 0.3 < masked.mean() < 0.7 and not masked.all(axis=1).any()
    np.testing.assert_array_equal(np.where(masked, 0, Xa[10:]), np.where(masked, 0, np.vstack([X, X])))


def test_a_ragged_csv_line_is_named_and_the_other_rows_scored():
    model = load_model("heart-disease")
    lines = HEART.splitlines()
    ragged = "C,60,1,4,130,250,0,0,140,1,1.0,2,1,7,extra,values,here"  # 16 values: a pasted comment
    csv = "\n".join(lines[:3] + [ragged] + ["D,45,0,3,120,210,0,0,170,0,0,1,0,3"]) + "\n"
    cohort = model.validate_cohort(csv.encode(), "ragged.csv")
    assert cohort.rows == [1, 2, 4]
    assert list(cohort.errors) == [3]
    assert "line 4 of the file has 17 values where the header has 14 columns" in cohort.errors[3][0]
    assert cohort.ids[4] == "D" and cohort.X.shape == (3, 13)
    batch = analyse_batch(model, model.cohort_inputs(cohort, "ragged.csv"))
    assert [r.name for r in batch.analysed] == ["ragged.csv#row1", "ragged.csv#row2", "ragged.csv#row4"]
    assert [r.name for r in batch.failed] == ["ragged.csv#row3"] and batch.failed[0].error.row == 3


def test_a_csv_whose_rows_all_are_ragged_is_refused_with_the_lines():
    from medapp.types import InputError

    with pytest.raises(InputError, match="no row has the header's 14 columns: line 2"):
        load_model("heart-disease").validate_cohort((HEART.splitlines()[0] + "\n1,2,3\n").encode(), "bad.csv")


def test_semicolon_csv_with_quoted_commas_is_read():
    model = load_model("diabetes")
    csv = 'id;glucose;bmi;age;pregnancies\n"P, 1";170;38,5;50;4\n'
    cohort = model.validate_cohort(csv.encode(), "semi.csv")
    assert cohort.rows == [1] and cohort.ids[1] == "P, 1"
    assert cohort.X[0, [f.name for f in model.fields].index("bmi")] == 38.5
