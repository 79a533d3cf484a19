"""Time-to-event models: validation messages, exact SHAP (risk and over time), the compiled models
against scikit-survival, the saved curve, a held-out concordance check, CLI JSON and reports."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from medapp.analysis import analyse, analyse_batch
from medapp.modalities.survival.additive import Ensemble, cox_member, stumps_member
from medapp.modalities.survival.explain import event_probability_shap, risk_shap
from medapp.modalities.survival.schema import DATASETS, LOG_FEATURES
from medapp.modalities.survival.train import c_index
from medapp.registry import data_root, load_model
from medapp.types import InputError, Prediction

REPO = Path(__file__).resolve().parents[2]
DATA = data_root() if data_root().is_dir() else REPO.parents[1] / "shared" / "data"
HF = DATASETS["heart-failure"]
PATIENT = {"age": 75, "sex": "male", "ejection_fraction": 20, "serum_creatinine": 1.9, "serum_sodium": 130,
           "creatinine_phosphokinase": 582, "platelets": 265000, "anaemia": "no", "diabetes": "no",
           "high_blood_pressure": "yes", "smoking": "no"}


@pytest.fixture(scope="module")
def model():
    return load_model("heart-failure")


@pytest.fixture(scope="module")
def hf_data():
    frame, t, e = HF.read(DATA)
    return frame.to_numpy(dtype=float), t, e


def test_patient_validation_messages_name_the_field_value_and_range(model):
    with pytest.raises(InputError) as err:
        model.record({**PATIENT, "ejection_fraction": 120, "serum_sodium": "high", "sex": "unknown"})
    message = str(err.value)
    assert "Left ventricular ejection fraction: 120 is outside the valid range 5-85%" in message
    assert "Serum sodium: 'high' is not a number" in message
    assert "Sex: 'unknown' is not one of female, male" in message
    with pytest.raises(InputError, match="No values were entered"):
        model.record({})


def test_a_node_negative_patient_is_refused_by_the_model_of_node_positive_women():
    """A tumour-board review: pnodes 0 was scored as a 1-node patient, with only a warning that 0 was beyond the values
    seen in training; the trial enrolled node-positive women only."""
    breast = load_model("breast-cancer-recurrence")
    with pytest.raises(InputError) as err:
        breast.record({"age": 50, "pnodes": 0})
    assert str(err.value).startswith("Positive lymph nodes: 0 is outside the valid range 1-60 nodes. The model was "
                                     "trained on node-positive breast cancer only")
    assert "node-negative patient is outside its population" in str(err.value)
    assert breast.record({"age": 50, "pnodes": 1, "tsize": 20, "tgrade": 2}).values is not None


def test_fewer_than_half_of_the_values_is_refused_naming_what_to_enter(model):
    """A tumour-board review: an age alone gave "20%, lowest third, alive at 180 days" (10 of 11 values filled with the
    training medians), the caveat below the fold. Under half the values given: refused, on the form and per row."""
    with pytest.raises(InputError) as err:
        model.record({"age": 65})
    assert str(err.value) == (
        "Only 1 of the model's 11 values was given: it needs at least 6 to estimate survival (from fewer, the estimate "
        "would rest on the training medians it assumes, not on the patient). Not given: Sex, Left ventricular ejection "
        "fraction, Serum creatinine, Serum sodium, Creatine phosphokinase (CPK), Platelets, Anaemia, Diabetes, "
        "Hypertension, Smoking.")
    six = {k: PATIENT[k] for k in ("age", "sex", "ejection_fraction", "serum_creatinine", "serum_sodium", "smoking")}
    assert model.record(six).values is not None  # half and more: estimated, with what the rest could change
    table = (b"age,sex,ejection_fraction,serum_creatinine,serum_sodium,smoking\n75,1,20,1.9,130,0\n65,,,,,\n"
             b"70,0,35,1.1,137,1\n")
    cohort = model.validate_cohort(table, "hf.csv").cohort
    assert cohort.rows == [1, 3] and len(cohort.X) == 2
    assert cohort.errors[2][0].startswith("Only 1 of the model's 11 values was given")


def test_outcome_values_are_ignored_with_a_note_and_do_not_change_the_estimate(model):
    plain = model.record(PATIENT)
    with_outcome = model.record({**PATIENT, "time": 4, "DEATH_EVENT": 1})
    assert np.array_equal(plain.values, with_outcome.values)
    # "not used as inputs" (it said "ignored", and the cohort page then used them for the observed curves)
    assert "Outcome columns time, DEATH_EVENT are not used as inputs: they are what the model predicts." in \
        with_outcome.warnings
    assert not any("Outcome column" in w for w in plain.warnings)
    partial = model.record({"age": 70, "ejection_fraction": 20, "sex": "male", "serum_creatinine": 1.9,
                            "serum_sodium": 130, "smoking": "no"})
    assert any("fills a value not given with the training median" in w for w in model.predict(partial).warnings)
    # the count in plain words (it read "...); and the estimate is less certain." before 2026-12-03)
    assert any(re.search(r"^5 of 11 values not measured \(.*\); the estimate is less certain\.$", w)
               for w in partial.warnings), partial.warnings
    assert not any("training median" in w for w in plain.warnings)
    assert model.predict(plain).probabilities.tolist() == model.predict(with_outcome).probabilities.tolist()
    # through the shared result cache each request keeps its own notes (a cached result once answered the
    # next request with the previous one's "time ignored", or without its own)
    with_time = analyse(model, with_outcome).prediction
    alone = analyse(model, plain).prediction
    assert any("not used as input" in w for w in with_time.warnings) and not any("not used as input" in w for w in alone.warnings)
    assert alone.probabilities.tolist() == with_time.probabilities.tolist()
    # only an outcome given: said as that, not "None of 'time' is an input of this model" (an API review)
    with pytest.raises(InputError, match=r"^Only 'time', 'DEATH_EVENT' were given: they are what the model "
                                         r"predicts, not an input\. Its inputs are age, "):
        model.record({"time": 4, "DEATH_EVENT": 1})


def test_cohort_keeps_outcomes_aside_and_reports_bad_rows(model):
    csv = (b"id,age,sex,ejection_fraction,serum_creatinine,serum_sodium,creatinine_phosphokinase,platelets,"
           b"anaemia,diabetes,high_blood_pressure,smoking,time,DEATH_EVENT\n"
           b"p1,75,1,20,1.9,130,582,265000,0,0,1,0,4,1\n"
           b"p2,50,female,60,0.9,140,200,300000,no,no,no,no,250,0\n"
           b"p3,60,1,999,1,137,100,200000,0,0,0,0,100,0\n")
    sc = model.validate_cohort(csv, "cohort.csv")
    assert sc.cohort.rows == [1, 2]
    assert sc.cohort.errors == {3: ["Left ventricular ejection fraction: 999 is outside the valid range 5-85%"]}
    assert sc.time.tolist() == [4.0, 250.0] and sc.event.tolist() == [1, 0]
    assert any("Outcome columns time, DEATH_EVENT are not used as inputs" in w for w in sc.cohort.file_warnings)
    batch = analyse_batch(model, model.cohort_inputs(sc.cohort, "cohort.csv"))
    assert [r.name for r in batch.rows] == ["cohort.csv#row1", "cohort.csv#row2", "cohort.csv#row3"]
    assert "999 is outside" in str(batch.rows[2].error)
    first, second = (r.prediction.survival for r in batch.analysed)
    assert first.risk_score > second.risk_score  # low EF, high creatinine, low sodium: the higher risk
    # the batch path gives what one patient analysed alone gives
    alone = analyse(model, batch.rows[0].input, use_cache=False)
    assert alone.prediction.survival.risk_score == first.risk_score
    assert np.array_equal(alone.explanation.values, batch.rows[0].explanation.values)
    assert np.array_equal(alone.explanation.data["over_time"]["values"],
                          batch.rows[0].explanation.data["over_time"]["values"])
    # outcome columns that cannot be read are said, not taken for none (a review: "alive"/"dead")
    words = model.validate_cohort(csv.replace(b",4,1\n", b",4,dead\n"), "words.csv")
    assert words.time is None and any(w.endswith("No observed Kaplan-Meier curves: DEATH_EVENT in row 1 is 'dead', "
                                                 "where it must be 0 (censored) or 1 (event).")
                                      for w in words.cohort.file_warnings), words.cohort.file_warnings
    no_event = model.validate_cohort(csv.replace(b",DEATH_EVENT", b"").replace(b",1\n", b"\n").replace(b",0\n", b"\n"),
                                     "time_only.csv")
    assert any(w.endswith("No observed Kaplan-Meier curves: the file has no DEATH_EVENT column.")
               for w in no_event.cohort.file_warnings), no_event.cohort.file_warnings
    # a column the model does not know is named, beside the field it left not measured (a review: creatinine in
    # µmol/L under its own header was dropped unsaid)
    renamed = model.validate_cohort(csv.replace(b"serum_creatinine", b"creatinine_umol"), "renamed.csv")
    assert "Not input of this model, so not used: creatinine_umol." in renamed.cohort.file_warnings
    assert any(w.startswith("Missing columns: serum_creatinine") for w in renamed.cohort.file_warnings)
    # named with its unit, the column is the field's: a unit the card converts is converted (here the values are
    # mg/dL under a µmol/L name, so none lands in range and each row says why), another refuses the file
    mislabelled = model.validate_cohort(csv.replace(b"serum_creatinine", b"serum_creatinine (umol/L)"), "renamed.csv")
    assert mislabelled.cohort.rows == [] and all(
        any("is outside the valid range 0.2-15 mg/dL (written" in m and "in umol/L, times 0.01131)" in m for m in e)
        for e in mislabelled.cohort.errors.values()) and len(mislabelled.cohort.errors) == 3
    with pytest.raises(InputError, match=r"^Column 'serum_creatinine \(mmol/L\)' gives Serum creatinine in mmol/L, but "
                                         r"this model takes it in mg/dL, and mmol/L is not a unit it converts"):
        model.validate_cohort(csv.replace(b"serum_creatinine", b"serum_creatinine (mmol/L)"), "renamed.csv")
    assert not any(w.startswith("Not input") for w in sc.cohort.file_warnings)  # id and outcomes are not "unused"
    with pytest.raises(InputError, match=r"has only time, DEATH_EVENT: what the model predicts, not inputs"):
        model.validate_cohort(b"time,DEATH_EVENT\n4,1\n", "outcomes_only.csv")  # it said "lacks 11 of 11 columns"
    with pytest.raises(InputError, match="lacks 11 of 11 columns"):
        model.validate_cohort(b"id,time\n4,1\n", "id_and_time.csv")
    with pytest.raises(InputError, match="is empty"):
        model.validate_cohort(b"", "empty.csv")


def test_prediction_is_a_curve_with_a_band_and_horizon_probabilities(model):
    pred = model.predict(model.record(PATIENT))
    c = pred.survival
    assert pred.labels == ("alive at 180 days", "death by 180 days")
    assert np.isclose(pred.probabilities.sum(), 1.0)
    assert np.isclose(pred.probability_of("death by 180 days"), 1 - c.at_horizons[c.horizons.index(180.0)])
    assert pred.label == ("death by 180 days" if pred.probabilities[1] >= 0.5 else "alive at 180 days")
    assert c.horizons == (30.0, 90.0, 180.0)
    assert np.all(np.diff(c.survival) <= 1e-12) and c.survival[0] <= 1.0
    assert np.all(c.lower <= c.survival + 1e-12) and np.all(c.survival <= c.upper + 1e-12)
    assert np.all(c.upper - c.lower >= 0) and (c.upper - c.lower).max() > 0.01  # the band has width
    assert c.risk_group == "high" and c.risk_score > 0
    again = Prediction.from_dict(json.loads(json.dumps(pred.to_dict())))
    assert again.survival.risk_score == pytest.approx(c.risk_score)
    assert np.allclose(again.survival.upper, c.upper) and again.survival.horizons == c.horizons


def test_risk_shap_is_exact_and_adds_up_to_the_risk_score(model, hf_data):
    X = hf_data[0][:40]
    values, base = risk_shap(model.ensemble, X)
    assert np.allclose(base + values.sum(axis=1), model.ensemble.risk(X), atol=1e-10)
    expl = analyse(model, model.record(PATIENT)).explanation
    assert expl.output_space == "log relative hazard"
    assert expl.output_value == pytest.approx(model.predict(model.record(PATIENT)).survival.risk_score, abs=1e-10)
    # exact for an additive model: equals shap's own exact explainer against the same background
    import shap

    bg = model.shap_background[:12]  # a small background keeps shap's own enumeration quick
    ref = shap.explainers.Exact(model.ensemble.risk, shap.maskers.Independent(bg, max_samples=len(bg)))(
        model.ensemble.impute(model.record(PATIENT).values))
    ours, _ = risk_shap(model.ensemble, model.record(PATIENT).values[None, :], model.ensemble.terms(bg).mean(axis=0))
    assert np.allclose(ref.values[0], ours[0], atol=1e-8)


def test_shapley_values_over_time_are_exact_and_add_up_to_the_event_probability(model):
    import shap

    x = model.ensemble.impute(model.record(PATIENT).values)[0]
    phi, base = event_probability_shap(model.ensemble, x, model.horizons, model.shap_background)
    curve = model.predict(model.record(PATIENT)).survival
    assert np.allclose(base + phi.sum(axis=1), 1 - curve.at_horizons, atol=1e-10)
    # contributions change over time: the largest grows with the horizon as more events accrue
    top = np.argmax(np.abs(phi[-1]))
    assert abs(phi[-1, top]) > abs(phi[0, top])
    bg = model.shap_background[:12]  # a small background keeps shap's own enumeration quick
    phi, base = event_probability_shap(model.ensemble, x, model.horizons[:2], bg)
    # the same numbers from shap's exact explainer, horizon by horizon
    for i, h in enumerate(model.horizons[:2]):
        idx = np.searchsorted(model.ensemble.grid, h, side="right") - 1

        def event_prob(X, idx=idx):
            return 1 - model.ensemble.survival(X)[:, idx]

        ref = shap.explainers.Exact(event_prob, shap.maskers.Independent(bg, max_samples=len(bg)))(x[None, :])
        assert np.allclose(ref.values[0], phi[i], atol=1e-8)


def test_compiled_models_match_scikit_survival(hf_data):
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    X, t, e = hf_data
    tr, te = np.arange(len(t)) % 4 != 0, np.arange(len(t)) % 4 == 0
    log_mask = np.array([f.name in LOG_FEATURES for f in HF.fields])
    grid = np.arange(0.0, 286.0)
    y = Surv.from_arrays(e[tr].astype(bool), t[tr])
    # boosted stumps: same seed and settings, compared on rows the model never saw
    member = stumps_member(X[tr], t[tr], e[tr], log_mask, 0, grid)
    ref = GradientBoostingSurvivalAnalysis(loss="coxph", n_estimators=200, learning_rate=0.05, max_depth=1,
                                           subsample=0.8, random_state=0).fit(X[tr], y)
    ens = Ensemble((member,), np.median(X[tr], axis=0), log_mask, grid, X[tr])
    assert np.allclose(ens.risk(X[te]), ref.predict(X[te]), atol=1e-8)
    # ridge Cox: survival curves equal scikit-survival's Breslow estimate
    cox = cox_member(X[tr], t[tr], e[tr], log_mask, 1.0, grid)
    ens = Ensemble((cox,), np.median(X[tr], axis=0), log_mask, grid, X[tr])
    G = np.where(log_mask, np.log1p(X), X)
    mu, sd = G[tr].mean(axis=0), G[tr].std(axis=0)
    sk = CoxPHSurvivalAnalysis(alpha=1.0, ties="breslow").fit((G[tr] - mu) / sd, y)
    fns = sk.predict_survival_function((G[te][:5] - mu) / sd)
    for row, fn in enumerate(fns):
        at = np.array([30.0, 90.0, 180.0])
        ours = ens.survival(X[te][row:row + 1])[0][np.searchsorted(grid, at, side="right") - 1]
        assert np.allclose(ours, fn(at), atol=1e-6)


def test_held_out_concordance_is_well_above_chance(hf_data):
    """Fit on three quarters, rank the other quarter: a sanity check, not the reported figure."""
    X, t, e = hf_data
    rng = np.random.default_rng(7)
    test = rng.permutation(len(t))[: len(t) // 4]
    tr = np.setdiff1d(np.arange(len(t)), test)
    log_mask = np.array([f.name in LOG_FEATURES for f in HF.fields])
    grid = np.arange(0.0, 286.0)
    ens = Ensemble((stumps_member(X[tr], t[tr], e[tr], log_mask, 0, grid),), np.median(X[tr], axis=0), log_mask,
                   grid, X[tr])
    assert c_index(t[test], e[test], ens.risk(X[test])) > 0.65
    assert c_index(t[test], e[test], -ens.risk(X[test])) < 0.35  # the sign convention: higher = earlier


def test_cli_json_one_line_per_patient_in_input_order(tmp_path):
    rows = [PATIENT, {**PATIENT, "ejection_fraction": 60, "serum_creatinine": 0.9, "age": 50},
            {**PATIENT, "ejection_fraction": 999}]
    path = tmp_path / "patients.json"
    path.write_text(json.dumps(rows))
    proc = subprocess.run([sys.executable, "-m", "medapp", "predict", "--model", "heart-failure", "--json",
                           str(path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1  # one patient could not be scored
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["input"] for r in lines] == ["patients.json#1", "patients.json#2", "patients.json#3"]
    first, second, bad = lines
    for r in (first, second):
        assert set(r["probabilities"]) == {"alive at 180 days", "death by 180 days"}
        assert r["label"] == max(r["probabilities"], key=r["probabilities"].get)
        assert list(r["survival"]) == ["30", "90", "180"]
        assert r["survival"]["180"] == pytest.approx(r["probabilities"]["alive at 180 days"])
        assert 1 >= r["survival"]["30"] >= r["survival"]["90"] >= r["survival"]["180"] >= 0
        # the band and the risk group, as the page, the case and the report give them (the CLI had neither)
        assert all(lo <= r["survival"][h] <= hi for h, (lo, hi) in r["survival_band"].items())
        assert r["risk_group"] in ("low", "intermediate", "high")
    assert first["risk_score"] > second["risk_score"]
    assert "valid range 5-85%" in bad["error"] and "risk_score" not in bad


def test_saved_analysis_redraws_its_curve_in_the_case_report(model, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    from medapp.cases.store import CaseStore
    from medapp.reports import case_html, case_pdf

    store = CaseStore()
    user = {"username": "carla", "role": "clinician"}
    result = analyse(model, model.record(PATIENT))
    case_id = store.create_case("HF-1", user)
    store.add_analysis(case_id, user, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=json.dumps(PATIENT).encode(), input_name="patient.json")
    detail = store.case_detail(case_id, user, log_view=False)
    saved = detail["analyses"][0]["prediction"]
    assert saved.survival is not None
    assert np.allclose(saved.survival.survival, result.prediction.survival.survival)
    html = case_html(detail, by="carla")
    assert "Probability of death: by 30 days" in html and "alt='survival curve'" in html
    assert case_pdf(detail, by="carla")[:4] == b"%PDF"


@pytest.mark.slow
def test_training_on_a_small_sample_writes_a_loadable_model(tmp_path):
    from medapp.modalities.survival.model import load
    from medapp.modalities.survival.train import train

    card = train("heart-failure", DATA, tmp_path / "hf", quick=True, seed=0)
    assert card.modality == "survival" and card.weights == "model.safetensors"
    assert card.metrics["chosen"] in card.metrics["candidates"]
    summary = card.metrics["summary"]
    assert 0.5 < summary["c_index"] <= 1.0 and set(card.metrics["horizons"]) == {"30d", "90d", "180d"}
    assert card.metrics["n"] == 120 and len(card.validation["y_true"]) == len(card.validation["probabilities"])
    model = load(card)
    assert len(model.ensemble.members) == 5  # the full fit and 4 bootstrap refits
    pred = model.predict(model.record(PATIENT))
    assert pred.survival.risk_group in ("low", "intermediate", "high")
    again = train("heart-failure", DATA, tmp_path / "hf2", quick=True, seed=0)  # fixed seeds: same model
    assert (tmp_path / "hf" / "model.safetensors").read_bytes() == (tmp_path / "hf2" / "model.safetensors").read_bytes()
    assert again.metrics["summary"] == summary


def test_a_value_not_measured_says_how_much_it_could_move_the_estimate(model):
    """A browser review: ejection fraction left empty gave the same 20% and band as a measured median one, beside
    a warning that the estimate was "less certain". The warning now gives the spread over the training patients'
    values, which the band does not include, and it brackets what those values give."""
    measured = {"age": 60, "sex": "male", "ejection_fraction": 38, "serum_creatinine": 1.1, "serum_sodium": 137,
                "creatinine_phosphokinase": 253, "platelets": 257000, "anaemia": "no", "diabetes": "no",
                "high_blood_pressure": "no", "smoking": "no"}
    assert not any("training patient's instead" in w for w in model.predict(model.record(measured)).warnings)
    without = model.record({k: v for k, v in measured.items() if k != "ejection_fraction"})
    [line] = [w for w in model.predict(without).warnings if "Had the missing value been each training patient's" in w]
    lo, hi = (float(v) for v in re.search(r"would be (\d+)% to (\d+)% \(10th-90th percentile\)", line).groups())
    assert hi - lo >= 5  # ejection fraction matters to this model
    # the risk falls as the ejection fraction rises: the spread runs between the training patients' 90th and 10th
    j = [f.name for f in model.fields].index("ejection_fraction")
    at = (model.predict(model.record({**measured, "ejection_fraction": float(ef)})).probabilities[1] * 100
          for ef in np.percentile(model.ensemble.background[:, j], [90, 10]))
    assert [round(v) for v in at] == [lo, hi]
    # not "a spread the band does not include", which read as a contradiction beside a wider band (a review)
    assert "The estimate uses the median, and its 95% band does not account for this uncertainty." in line
    # and which way the median leans: the estimate sits at the low end of that range (a review)
    assert re.search(r"\d+% of the training patients' values would give an estimate higher and none one lower by more "
                     r"than half a point than "
                     r"the median's \d+%: it may understate the probability\.( With those values its risk group .*)?$",
                     line), line



def test_contributions_over_time_are_drawn_at_their_days_and_named_whole(model):
    """A review: 30, 90 and 180 days were drawn as equal steps, and the report's legend cut "= not measured"."""
    from medapp.render.survival import over_time_figure
    from medapp.reports.figures import _label

    x = model.record({**PATIENT, "ejection_fraction": None})
    expl = model.explain(x, model.predict(x))
    fig = over_time_figure(expl)
    assert list(fig.data[0].x) == [30.0, 90.0, 180.0] and list(fig.layout.xaxis.ticktext) == ["30 days", "90 days",
                                                                                                "180 days"]
    [name] = [n for n, _ in expl.summary if n.startswith("Left ventricular ejection fraction")]
    assert name == "Left ventricular ejection fraction = not measured (median 38% used)"
    assert _label(name).replace("\n", " ") == name  # on two lines, whole


