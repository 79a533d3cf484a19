"""AppTests of what the Case records page shows beside an estimate: the values it was computed for, the form
changed since, the risk band beside the percentage, and the survival cohort's percentages."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from apptest_helpers import form_field, records_page
from streamlit.testing.v1 import AppTest

from medapp.modalities.records.model import band_of
from medapp.registry import load_model

REPO = Path(__file__).resolve().parents[2]
HEART = ("Heart disease (UCI Cleveland)", "heart-disease", "Estimate risk", "rec", "ex", "clr", "one")
FAILURE = ("Heart failure survival", "heart-failure", "Estimate survival", "surv", "sex", "sclr", "s")


@pytest.fixture(autouse=True)
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))


def _estimated(panel: tuple) -> AppTest:
    name, mid, submit, _, example, _, _ = panel
    at = records_page(name)
    at.button(key=f"{example}_{mid}").click().run()  # load example patient
    next(b for b in at.button if b.label == submit).click().run()
    assert not at.exception
    return at


def _values_caption(at: AppTest) -> str:
    [caption] = [c.value for c in at.caption if c.value.startswith("**Estimate for the values submitted with")]
    return caption


def _saveable(at: AppTest) -> bool:
    return any(e.label == "Save to case" for e in at.expander)


@pytest.mark.parametrize("panel", [HEART, FAILURE], ids=["risk", "survival"])
def test_the_result_names_the_values_it_was_computed_for(panel):
    at = _estimated(panel)
    caption = _values_caption(at)
    assert caption.startswith(f"**Estimate for the values submitted with {panel[2]}:** Age = ")
    age = load_model(panel[1]).card.input["typical"]["age"]
    assert f"Age = {age:g} years" in caption and f"used only when {panel[2]} is pressed again" in caption
    assert not at.warning or not any("form has changed" in w.value for w in at.warning)
    assert _saveable(at)


def test_a_value_typed_but_not_submitted_never_reaches_the_server_so_the_caption_says_what_was_used():
    """The form is an st.form: Age typed as 80 stays in the browser until Estimate risk is pressed, so the page
    cannot mark the result; its caption names Age = 55 years, the value the estimate used."""
    at = _estimated(HEART)
    before = at.metric[0].value
    age = form_field(at.number_input, "rec_heart-disease_age")
    age.set_value(80).run()  # typed, not submitted
    assert at.session_state[age.key] == 55  # the server still holds the submitted value
    assert at.metric[0].value == before and "Age = 55 years" in _values_caption(at)


@pytest.mark.parametrize("panel", [HEART, FAILURE], ids=["risk", "survival"])
@pytest.mark.parametrize("button", ["clear", "example after an edit"])
def test_a_form_changed_since_the_estimate_marks_it_and_offers_no_save(panel, button):
    name, mid, submit, field, example, clear, _ = panel
    at = _estimated(panel)
    if button == "clear":
        at.button(key=f"{clear}_{mid}").click().run()
    else:  # the example patient with its age changed and estimated, then the example loaded again
        form_field(at.number_input, f"{field}_{mid}_age").set_value(80)
        next(b for b in at.button if b.label == submit).click().run()
        assert "Age = 80 years" in _values_caption(at) and _saveable(at)
        at.button(key=f"{example}_{mid}").click().run()
    assert not at.exception
    [warning] = [w.value for w in at.warning if "form has changed" in w.value]
    assert warning.startswith(f"The form has changed since this estimate: press **{submit}** to update it.")
    assert not _saveable(at)  # saving would store the earlier values' analysis
    assert at.metric  # the earlier estimate is still shown, marked, with the values it used
    if button == "clear":  # the example loaded again: the form holds the estimated values again, nothing to mark
        at.button(key=f"{example}_{mid}").click().run()
        assert not any("form has changed" in w.value for w in at.warning) and _saveable(at)
    next(b for b in at.button if b.label == submit).click().run()
    assert not any("form has changed" in w.value for w in at.warning) and _saveable(at)


@pytest.mark.parametrize("panel", [HEART, FAILURE], ids=["risk", "survival"])
def test_a_press_whose_run_was_stopped_before_the_form_is_estimated_by_the_next_run(panel):
    """In a browser on a loaded machine the user's next click (Existing case, under Save to case) stopped the run of
    Estimate risk after its press was handled but before the page reached the form: the estimate stayed at the
    earlier values. Here the press's callback ran and its run ended there, as then."""
    name, mid, submit, field, _, _, _ = panel
    at = _estimated(panel)
    at.session_state[form_field(at.number_input, f"{field}_{mid}_age").key] = 80  # the values the press sent
    from medapp.ui import records, survival

    form = (records.FORM if panel is HEART else survival.FORM).form
    at.session_state["medapp_pressed_estimates"].add(f"{form}_{mid}")  # noted by the press's callback
    at.run()  # the next run, from another click: no press in it
    assert not at.exception
    assert "Age = 80 years" in _values_caption(at)
    assert not any("form has changed" in w.value for w in at.warning) and _saveable(at)
    assert not at.session_state["medapp_pressed_estimates"]  # taken once


