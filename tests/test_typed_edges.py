"""The contract's typed edges: named prediction fields (risk band, threshold, input fit, windows) that
survive the case store's JSON, old stored rows still readable, and one batch path for cohorts whose
results equal the case-by-case `analyse`."""
from __future__ import annotations

import json

import numpy as np
import pytest

from medapp.analysis import analyse, analyse_batch
from medapp.modalities.genomics.io import Profile
from medapp.registry import load_model
from medapp.render.tabular import beeswarm
from medapp.types import InputError, InputFit, Prediction, WindowResult

HEART_CSV = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
             "A,63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
             "B,abc,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
             "C,95,0,3,120,,0,0,160,0,0,1,0,3\n"
             "D,41,0,2,130,204,0,2,172,0,1.4,1,0,3\n"
             "E,67,1,4,160,286,0,2,108,1,1.5,2,3,3\n")


@pytest.fixture(scope="module")
def heart():
    return load_model("heart-disease")


def test_records_cohort_batch_equals_row_by_row_analyse(heart):
    cohort = heart.validate_cohort(HEART_CSV.encode(), "patients.csv")
    cases = heart.cohort_inputs(cohort, "patients.csv")
    batch = analyse_batch(heart, cases, chunk=2)  # chunks of two: the chunk edges must not matter
    assert [r.name for r in batch.rows] == [f"patients.csv#row{i}" for i in range(1, 6)]
    assert [r.name for r in batch.failed] == ["patients.csv#row2"]
    assert str(batch.failed[0].error) == "row 2: Age: 'abc' is not a number"
    assert len(batch.analysed) == 4
    for row, (name, x) in zip(batch.rows, cases):
        if isinstance(x, InputError):
            continue
        alone = analyse(heart, x, use_cache=False)
        assert row.name == name and row.input is x
        assert row.prediction.label == alone.prediction.label
        assert row.prediction.warnings == alone.prediction.warnings
        np.testing.assert_allclose(row.prediction.probabilities, alone.prediction.probabilities, rtol=0, atol=1e-12)
        assert (row.prediction.risk_band, row.prediction.threshold) == (alone.prediction.risk_band,
                                                                      alone.prediction.threshold)
        np.testing.assert_allclose(row.explanation.values, alone.explanation.values, rtol=0, atol=1e-9)
        assert row.explanation.base_value == pytest.approx(alone.explanation.base_value, abs=1e-9)
        assert row.explanation.summary == alone.explanation.summary


def test_one_case_goes_through_the_cached_analyse_and_many_through_predict_many(heart, monkeypatch):
    # the HTTP service scores every request through analyse_batch (it looped analyse, so a cohort sent to the API was
    # never vectorised); a request of one patient keeps the explanation cache
    cohort = heart.validate_cohort(HEART_CSV.encode(), "patients.csv")
    cases = [c for c in heart.cohort_inputs(cohort, "patients.csv") if not isinstance(c[1], InputError)]
    calls = []
    many = heart.predict_many
    monkeypatch.setattr(heart, "predict_many", lambda xs: calls.append(len(xs)) or many(xs))
    alone = analyse(heart, cases[0][1])
    one = analyse_batch(heart, cases[:1])
    # the cache's result: the same explanation, down to the time it took to compute once
    assert calls == [] and one.rows[0].explanation.compute_ms == alone.explanation.compute_ms
    analyse_batch(heart, cases)
    assert calls == [len(cases)]


def test_risk_band_and_threshold_come_from_the_card(heart):
    bands = heart.card.input["risk_bands"]
    threshold = heart.card.metrics["threshold"]
    for values in ({"age": 41, "sex": "female", "cp": "non-anginal pain"},
                   {"age": 67, "sex": "male", "cp": "asymptomatic", "thalach": 108, "ca": 3, "exang": "yes"}):
        pred = analyse(heart, heart.record(values), explain=False).prediction
        p = pred.probability_of(heart.card.positive_label)  # the band of the probability itself, never rounded
        expected = next(name for upper, name in bands if p < upper)
        assert pred.risk_band == expected and pred.threshold == threshold
        assert pred.label == (heart.card.positive_label if p >= threshold else heart.card.labels[0])
        assert "risk_band" not in pred.details  # one source: the typed field


