"""Case-record models: loading, validation messages, SHAP additivity, cohort scoring, training."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from medapp.analysis import analyse, analyse_batch
from medapp.modalities.records.schema import DATASETS
from medapp.registry import data_root, list_cards, load_model
from medapp.training import train
from medapp.types import Explanation, InputError, Prediction

RECORD_MODELS = list(DATASETS)  # every declared records model


def test_registry_lists_the_three_record_models_with_cards():
    cards = {c.id: c for c in list_cards()}
    for model_id in RECORD_MODELS:
        card = cards[model_id]
        assert card.modality == "records"
        for key in ("auroc", "accuracy", "sensitivity", "specificity", "brier"):
            assert 0.0 <= card.metrics["summary"][key] <= 1.0
        assert card.data["citation"] and card.data["licence"]
        assert card.intended_use and card.limitations
    assert cards["heart-disease"].labels == ("absent", "present")
    assert cards["kidney-disease"].labels == ("notckd", "ckd")
    assert cards["diabetes"].labels == ("negative", "positive")
    assert 0.5 < cards["heart-disease"].metrics["external"]["auroc"] <= 1.0


def test_a_records_process_loads_scikit_learn_types_only_and_not_torch():
    # skops' default allow-list walks all of scikit-learn and imports torch (twice the CLI's start-up
    # time and memory); persist.py skips it and checks every type itself.
    code = ("import sys; from medapp.registry import load_model; "
            f"[load_model(m) for m in {RECORD_MODELS!r}]; print('torch' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "False"


def test_weights_holding_an_unexpected_type_are_refused(tmp_path):
    from medapp.modalities.records.persist import load_weights, save_weights
    save_weights({"estimator": Fraction(1, 3)}, tmp_path / "model.skops")
    with pytest.raises(ValueError, match=r"unexpected types \['fractions.Fraction'\]; refusing to load"):
        load_weights(tmp_path / "model.skops")
    save_weights({"estimator": eval, "platt_a": getattr}, tmp_path / "builtins.skops")  # callables skops would call
    with pytest.raises(ValueError, match=r"unexpected types \['builtins.eval', 'builtins.getattr'\]"):
        load_weights(tmp_path / "builtins.skops")


def test_model_is_loaded_once_per_process():
    assert load_model("heart-disease") is load_model("heart-disease")


@pytest.mark.parametrize("model_id", RECORD_MODELS)
def test_shap_values_add_up_to_the_calibrated_log_odds(model_id):
    model = load_model(model_id)
    x = model.example_input()
    pred = model.predict(x)
    expl = model.explain(x, pred)
    p = pred.probability_of(model.card.labels[1])
    assert expl.output_value == pytest.approx(np.log(p / (1 - p)), abs=1e-6)
    assert expl.values.shape == (len(model.fields),)
    assert pred.probabilities.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("model_id", RECORD_MODELS)
def test_cohort_shap_is_additive_for_every_row(model_id):
    model = load_model(model_id)
    raw = pd.read_csv(data_root() / model.card.data["source_path"], dtype=str)
    buf = io.BytesIO()
    raw.head(40).to_csv(buf, index=False)
    cohort = model.validate_cohort(buf.getvalue(), "sample.csv")
    batch = analyse_batch(model, model.cohort_inputs(cohort, "sample.csv"))
    probs = np.array([p.probability_of(model.card.positive_label) for p in batch.predictions])
    values = np.vstack([e.values for e in batch.explanations])
    base = np.array([e.base_value for e in batch.explanations])
    logits = model.logits(cohort.X)
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), probs)
    np.testing.assert_allclose(base + values.sum(axis=1), logits, atol=1e-6)


def test_missing_values_are_scored_with_a_warning():
    model = load_model("heart-disease")
    record = model.record({"age": 63, "sex": "male", "cp": "asymptomatic", "thalach": 120})
    pred = model.predict(record)
    assert 0.0 < pred.probability < 1.0
    assert any("9 of 13 values not measured" in w for w in pred.warnings)


def test_value_beyond_training_range_warns_but_scores():
    model = load_model("heart-disease")
    pred = model.predict(model.record({"age": 95, "sex": "female"}))
    assert any("Age 95 years is beyond the values seen in training (29-77)" in w for w in pred.warnings)


def test_invalid_values_get_specific_messages():
    model = load_model("heart-disease")
    with pytest.raises(InputError) as err:
        model.record({"age": "abc", "trestbps": 400, "sex": "unknown"})
    msg = str(err.value)
    assert "Age: 'abc' is not a number" in msg
    assert "Resting blood pressure: 400 is outside the valid range 60-250 mmHg" in msg
    assert "Sex: 'unknown' is not one of female, male" in msg
    with pytest.raises(InputError, match="No values were entered"):
        model.record({})


def test_a_comma_in_groups_of_three_is_read_by_the_files_decimal_mark_or_refused():
    """A browser review: CPK "12,500" in a cohort file was scored as 12.5, with only a warning that 12.5 is low. A file
    whose cells say nothing of its decimal mark has it refused; one whose other cells do is read by them."""
    model = load_model("heart-failure")
    head = (b"age,sex,ejection_fraction,serum_creatinine,serum_sodium,creatinine_phosphokinase,platelets,anaemia,"
            b"diabetes,high_blood_pressure,smoking\n")
    undecided = model.validate_cohort(head + b'60,1,38,1,137,"12,500",262000,0,0,0,0\n'
                                             b'61,0,35,2,136,582,"162,000",0,0,0,0\n', "hf.csv").cohort
    assert undecided.rows == []
    assert undecided.errors[1] == ["Creatine phosphokinase (CPK): '12,500' is ambiguous (a thousands separator or a "
                                   "decimal comma?): write 12500 or 12.500"]
    assert "Platelets: '162,000' is ambiguous" in undecided.errors[2][0]
    cpk = [f.name for f in model.fields].index("creatinine_phosphokinase")
    points = model.validate_cohort(head + b'60,1,38,1.1,137,"7,861",262000,0,0,0,0\n', "hf.csv").cohort
    assert points.X[0, cpk] == 7861  # decimal points: a comma groups thousands
    commas = model.validate_cohort(head + b'60,1,38,"1,1",137,"12,500",262000,0,0,0,0\n', "hf.csv").cohort
    assert commas.X[0, cpk] == 12.5  # decimal commas: the comma is the decimal mark in every cell
    both = model.validate_cohort(head + b'60,1,38,"1,1",137,"12,500",262000,0,0,0,0\n'
                                        b'62,1,30,0.9,135,582,"1,234,567",0,0,0,0\n', "hf.csv").cohort
    assert both.errors[1] == ["Creatine phosphokinase (CPK): '12,500' could be 12500 or 12.500, as this file writes "
                              "decimals both ways: write it without a thousands separator"]
    assert "This file writes decimals both with a comma ('1,1') and with a point ('0.9')" in both.file_notes[0]
    record = model.record({"age": 60, "serum_creatinine": "1,1", "platelets": 262000, "sex": 1, "serum_sodium": 137,
                           "ejection_fraction": 38})  # a decimal comma: 1.1
    assert record.values[[f.name for f in model.fields].index("serum_creatinine")] == pytest.approx(1.1)
    with pytest.raises(InputError, match=r"Serum creatinine: '30,5' \(read as 30.5\) is outside the valid range"):
        model.record({"age": 60, "serum_creatinine": "30,5"})


def test_zero_means_missing_for_pima():
    model = load_model("diabetes")
    record = model.record({"glucose": 0, "bmi": 0, "age": 40, "pregnancies": 0})
    assert np.isnan(record.values[1]) and np.isnan(record.values[5])
    assert record.values[0] == 0  # zero pregnancies is a real value


def test_cohort_with_bad_rows_scores_the_rest():
    model = load_model("heart-disease")
    csv = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
           "A,63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
           "B,abc,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
           "C,50,female,non-anginal pain,120,,0,0,160,no,0,1,0,normal\n"
           "D,60,1,9,145,233,1,2,150,0,2.3,3,0,6\n")
    cohort = model.validate_cohort(csv.encode(), "c.csv")
    assert cohort.rows == [1, 3]
    assert cohort.errors == {2: ["Age: 'abc' is not a number"],
                             4: ["Chest pain type: '9' is not one of typical angina, atypical angina, "
                                 "non-anginal pain, asymptomatic (or their codes 1, 2, 3, 4)"]}
    assert cohort.ids[1] == "A"


def test_cohort_missing_columns():
    model = load_model("heart-disease")
    cohort = model.validate_cohort(b"age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang\n60,1,4,140,250,0,0,150,1\n", "x.csv")
    assert "Missing columns: oldpeak" in cohort.file_warnings[0]
    with pytest.raises(InputError, match="does not look like input for Heart disease") as unknown:
        model.validate_cohort(b"name,weight\nx,70\n", "wrong.csv")
    assert "Its columns are those of" not in unknown.value.message  # no model takes them


def test_a_cohort_given_to_another_model_names_the_model_its_columns_fit():
    """A review: the records page opens on one model, and another model's cohort got only "lacks 8 of 8 columns"."""
    heart = b"age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak\n60,1,4,140,250,0,0,150,1,2.3\n"
    with pytest.raises(InputError) as refused:
        load_model("diabetes").validate_cohort(heart, "heart.csv")
    assert refused.value.message.endswith(
        "Its columns are those of Heart disease (UCI Cleveland), model id heart-disease: choose that model.")
    failure = (b"age,anaemia,creatinine_phosphokinase,diabetes,ejection_fraction,high_blood_pressure,platelets,"
               b"serum_creatinine,serum_sodium,sex,smoking,time,DEATH_EVENT\n70,0,582,0,20,1,265000,1.9,130,1,0,4,1\n")
    with pytest.raises(InputError) as refused:
        load_model("kidney-disease").validate_cohort(failure, "hf.csv")  # a survival model's cohort too
    assert "those of Heart failure survival, model id heart-failure" in refused.value.message


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "looks like a PNG image, not a table of patients"),
    (b"age,sex\n", "no patient rows"),
])
def test_unreadable_cohort_files(data, message):
    with pytest.raises(InputError, match=message):
        load_model("heart-disease").validate_cohort(data, "f.csv")


