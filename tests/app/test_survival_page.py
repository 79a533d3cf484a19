"""AppTest of the survival panel on the Case records page: curve, horizons, explanation, save to case."""
from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

from apptest_helpers import form_field
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore

REPO = Path(__file__).resolve().parents[2]
CLIN = {"username": "carla", "role": "clinician"}


def _estimate(model_name: str, model_id: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/records.py"), default_timeout=120)
    at.session_state["medapp_user"] = CLIN
    at.run()
    at.selectbox(key="records_model").set_value(model_name).run()
    at.button(key=f"sex_{model_id}").click().run()  # load example patient
    next(b for b in at.button if b.label == "Estimate survival").click().run()
    assert not at.exception
    return at


def _specs(at: AppTest) -> str:
    """The page's charts as text, with "/" and "µ" as written (plotly's JSON escapes them: "mEq\\u002fL")."""
    return " ".join(json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart"))


def _heart_failure_page(tmp_path, monkeypatch) -> AppTest:
    """The Case records page with the heart-failure survival model chosen, in its own state folder."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = AppTest.from_file(str(REPO / "pages/records.py"), default_timeout=120)
    at.session_state["medapp_user"] = CLIN
    at.run()
    return at.selectbox(key="records_model").set_value("Heart failure survival").run()


def test_heart_failure_patient_gets_a_curve_horizons_and_explanations(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = _estimate("Heart failure survival", "heart-failure")
    metric = at.metric[0]
    assert metric.label == "Probability of death by 180 days"
    assert 0 < float(metric.value.rstrip("%")) < 100
    # a static table, whose cells wrap in the third of the page (a grid cut the band to its lower bound at 1024 px)
    table = at.table[0].value.reset_index()
    assert table["by"].tolist() == ["30 days", "90 days", "180 days"]
    assert all(" to " in band for band in table["95% band"])
    assert [float(p.rstrip("%")) for p in table["probability"]] == sorted(
        float(p.rstrip("%")) for p in table["probability"])
    specs = _specs(at)
    assert "Probability of no death over time" in specs and "95% bootstrap percentile band" in specs
    assert "Why this risk score" in specs and "by horizon" in specs
    assert any("Risk group" in m.value for m in at.markdown)
    # the background average the contributions over time add up from, by horizon (it was never given: a review)
    assert any(re.search(r"background average \(\d+% by 30 days, \d+% by 90 days, \d+% by 180 days\)", c.value)
               for c in at.caption)
    # the cohort tab names the outcome columns as the dataset spells them (it said `death_event`)
    assert any("Outcome columns (`time`, `DEATH_EVENT`) are never used as inputs" in m.value for m in at.markdown)


def test_breast_cancer_horizons_are_in_years_and_the_analysis_saves_to_a_case(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = _estimate("Breast cancer recurrence-free survival (GBSG2)", "breast-cancer-recurrence")
    assert at.metric[0].label == "Probability of recurrence or death by 5 years"
    key = "s_breast-cancer-recurrence"
    at.text_input(key=f"case_ref_{key}").set_value("ONC-7")
    at.button(key=f"case_save_{key}").click().run()
    assert "in case ONC-7" in at.success[0].value
    [case] = CaseStore().list_cases()
    cases = AppTest.from_file(str(REPO / "pages/cases.py"), default_timeout=120)
    cases.session_state["medapp_user"] = CLIN
    cases.run()
    assert not cases.exception
    assert "Probability of no recurrence or death over time" in _specs(cases)  # the stored curve is redrawn
    assert case["reference"] == "ONC-7"


def test_a_field_set_back_to_not_measured_reads_so_in_the_form_and_the_explanation(tmp_path, monkeypatch):
    """The survival form says "not measured" as the risk form does (it said "not given" in its select boxes and
    "not measured" in its number boxes), and the explanation names the value the same way."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = _estimate("Heart failure survival", "heart-failure")
    anaemia = form_field(at.selectbox, "surv_heart-failure_anaemia")
    assert anaemia.options[0] == "not measured" and anaemia.value == "no"
    anaemia.set_value("not measured")
    form_field(at.number_input, "surv_heart-failure_serum_sodium").set_value(None)
    next(b for b in at.button if b.label == "Estimate survival").click().run()
    assert not at.exception
    stored = at.session_state["survival_values_heart-failure"]
    assert stored["anaemia"] is None and stored["serum_sodium"] is None and stored["age"] == 60
    specs = _specs(at)
    # with the value it was scored as: "not measured" alone read as if not measuring it moved the hazard (a review)
    assert "Anaemia = not measured (most common 'no' used)" in specs
    assert "Serum sodium = not measured (median 137 mEq/L used)" in specs
    assert any("fills a value not given with the training median" in w.value for w in at.warning)


def test_a_cohort_with_its_outcome_columns_gets_a_note_not_a_warning(tmp_path, monkeypatch):
    # the page asks for time and DEATH_EVENT (the observed curves), and then warned in yellow that they were there
    from medapp.registry import data_root

    at = _heart_failure_page(tmp_path, monkeypatch)
    rows = (data_root() / "records/heart_failure/heart_failure.csv").read_text().splitlines()[:21]
    at.file_uploader(key="scohort_heart-failure").set_value([("hf.csv", "\n".join(rows).encode(), "text/csv")]).run()
    assert not at.exception
    assert any(i.value.startswith("Outcome columns time, DEATH_EVENT are not used as inputs") for i in at.info)
    assert not any(w.value.startswith("Outcome column") for w in at.warning)
    # a patient saved from the file keeps its own warnings, not the note about the file's columns (a review: the
    # case, Meeting mode and the PDF warned "Outcome columns ... are not used as inputs" for that patient)
    key = "one_of_scohort_heart-failure_row3"
    at.selectbox(key="one_of_scohort_heart-failure_pick").set_value("hf.csv#row3").run()
    at.radio(key=f"case_mode_{key}").set_value("New case").run()
    at.text_input(key=f"case_ref_{key}").set_value("TTE-3")
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception and any("in case TTE-3" in s.value for s in at.success)
    store = CaseStore()
    [case] = store.list_cases()
    [saved] = store.case_detail(case["id"], CLIN, log_view=False)["analyses"]
    assert saved["prediction"].survival is not None
    assert not any(w.startswith("Outcome column") for w in saved["prediction"].warnings)


def test_a_cohort_lists_each_patients_own_warnings_and_band(tmp_path, monkeypatch):
    """A review: the one-patient panel and the CLI called the band of the CPK 7861 patient wide, and the cohort table
    listed that patient without a word and without a band; the median note went with every row of the file."""
    at = _heart_failure_page(tmp_path, monkeypatch)
    rows = ["age,anaemia,creatinine_phosphokinase,diabetes,ejection_fraction,high_blood_pressure,platelets,"
            "serum_creatinine,serum_sodium,sex,smoking",
            "55,0,7861,0,38,0,263358,1.1,136,1,0",  # row 1: few training patients like this one
            "65,0,146,0,,0,162000,1.3,129,1,1",  # row 2: ejection fraction not given
            "60,0,250,0,38,0,262000,1.1,137,1,0"]  # row 3: nothing to say
    at.file_uploader(key="scohort_heart-failure").set_value([("hf.csv", "\n".join(rows).encode(), "text/csv")]).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "risk group" in d.value.columns).set_index("row")
    # its band reaches across 50%: said in the table as the one-patient panel says it (a tumour-board review)
    assert table.loc[1, "warnings"].startswith("Not a clear answer: the 95% band of the probability of death by 180 "
                                               "days (15% to 93%) reaches across 50%")
    assert "The 95% band for death by 180 days is wide" in table.loc[1, "warnings"]
    assert "fills a value not given with the training median" in table.loc[2, "warnings"]
    assert table.loc[3, "warnings"] == ""
    assert set(table["risk group"]) <= {"lowest third", "middle third", "highest third"}  # the CSV's words too
    low, high = (float(p.rstrip("%")) for p in table.loc[1, "95% band by 180 days"].split(" to "))
    assert high - low > 60 and low <= table.loc[1, "P(death by 180 days)"] <= high
    # the patient saved from the cohort keeps its row, which Cases and the reports say (a tumour-board review)
    pick = next(s for s in at.selectbox if s.label == "Patient to save to a case")
    assert pick.options == ["row 1", "row 2", "row 3"]
    # chosen through the session: AppTest cannot set a choice whose label is not its value (format_func)
    at.session_state[pick.key] = "hf.csv#row3"
    at.run()
    key = "one_of_scohort_heart-failure_row3"
    at.text_input(key=f"case_ref_{key}").set_value("HF-ROWS")
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception and "in case HF-ROWS" in at.success[-1].value
    [case] = CaseStore().list_cases()
    [saved] = CaseStore().case_detail(case["id"], CLIN, log_view=False)["analyses"]
    assert saved["prediction"].part == "row 3 of a cohort file"
    cases = AppTest.from_file(str(REPO / "pages/cases.py"), default_timeout=120)
    cases.session_state["medapp_user"] = CLIN
    cases.run()
    assert any(c.value.startswith("input: patient's values") and "row 3 of a cohort file · record #" in c.value
               for c in cases.caption), [c.value for c in cases.caption]


def test_what_validation_showed_of_patients_like_this_one_stands_under_the_headline(tmp_path, monkeypatch):
    """GBSG2 overstated younger women's 5-year risk in validation: said beside the number it qualifies, before the
    horizon table, not below it with the other cautions."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = _estimate("Breast cancer recurrence-free survival (GBSG2)", "breast-cancer-recurrence")
    form_field(at.number_input, "surv_breast-cancer-recurrence_age").set_value(44)
    next(b for b in at.button if b.label == "Estimate survival").click().run()
    left = next(c for c in at.columns if any(getattr(e, "type", "") == "metric" for e in c))
    kinds = [(e.type, getattr(e, "value", "")) for e in left]
    caution = next(i for i, (kind, value) in enumerate(kinds)
                   if kind == "warning" and str(value).startswith("In validation this model's estimates for patients aged under"))
    table = next(i for i, (kind, _) in enumerate(kinds) if kind == "table")
    assert caution < table
    assert "54% predicted on average against 44% observed by 5 years (268 patients)" in kinds[caution][1]


def test_a_cohorts_caution_about_a_group_is_said_once_with_its_rows(tmp_path, monkeypatch):
    """The card's figures by subgroup reach each patient of the group (GBSG2 overstates younger women's risk), and the
    list under the table says that once, naming the rows, not the same long sentence for each."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = AppTest.from_file(str(REPO / "pages/records.py"), default_timeout=120)
    at.session_state["medapp_user"] = CLIN
    at.run()
    at.selectbox(key="records_model").set_value("Breast cancer recurrence-free survival (GBSG2)").run()
    rows = ["age,menostat,tsize,tgrade,pnodes,progrec,estrec,horTh",
            "44,pre,25,2,3,50,40,no", "66,post,25,2,3,50,40,no", "38,pre,30,3,5,10,5,yes", "47,post,20,2,2,80,90,no"]
    at.file_uploader(key="scohort_breast-cancer-recurrence").set_value(
        [("gbsg.csv", "\n".join(rows).encode(), "text/csv")]).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "risk group" in d.value.columns).set_index("row")
    caution = "In validation this model's estimates for patients aged under 50 were too high on average"
    assert [caution in table.loc[r, "warnings"] for r in (1, 2, 3, 4)] == [True, False, True, True]
    said = unescape(" ".join(h.proto.body for h in next(e for e in at.expander if e.label.startswith("Warnings in full"))
                             .get("html")))
    assert said.count(caution) == 1 and "<b>Rows 1, 3, 4</b>: " + caution in said