def test_a_card_without_its_threshold_or_positive_label_is_refused_not_given_a_default(heart, tmp_path):
    # records and imaging read `metrics.get("threshold", 0.5)`: a card that lost its threshold was called at 0.5 while
    # the page said "threshold chosen on validation" (a code review)
    from dataclasses import replace

    from medapp.modalities.records.model import RecordsModel

    card = heart.card
    assert (card.positive, card.threshold) == ("present", card.metrics["threshold"])
    no_threshold = replace(card, metrics={k: v for k, v in card.metrics.items() if k != "threshold"})
    with pytest.raises(ValueError, match="model card heart-disease has no decision threshold"):
        RecordsModel(no_threshold)
    with pytest.raises(ValueError, match="model card heart-disease names no positive label"):
        RecordsModel(replace(card, positive_label=None))
    with pytest.raises(ValueError, match="the second its positive label"):
        RecordsModel(replace(card, positive_label="absent"))  # the estimator's class 1 is 'present'


def test_typed_fields_survive_the_case_store_json(heart):
    pred = analyse(heart, heart.example_input(), explain=False).prediction
    back = Prediction.from_dict(json.loads(json.dumps(pred.to_dict())))
    assert (back.risk_band, back.threshold, back.fit, back.windows) == (pred.risk_band, pred.threshold, None, ())
    fit = InputFit(fits=False, message="Not a heart sound.", reasons=("too bright",), score=3.5, threshold=2.0)
    window = WindowResult(0.0, 4.0, {"a": 0.25, "b": 0.75}, "b", ood_distance=3.1, unlike_training=True,
                          ood_reasons=("embedding far",), profile={"centroid_hz": 900.0})
    typed = Prediction("m", "1", ("a", "b"), np.array([0.25, 0.75]), "b", ("Not a heart sound.",), fit=fit,
                       windows=(window,), duration_s=4.0)
    back = Prediction.from_dict(json.loads(json.dumps(typed.to_dict())))
    assert back.fit == fit and back.windows == (window,) and back.duration_s == 4.0 and back.fits is False


def test_analyses_stored_before_the_typed_fields_are_still_read():
    base = {"model_id": "m", "model_version": "1", "labels": ["a", "b"], "probabilities": [0.3, 0.7], "label": "b"}
    records = Prediction.from_dict({**base, "details": {"risk_band": "high", "threshold": 0.5}})
    assert (records.risk_band, records.threshold, records.fits) == ("high", 0.5, True)
    imaging = Prediction.from_dict({**base, "details": {"ood_score": 20.1, "ood_threshold": 13.6, "fits_model": False,
                                                        "fit_reasons": ["not a chest radiograph"], "threshold": 0.52}})
    assert imaging.fit == InputFit(False, None, ("not a chest radiograph",), 20.1, 13.6) and imaging.threshold == 0.52
    window = {"start_s": 0.0, "end_s": 4.0, "probabilities": {"a": 0.3, "b": 0.7}, "label": "b",
              "ood_distance": 9.0, "centroid_hz": 300.0, "periodicity": 0.4, "unlike_training": True,
              "ood_reasons": ["far"]}
    audio = Prediction.from_dict({**base, "warnings": ["Lung sound: the heart model does not apply.", "other"],
                                  "details": {"windows": [window], "matches_model": False, "ood_threshold": 5.0,
                                              "duration_s": 4.0}})
    assert audio.fit.message == "Lung sound: the heart model does not apply." and not audio.fits
    assert audio.windows[0].profile == {"centroid_hz": 300.0, "periodicity": 0.4}
    assert audio.windows[0].to_dict() == window and audio.duration_s == 4.0
    genomics = Prediction.from_dict({**base, "warnings": ["Unlike every class."],
                                     "details": {"out_of_distribution": True, "ood_score": 2.4}})
    assert genomics.fit == InputFit(False, "Unlike every class.", (), 2.4, 1.0)
    # the part of an input analysed was kept under three keys before `part`; typed fields beside them or not
    for details, part in (({"position": "row 2 of 3 in the request"}, "row 2 of 3 in the request"),
                          ({"cohort_row": 5, "risk_band": "high"}, "row 5 of a cohort file"),
                          ({"sample": "sample 3 of 4", "out_of_distribution": False}, "sample 3 of 4"),
                          ({"sample": "LAB-004", "out_of_distribution": False}, None)):
        assert Prediction.from_dict({**base, "details": details}).part == part
        assert Prediction.from_dict({**base, "risk_band": "high", "details": details}).part == part
    assert Prediction.from_dict(Prediction.from_dict({**base, "details": {}, "part": "row 7 of a cohort file"})
                                .to_dict()).part == "row 7 of a cohort file"


def test_service_details_keep_the_old_keys(heart):
    pred = analyse(heart, heart.example_input(), explain=False).prediction
    flat = pred.flat_details()
    assert flat["risk_band"] == pred.risk_band and flat["threshold"] == pred.threshold
    fit = InputFit(fits=False, reasons=("r",), score=2.0, threshold=1.0)
    flat = Prediction("m", "1", ("a",), np.ones(1), "a", details={"contrast": 0.2}, fit=fit).flat_details()
    assert flat == {"contrast": 0.2, "fits_model": False, "fit_reasons": ["r"], "ood_score": 2.0, "ood_threshold": 1.0}