def test_a_table_past_the_row_limit_stops_being_read_one_row_past_it(monkeypatch, tmp_path):
    """A workbook of 1,000,000 rows was read whole (39 s) before its length was checked (a security review)."""
    from medapp.modalities.records import io as records_io

    monkeypatch.setattr(records_io, "MAX_COHORT_ROWS", 5)
    csv = b"age,sex\n" + b"60,1\n" * 6
    with pytest.raises(InputError, match=r"^f.csv has more than 5 rows; the limit is 5 \(send them in parts\)."):
        records_io.read_table(csv, "f.csv")
    assert len(records_io.read_table(b"age,sex\n" + b"60,1\n" * 5, "f.csv")) == 5
    path = tmp_path / "f.xlsx"
    pd.DataFrame({"age": [60] * 1000, "sex": [1] * 1000}).to_excel(path, index=False)
    with pytest.raises(InputError, match=r"^f.xlsx has more than 5 rows; the limit is 5 \(send them in parts\)."):
        records_io.read_table(path.read_bytes(), "f.xlsx")


def test_a_tiny_workbook_cannot_make_a_huge_table():
    """A 1.6 KB workbook naming one cell in column XFD of row 200,000 (and a declared A1:XFD200000) made pandas build
    200,000 rows of 16,384 values: 24 GB, and the kernel killed the service (a security review)."""
    import zipfile

    from medapp.modalities.records.io import read_table

    def workbook(rows: str, dimension: str = "") -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                       'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                       'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                       'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                       'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                       'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
            z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                       'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
                       'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
            z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                       'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships"><sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>')
            z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                       'openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.'
                       'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                       '</Relationships>')
            z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.'
                       f'openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>')
        return out.getvalue()

    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>age</t></is></c><c r="B1" t="inlineStr"><is><t>sex</t></is></c></row>'
    # row 2,000, not 200,000: were the fix undone, this test should fail, not take the machine's memory
    far = '<row r="2000"><c r="XFD2000"><v>1</v></c></row>'
    bomb = workbook(header + '<row r="2"><c r="A2"><v>60</v></c><c r="B2"><v>1</v></c></row>' + far,
                    '<dimension ref="A1:XFD2000"/>')
    assert len(bomb) < 2_000
    frame = read_table(bomb, "f.xlsx")  # the gap is no rows; the far cell one short row
    assert frame.shape == (2, 16_384) and list(frame.iloc[0, :2]) == ["60", "1"]
    ragged = workbook(header + "".join(f'<row r="{r}"><c r="A{r}"><v>60</v></c></row>' for r in range(2, 100))
                      + '<row r="100"><c r="XFD100"><v>1</v></c></row>')
    with pytest.raises(InputError, match=r"^f.xlsx is 100 rows by 16,384 columns once its rows are made the same"):
        read_table(ragged, "f.xlsx")