def test_kaplan_meier_curves_of_a_handful_of_patients_are_not_drawn(tmp_path, monkeypatch):
    """A review: one patient with outcomes drew an observed curve falling from 100% to 0 at day 6, with no group."""
    from medapp.registry import data_root

    at = _heart_failure_page(tmp_path, monkeypatch)
    rows = (data_root() / "records/heart_failure/heart_failure.csv").read_text().splitlines()
    at.file_uploader(key="scohort_heart-failure").set_value([("one.csv", "\n".join(rows[:2]).encode(), "text/csv")]).run()
    assert not at.exception
    [said] = [c.value for c in at.caption if c.value.startswith("Not drawn: ")]
    assert said.endswith("(n=1). A Kaplan-Meier curve of fewer than 10 patients is too uncertain to read.")
    assert not any("Kaplan-Meier" in c.proto.spec for c in at.get("plotly_chart"))
    assert not any("these observed curves" in c.value for c in at.caption)  # none drawn: none referred to
    at.file_uploader(key="scohort_heart-failure").set_value([("all.csv", "\n".join(rows).encode(), "text/csv")]).run()
    assert not [c for c in at.caption if c.value.startswith("Not drawn: ")]
    [km] = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Kaplan-Meier" in c.proto.spec]
    # the three risk groups, each of dozens of patients, with bands, censor ticks and numbers at risk
    assert len([t for t in km["data"] if t.get("showlegend") is not False]) == 3
    assert len([t for t in km["data"] if t.get("mode") == "text"]) == 3
    assert any(c.value.startswith("Log-rank test across the 3 groups drawn: chi-square ") for c in at.caption)