def test_beeswarm_draws_a_batch_of_explanations(heart):
    cohort = heart.validate_cohort(HEART_CSV.encode(), "patients.csv")
    batch = analyse_batch(heart, heart.cohort_inputs(cohort, "patients.csv"))
    fig = beeswarm(batch.explanations, max_features=5)
    rows = [t for t in fig.data if t.name != "not measured"]
    dots = {t.name: len(t.x) for t in rows}
    for t in fig.data:
        if t.name == "not measured":  # that feature's patients without a value
            dots[t.hovertemplate.split(" not measured")[0]] += len(t.x)
    assert len(rows) == 5 and set(dots.values()) == {4}
    top = rows[-1].name  # the feature with the largest mean |contribution| is drawn last (top row)
    j = list(batch.explanations[0].feature_names).index(top)
    mean_abs = np.abs(np.vstack([e.values for e in batch.explanations])).mean(axis=0)
    assert j == int(np.argmax(mean_abs))
    np.testing.assert_allclose(rows[-1].x, [e.values[j] for e in batch.explanations])
    # a value not measured is a grey dot of its own, not the colour of a low value (a review: a cohort without
    # cholesterol showed every cholesterol dot as "low")
    fig = beeswarm(batch.explanations, max_features=13)
    chol = [t for t in fig.data if "Serum cholesterol not measured" in (t.hovertemplate or "")]
    assert len(chol) == 1 and len(chol[0].x) == 1 and chol[0].marker.color == "#9e9e9e"
    assert [t.name for t in fig.data].count("not measured") == sum(t.showlegend for t in fig.data) >= 1
    other = analyse(heart, heart.example_input()).explanation
    with pytest.raises(ValueError, match="one target"):
        beeswarm([*batch.explanations, type(other)(**{**other.__dict__, "target": "absent"})])


def test_genomics_cohort_batch_equals_sample_by_sample():
    model = load_model("srbct-tumour")
    profiles = model.example_profiles()
    shuffled = Profile("shuffled", np.random.default_rng(0).permutation(profiles[0].values))
    cases = [(p.sample, p) for p in [*profiles, shuffled]]
    batch = analyse_batch(model, cases)
    assert [r.name for r in batch.rows] == [name for name, _ in cases] and not batch.failed
    for row, (_, x) in zip(batch.rows, cases):
        alone = analyse(model, x, use_cache=False)
        np.testing.assert_allclose(row.prediction.probabilities, alone.prediction.probabilities, atol=1e-12)
        assert row.prediction.fit == alone.prediction.fit
        np.testing.assert_allclose(row.explanation.values, alone.explanation.values, atol=1e-12)
    assert [r.prediction.fits for r in batch.rows] == [True] * len(profiles) + [False]
    assert batch.rows[-1].prediction.fit.message == batch.rows[-1].prediction.warnings[0]


def test_a_saturated_probability_is_never_certainty_but_a_transcript_is():
    """A Platt-calibrated kidney model's sigmoid saturated to exactly 1.0 in floating point: the page headlined
    "100%", the CLI printed 1.000 and 0.000, and the API sent {"ckd": 1.0, "notckd": 0.0}."""
    from medapp.render.numbers import fraction_text, headline_percent
    from medapp.types import MIN_PROBABILITY

    pred = Prediction(model_id="m", model_version="1", labels=("notckd", "ckd"),
                      probabilities=np.array([0.0, 1.0]), label="ckd")
    assert pred.probability_of("notckd") == pytest.approx(MIN_PROBABILITY) and 0 < pred.probability_of("notckd")
    assert pred.probability < 1.0 and pred.probabilities.sum() == pytest.approx(1.0)
    assert headline_percent(pred.probability) == ">99.9%" and fraction_text(pred.probability) == ">0.999"
    assert fraction_text(pred.probability_of("notckd")) == "<0.001"
    assert Prediction.from_dict(json.loads(json.dumps(pred.to_dict()))).probability < 1.0  # as the API sends it
    three = Prediction(model_id="m", model_version="1", labels=("a", "b", "c"),
                       probabilities=np.array([0.0, 0.25, 0.75], dtype=np.float32), label="c")
    assert three.probabilities.min() > 0 and three.probability_of("c") == pytest.approx(0.75)
    transcript = Prediction(model_id="s", model_version="1", labels=("transcript",),
                            probabilities=np.array([1.0]), label="transcript")
    assert transcript.probability == 1.0