def test_excel_cohort(tmp_path):
    model = load_model("diabetes")
    path = tmp_path / "c.xlsx"
    pd.DataFrame({"glucose": [170, 90], "bmi": [38, 22], "age": [50, 25], "pregnancies": [4, 0],
                  "diabetes_pedigree": [0.9, 0.2]}).to_excel(path, index=False)
    cohort = model.validate_cohort(path.read_bytes(), "c.xlsx")
    assert cohort.rows == [1, 2]
    first, second = analyse_batch(model, model.cohort_inputs(cohort, "c.xlsx"), explain=False).predictions
    assert first.probability_of("positive") > second.probability_of("positive")


def test_analysis_cache_returns_the_same_explanation():
    model = load_model("kidney-disease")
    x = model.example_input()
    first = analyse(model, x)
    assert analyse(model, x).explanation is first.explanation


def test_prediction_and_explanation_round_trip_through_dicts():
    model = load_model("heart-disease")
    x = model.example_input()
    result = analyse(model, x)
    pred = Prediction.from_dict(json.loads(json.dumps(result.prediction.to_dict())))
    expl = Explanation.from_dict(json.loads(json.dumps(result.explanation.to_dict())))
    assert pred.label == result.prediction.label
    np.testing.assert_allclose(expl.values, result.explanation.values)
    assert expl.data["display"] == result.explanation.data["display"]