def test_single_patient_and_cohort_band_agree_with_the_percentage_shown():
    """The example patient (19.71% then, 19.81% now): the page said 20% intermediate, the cohort 19.71% intermediate
    (low < 20%)."""
    at = _estimated(HEART)
    bands = load_model("heart-disease").card.input["risk_bands"]
    shown = at.metric[0].value
    assert shown == "19.8%"
    band = next(m.value for m in at.markdown if m.value.startswith("Risk band:"))
    assert ":green-badge[low]" in band and band_of(float(shown.rstrip("%")) / 100, bands) == "low"
    csv = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
           "P1,55,1,4,130,240,0,0,154,0,0.8,1,0,3\n")
    at.file_uploader(key="cohort_heart-disease").set_value(("hd_example.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    row = at.dataframe[0].value.iloc[0]
    # the column holds percentage points shown with one place in every row ("percent" mixed "27.6%" and "67.88%")
    assert row["risk band"] == "low" and band_of(round(row["probability"], 2) / 100, bands) == "low"
    config = json.loads(at.dataframe[0].proto.columns)["probability"]["type_config"]
    assert config["type"] == "progress" and config["format"] == "%.1f%%" and config["max_value"] == 100


def test_survival_cohort_shows_probabilities_as_percentages_like_the_risk_cohort():
    model = load_model("heart-failure")
    typical = model.card.input["typical"]
    csv = ("id," + ",".join(f.name for f in model.fields) + "\n"
           + "A," + ",".join(f"{typical[f.name]:g}" for f in model.fields) + "\n")
    at = records_page("Heart failure survival")
    at.file_uploader(key="scohort_heart-failure").set_value(("hf.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    table = at.dataframe[0]
    columns = json.loads(table.proto.columns)
    horizons = [c for c in table.value.columns if c.startswith("P(")]
    # the main horizon's probability and band first (last, they were off the right edge at 1024 px: a review)
    assert list(table.value.columns[:4]) == ["row", "id", "P(death by 180 days)", "95% band by 180 days"]
    assert horizons == ["P(death by 180 days)", "P(death by 30 days)", "P(death by 90 days)"]
    for c in horizons:
        # one place of a percentage in every row: Streamlit's "percent" format mixed "27.6%" and "67.88%"
        assert columns[c]["type_config"] == {"type": "progress", "format": "%.1f%%", "min_value": 0.0,
                                             "max_value": 100.0}
        assert 0.0 < table.value[c].iloc[0] < 100.0  # the number is the probability in percentage points
    # the single patient's 180-day probability, to the unrounded number (the table said 0.202)
    single = model.predict(model.example_input()).probability_of("death by 180 days")
    assert table.value["P(death by 180 days)"].iloc[0] == pytest.approx(single * 100, abs=1e-10)


def test_survival_waterfall_reads_average_patient_and_this_patient():
    at = _estimated(FAILURE)
    spec = next(c.proto.spec for c in at.get("plotly_chart") if "Why this risk score" in c.proto.spec)
    fig = json.loads(spec)
    [trace] = fig["data"]
    assert trace["y"][0].startswith("average patient: risk score ")
    assert trace["y"][-1].startswith("this patient: risk score ")
    assert not any(y.startswith(("output ", "base ")) for y in trace["y"])
    # 11 fields: all 11 named (a bar "1 other value" stood in for the eleventh, a review)
    assert not any("other value" in y for y in trace["y"]) and len(trace["y"]) == 11 + 2
    assert trace["cliponaxis"] is False


def test_a_creatinine_in_micromoles_is_refused_on_the_page_with_its_conversion():
    """70 typed into the kidney model's mg/dL field (a normal creatinine in µmol/L) was scored as 70 mg/dL without a
    word: the page now says which unit it fits."""
    at = records_page("Chronic kidney disease (UCI)")
    at.button(key="ex_kidney-disease").click().run()
    form_field(at.number_input, "rec_kidney-disease_sc").set_value(70.0)  # inside the form: applied on submit
    next(b for b in at.button if b.label == "Estimate risk").click().run()
    assert not at.exception
    assert not at.metric  # no estimate for a creatinine of 70 mg/dL (it read '>99.9%' beside a warning)
    assert any("Serum creatinine: 70 is outside the valid range 0.1-30 mg/dL. In µmol/L? 70 µmol/L is 0.792 mg/dL: "
               "enter that" in e.value for e in at.error)


def test_what_if_says_the_warnings_of_the_changed_value():
    """What if? showed '+100.0 points' for an unusual creatinine without the warning the form gives."""
    at = records_page("Chronic kidney disease (UCI)")
    at.button(key="ex_kidney-disease").click().run()
    next(b for b in at.button if b.label == "Estimate risk").click().run()
    [field] = [s for s in at.selectbox if s.key and s.key.startswith("wi_field_")]
    field.set_value("Serum creatinine").run()
    [value] = [n for n in at.number_input if n.key and n.key.startswith("wi_val_") and n.key.endswith("_sc")]
    value.set_value(20.0).run()
    assert not at.exception
    assert any(w.value.startswith("Serum creatinine 20 mg/dL is outside the usual range of patients' values")
               for w in at.warning)


def test_the_results_csv_reads_back_as_a_cohort_file():
    """The CSV held '62 years', '90 mmHg' and '263,000 /µL', which a cohort upload and the CLI refused for every
    field (a re-check); it now holds the values as a cohort file does."""
    import numpy as np

    from medapp.analysis import analyse_batch
    from medapp.registry import data_root
    from medapp.security.audit import spreadsheet_csv
    from medapp.ui.records import file_values, results_table

    model = load_model("heart-disease")
    cohort = model.validate_cohort((data_root() / "records/heart_disease_uci/cleveland.csv").read_bytes(), "c.csv")
    batch = analyse_batch(model, model.cohort_inputs(cohort, "c.csv"))
    csv = spreadsheet_csv(file_values(model, results_table(model, cohort, batch), cohort))
    back = model.validate_cohort(csv.encode(), "back.csv")
    assert back.errors == {} and len(back.rows) == len(cohort.rows) == 242
    order = np.argsort([-item.prediction.probability_of("present") for item in batch.analysed], kind="stable")
    np.testing.assert_array_equal(np.nan_to_num(back.X, nan=-1), np.nan_to_num(cohort.X[order], nan=-1))