def test_a_column_in_another_unit_is_said_for_the_whole_column():
    """A review: tumour sizes in cm were each queried when below the usual range, but 3.5 (cm, i.e. 35 mm) fits the
    mm range and was scored as a 3.5 mm tumour without a word. The column is said as a whole; no public file is."""
    import pandas as pd

    from medapp.registry import data_root, load_model

    breast = load_model("breast-cancer-recurrence")
    table = pd.read_csv(data_root() / "records/survival/gbsg2.csv").head(8)
    table["tsize"] = table["tsize"] / 10
    said = breast.validate_cohort(table.to_csv(index=False).encode(), "cm.csv").cohort.file_warnings
    assert "Tumour size: 4 of 7 values read as cm, not mm (2.1, 1.2, 1.7, 1.6; the others fit either unit). Every " \
           "value of the column was scored in mm: if the column is in cm, convert all of it and upload the file " \
           "again." in said
    # and every row of that column says so, not only those outside the mm range (a 10 cm tumour read as 10 mm had
    # an empty warnings cell: a re-check)
    cohort = breast.validate_cohort(table.to_csv(index=False).encode(), "cm.csv").cohort
    assert all(any(w.startswith("Tumour size ") for w in cohort.warnings.get(row, [])) for row in cohort.rows)
    assert "Tumour size 3.5 mm may be in cm, as most of its column reads: scored as 3.5 mm." in cohort.warnings[3]
    for model_id, path in (("breast-cancer-recurrence", "records/survival/gbsg2.csv"),
                           ("heart-failure", "records/heart_failure/heart_failure.csv")):
        cohort = load_model(model_id).validate_cohort((data_root() / path).read_bytes(), "public.csv").cohort
        assert not any(" values read as " in w for w in cohort.file_warnings)


def test_a_missing_value_that_could_move_the_risk_group_says_so():
    """A tumour-board review: "Risk group: lowest third" stood unqualified for a patient without a node count, which
    could have put her in the highest third."""
    breast = load_model("breast-cancer-recurrence")
    values = {"age": 55, "menostat": "post", "tsize": 25, "tgrade": 2, "progrec": 50, "estrec": 40, "horTh": "no"}
    pred = breast.predict(breast.record(values))
    assert pred.details["risk_group"] == "low"
    [said] = [w for w in pred.warnings if w.startswith("This survival model fills a value not given")]
    assert said.endswith(" With those values its risk group could be anywhere from the lowest third to the highest "
                         "third (10th-90th percentile).")
    full = breast.predict(breast.record({**values, "pnodes": 3}))
    assert not any("risk group could be" in w for w in full.warnings)