def test_kernel_baseline_agrees_with_exact_shap():
    model = load_model("diabetes")
    x = model.example_input()
    pred = model.predict(x)
    exact, kernel = model.explain(x, pred), model.baseline_explain(x, pred)
    assert kernel.output_value == pytest.approx(exact.output_value, abs=1e-6)
    assert np.corrcoef(exact.values, kernel.values)[0, 1] > 0.9


@pytest.mark.slow  # trains a model (seconds to minutes on 2 cores)
def test_training_on_a_small_sample_writes_a_loadable_model(tmp_path, monkeypatch):
    card = train("heart-disease", out_dir=tmp_path / "heart-disease", quick=True)
    assert (tmp_path / "heart-disease" / "model.skops").is_file()
    assert card.metrics["n"] == 80 and len(card.validation["y_true"]) == 80
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path))
    model = load_model("heart-disease")
    assert model.card.path == tmp_path / "heart-disease"
    x = model.example_input()
    assert model.explain(x, model.predict(x)).output_value == pytest.approx(
        np.log(model.predict(x).probability_of("present") / model.predict(x).probability_of("absent")), abs=1e-6)


@pytest.mark.slow  # trains a model (seconds to minutes on 2 cores)
def test_training_is_reproducible(tmp_path):
    a = train("diabetes", out_dir=tmp_path / "a", quick=True, seed=3)
    b = train("diabetes", out_dir=tmp_path / "b", quick=True, seed=3)
    assert a.metrics["summary"] == b.metrics["summary"]
    assert a.validation["probabilities"] == b.validation["probabilities"]