def test_follow_up_in_months_is_queried_beside_the_observed_curves(tmp_path, monkeypatch):
    """An EHR review: heart-failure follow-up in months drew the curves over "9 days since baseline", unsaid."""
    import pandas as pd

    from medapp.registry import data_root

    at = _heart_failure_page(tmp_path, monkeypatch)
    frame = pd.read_csv(data_root() / "records/heart_failure/heart_failure.csv")
    months = frame.assign(time=(frame.time / 30.44).round(1)).to_csv(index=False).encode()
    at.file_uploader(key="scohort_heart-failure").set_value([("months.csv", months, "text/csv")]).run()
    assert not at.exception
    [said] = [w.value for w in at.warning if "Is time in months?" in w.value]
    assert said.startswith("The follow-up time reaches only 9.4, where the training patients were followed for up to "
                           "285 days")
    assert any(i.value.startswith("Outcome columns time, DEATH_EVENT") and i.value.endswith(said) for i in at.info)
    assert any("Kaplan-Meier" in c.proto.spec for c in at.get("plotly_chart"))


def test_a_cohort_without_outcome_columns_points_to_no_note(tmp_path, monkeypatch):
    """A review: the caption said "the note above says what is missing" over a file that had no outcome columns
    and no note."""
    import pandas as pd

    from medapp.registry import data_root

    at = _heart_failure_page(tmp_path, monkeypatch)
    frame = pd.read_csv(data_root() / "records/heart_failure/heart_failure.csv").head(30)
    data = frame.drop(columns=["time", "DEATH_EVENT"]).to_csv(index=False).encode()
    at.file_uploader(key="scohort_heart-failure").set_value([("no_outcomes.csv", data, "text/csv")]).run()
    assert not at.exception
    assert any(c.value == "Without outcome columns (`time` and the event) only the model's mean predicted curves "
                          "can be drawn per group." for c in at.caption)
    assert not any("note above" in c.value for c in at.caption)