@pytest.mark.parametrize("model_id", RECORD_MODELS)
def test_compiled_scoring_equals_the_sklearn_estimator(model_id):
    from medapp.modalities.records.estimators import raw_score

    model = load_model(model_id)
    raw = pd.read_csv(data_root() / model.card.data["source_path"], dtype=str)
    buf = io.BytesIO()
    raw.head(60).to_csv(buf, index=False)
    X = model.validate_cohort(buf.getvalue(), "s.csv").X
    expected = model.platt_a * raw_score(model.estimator, X) + model.platt_b
    np.testing.assert_allclose(model.logits(X), expected, atol=1e-9)


@pytest.mark.parametrize("model_id", RECORD_MODELS)
def test_committed_card_says_what_training_writes(model_id):
    """A retrained model keeps the version and the readable labels of the committed one (kidney-disease's were
    added to its card by hand once, and a retrain dropped them)."""
    from medapp.modalities.records.schema import DATASETS

    card, dataset = load_model(model_id).card, DATASETS[model_id]
    assert card.version == dataset.version
    assert card.display_labels == dataset.display_labels
    assert "calibration" in card.metrics and "risk_bands_on_validation" in card.metrics


def test_the_kidney_card_says_its_figures_will_not_carry_over():
    """The README and docs said the near-perfect kidney figures come from nearly separable data, but the card the
    Models page and the prediction panel show did not, and it gave a calibration slope of 5.4 uncommented (a
    statistician's review). Training appends the dataset's own limitations after the common ones."""
    from medapp.modalities.records.schema import KIDNEY
    from medapp.registry import get_card

    card = get_card("kidney-disease")
    assert tuple(card.limitations[-1:]) == KIDNEY.limitations
    assert "almost separable" in card.limitations[-1] and "calibration slope" in card.limitations[-1]


def test_a_reassuring_answer_says_when_a_value_lies_well_beyond_every_patient_without_the_condition():
    """A clinical-safety review: creatinine 9.0 mg/dL, everything else typical, read "no chronic kidney disease, 0.1%,
    low" with no word; every training patient without it had 0.4-1.2 mg/dL."""
    from medapp.modalities.records.io import typical_record

    model = load_model("kidney-disease")
    assert model.negative_range["sc"] == [0.4, 1.2]
    typical = dict(model.card.input["typical"])
    assert model.predict(model.example_input()).warnings == ()  # haemoglobin 12.65 against 13.0: at the edge, unsaid
    pred = model.predict(typical_record(model.fields, {**typical, "sc": 9.0}))
    assert pred.label == "notckd"
    assert pred.warnings[-1] == (
        "The model says 'no chronic kidney disease', but this value lies beyond every training patient with 'no "
        "chronic kidney disease': Serum creatinine 9.0 mg/dL (above 1.2 mg/dL). Its answer rests on the other values: "
        "check this one before relying on it.")
    # the same row in a cohort says the same (one code path)
    [batch] = model.predict_many([typical_record(model.fields, {**typical, "sc": 9.0})])
    assert batch.warnings == pred.warnings
    # never beside a call of the condition itself
    sick = model.predict(typical_record(model.fields, {**typical, "sc": 9.0, "al": 4, "hemo": 8.0, "sg": 1.005}))
    assert sick.label == "ckd" and not any("beyond every training patient" in w for w in sick.warnings)


def test_a_value_beyond_every_training_patient_is_said_once_not_twice():
    """A re-check: heart disease at age 100 had "beyond the values seen in training" and "beyond every training
    patient with 'absent'" for the one value."""
    model = load_model("heart-disease")
    typical = dict(model.card.input["typical"])
    pred = model.predict(model.record({**typical, "age": 100}))
    said = [w for w in pred.warnings if "Age" in w or "age" in w.split(":")[0]]
    assert pred.label == "absent" and len(said) == 1 and "beyond every training patient" not in said[0]