def test_too_few_values_are_refused_and_what_the_rest_could_change_stands_under_the_headline(tmp_path, monkeypatch):
    """A tumour-board review: an age alone gave a full estimate, and the caveat of the values not measured came below
    the horizon table, out of sight under a headline that read as complete."""
    at = _estimate("Heart failure survival", "heart-failure")
    for name in ("ejection_fraction", "serum_creatinine", "serum_sodium", "creatinine_phosphokinase", "platelets"):
        form_field(at.number_input, f"surv_heart-failure_{name}").set_value(None)
    for name in ("anaemia", "diabetes", "high_blood_pressure", "smoking", "sex"):
        form_field(at.selectbox, f"surv_heart-failure_{name}").set_value("not measured")
    next(b for b in at.button if b.label == "Estimate survival").click().run()
    assert not at.exception and not at.metric
    assert any(e.value.startswith("Cannot estimate: Only 1 of the model's 11 values was given: it needs at least 6")
               for e in at.error)
    for name in ("ejection_fraction", "serum_creatinine", "serum_sodium"):
        form_field(at.number_input, f"surv_heart-failure_{name}").set_value({"ejection_fraction": 25,
                                                                              "serum_creatinine": 1.4,
                                                                              "serum_sodium": 134}[name])
    for name in ("sex", "smoking"):
        form_field(at.selectbox, f"surv_heart-failure_{name}").set_value("no" if name == "smoking" else "male")
    next(b for b in at.button if b.label == "Estimate survival").click().run()
    assert not at.exception and at.metric
    [left] = [list(c.children.values()) for c in at.columns if any(type(n).__name__ == "Metric" for n in c.children.values())]
    kinds = [(type(node).__name__, getattr(node, "value", "")) for node in left]
    warned = next(i for i, (kind, value) in enumerate(kinds)
                  if kind == "Warning" and str(value).startswith("This survival model fills a value not given"))
    table = next(i for i, (kind, _) in enumerate(kinds) if kind == "Table")
    assert warned < table, kinds  # beside the headline, before the horizon table
    counted = next(i for i, (kind, value) in enumerate(kinds)
                   if kind == "Warning" and str(value).startswith("5 of 11 values not measured"))
    assert counted < table, kinds  # and the count of them with it (it stood after the table: a re-check)
