"""Streamlit AppTest for the home, records and models pages."""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

from apptest_helpers import form_field
from streamlit.testing.v1 import AppTest

from medapp.analysis import analyse_batch
from medapp.registry import load_model

REPO = Path(__file__).resolve().parents[2]

CLINICIAN = {"username": "tester", "role": "clinician"}


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(REPO / path), default_timeout=120)
    at.session_state["medapp_user"] = CLINICIAN
    return at.run()


def test_home_lists_the_models_and_the_demo_notice():
    at = page("pages/home.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for name in ("Heart disease (UCI Cleveland)", "Chronic kidney disease (UCI)", "Diabetes onset (Pima)", "Start here"):
        assert name in text
    assert any("not a medical device" in c.value for c in at.caption) and not at.warning  # the one style
    assert "*Gene expression*" in text and "survival over time" in text  # every analysis page is named
    # each model's headline figure in its own measure (only AUROC was shown: survival and speech had none)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Validation C-index (Harrell) 0.") for c in captions)
    # heart failure's headline family was chosen on its own folds: the nested estimate stands beside it (a
    # statistician's review: 0.727 was on Home, the honest 0.717 only in the card's protocol text)
    assert "Validation C-index (Harrell) 0.727 (0.717 nested)" in captions
    assert any(c.startswith("Word error rate, clinical, clean ") and c.endswith("%") for c in captions)
    assert any(c.startswith("Validation accuracy 1.000") for c in captions)  # srbct-tumour
    # a near-perfect headline says so beside it (kidney 1.000 stood bare; the caveat was only on its card: a
    # clinicians' review); one per model at 0.99 or more, none below
    caveats = [c for c in captions if "Near-perfect on its own validation data" in c]
    assert any("(63 cases)" in c for c in caveats) and any("(320 cases)" in c for c in caveats)
    assert not any("(242 cases)" in c for c in caveats)  # heart disease, 0.902


def _records_page(model_name: str) -> AppTest:
    at = page("pages/records.py")
    at.selectbox(key="records_model").set_value(model_name).run()
    return at


def test_records_form_to_prediction_with_waterfall():
    at = _records_page("Heart disease (UCI Cleveland)")
    form_field(at.number_input, "rec_heart-disease_age").set_value(63)
    form_field(at.selectbox, "rec_heart-disease_sex").set_value("male")
    form_field(at.selectbox, "rec_heart-disease_cp").set_value("asymptomatic")
    form_field(at.number_input, "rec_heart-disease_thalach").set_value(108)
    form_field(at.selectbox, "rec_heart-disease_exang").set_value("yes")
    form_field(at.number_input, "rec_heart-disease_ca").set_value(3)
    at.button[2].click().run()  # "Estimate risk" (after "Load example patient", "Clear form")
    assert not at.exception
    metric = at.metric[0]
    assert metric.label == "Probability of angiographic coronary artery disease"
    assert 0.8 < float(metric.value.rstrip("%")) / 100 <= 1.0
    assert any("high" in m.value for m in at.markdown)
    assert any("Bands: low < 20%, intermediate 20-50%, high ≥ 50%. Called present at 50% or more." in c.value
               for c in at.caption)
    assert any("7 of 13 values not measured" in w.value for w in at.warning)
    charts = at.get("plotly_chart")
    assert charts and "Why this estimate" in charts[0].proto.spec


def test_records_what_if_updates_the_estimate():
    at = _records_page("Diabetes onset (Pima)")
    at.button[0].click().run()  # load example patient
    at.button[2].click().run()  # estimate
    before = at.metric[0].value
    at.selectbox(key="wi_field_one_diabetes").set_value("Plasma glucose, 2 h OGTT").run()
    unchanged = at.metric[1]  # the what-if box opens on the patient's own value
    assert unchanged.value == before and unchanged.delta == "no change"
    assert unchanged.proto.color == unchanged.proto.GRAY and unchanged.proto.direction == unchanged.proto.NONE
    at.number_input(key="wi_val_one_diabetes_glucose").set_value(190).run()
    assert not at.exception
    after = at.metric[1]
    assert after.label == "Estimate with the change"
    assert float(after.value.rstrip("%")) > float(before.rstrip("%"))
    assert after.delta.startswith("+")


def test_what_if_follows_a_new_estimate_of_the_form():
    """A review: after the form estimated age 70 instead of 55, What if? still held 55 and called it a change of
    +1.5 points that nobody made."""
    at = _records_page("Heart disease (UCI Cleveland)")
    at.button(key="ex_heart-disease").click().run()
    next(b for b in at.button if b.label == "Estimate risk").click().run()
    # a unit the label already says is not said again ("... by fluoroscopy (vessels)": a review)
    assert form_field(at.number_input, "rec_heart-disease_ca").label == "Major vessels coloured by fluoroscopy"
    assert form_field(at.number_input, "rec_heart-disease_age").label == "Age (years)"
    at.selectbox(key="wi_field_one_heart-disease").set_value("Age").run()
    assert at.number_input(key="wi_val_one_heart-disease_age").value == 55
    at.number_input(key="wi_val_one_heart-disease_age").set_value(62).run()  # the user's own what-if
    assert at.metric[1].delta != "no change"
    form_field(at.number_input, "rec_heart-disease_age").set_value(70)
    next(b for b in at.button if b.label == "Estimate risk").click().run()
    assert not at.exception
    assert at.number_input(key="wi_val_one_heart-disease_age").value == 70  # the estimated patient's value
    assert at.metric[1].value == at.metric[0].value and at.metric[1].delta == "no change"


def test_what_if_on_a_category_opens_on_the_patients_own_choice():
    # choosing a yes/no or category value crashed the page ("must be real number, not str"): the form sends labels
    at = _records_page("Heart disease (UCI Cleveland)")
    at.button(key="ex_heart-disease").click().run()
    next(b for b in at.button if b.label == "Estimate risk").click().run()
    own = form_field(at.selectbox, "rec_heart-disease_thal").value  # the example's thallium result, a label
    at.selectbox(key="wi_field_one_heart-disease").set_value("Thallium stress test").run()
    assert not at.exception
    choice = at.selectbox(key="wi_val_one_heart-disease_thal")
    assert own != "not measured" and choice.value == own
    assert at.metric[1].delta == "no change"
    other = next(o for o in choice.options if o not in (choice.value, "not measured"))
    choice.set_value(other).run()
    assert not at.exception and at.metric[1].label == "Estimate with the change"


def test_records_invalid_cohort_row_is_reported_and_the_rest_scored():
    at = _records_page("Heart disease (UCI Cleveland)")
    csv = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
           "P1,63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
           "P2,41,0,2,130,204,0,2,172,0,1.4,1,0,3\n"
           "P3,57,1,4,999,354,0,0,163,1,0.6,1,0,3\n"
           "P4,41,0,2,130,204,0,2,172,0,1.4,1,,\n")
    at.file_uploader(key="cohort_heart-disease").set_value(("cohort.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    # a warning, the other rows being scored below (it was a red error box: a review)
    assert "1 of 4 rows could not be scored; the other 3 were." in at.warning[0].value and not at.error
    # each problem and each warning whole, in a list (a table cell cut them at its width: 1366 px showed a few words)
    shown = [h.proto.body for h in at.get("html")]
    assert any("<li><b>Row 3</b>: Resting blood pressure: 999 is outside the valid range 60-250 mmHg</li>" in h
               for h in shown)
    warned = next(e for e in at.expander if e.label.startswith("Warnings in full"))
    assert warned.label == "Warnings in full (1 of 3 rows)"
    model = load_model("heart-disease")
    row4 = model.predict(model.cohort_inputs(model.validate_cohort(csv.encode(), "cohort.csv"), "cohort.csv")[-1][1]).warnings
    assert row4 and all(f"<b>Row 4</b>: {escape(w)}" in " ".join(h.proto.body for h in warned.get("html")) for w in row4)
    results = at.dataframe[0].value
    assert list(results["id"]) == sorted(["P1", "P2", "P4"], key=lambda i: -results.set_index("id").loc[i, "probability"])
    assert results["probability"].is_monotonic_decreasing
    assert "Scored 3 patients" in at.success[0].value
    # the page's table is the shared batch path's result, row for row
    batch = analyse_batch(model, model.cohort_inputs(model.validate_cohort(csv.encode(), "cohort.csv"), "cohort.csv"))
    expected = {int(r.name.rsplit("#row", 1)[1]): r.prediction for r in batch.analysed}
    for _, shown in results.iterrows():
        pred = expected[shown["row"]]
        # the column holds percentage points, shown with one place in every row
        assert abs(shown["probability"] / 100 - pred.probability_of("present")) < 1e-12
        assert (shown["risk band"], shown["label"]) == (pred.risk_band, pred.label)
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    titles = [json.loads(spec)["layout"].get("title", {}).get("text", "").replace("<br>", " ") for spec in charts]
    assert any(t.startswith("Cohort summary") and "toward 'present'" in t for t in titles)


def test_a_scored_cohort_is_not_read_or_scored_again_when_the_page_reruns(monkeypatch):
    # every rerun (a patient picked, a form value changed) read, validated and scored the whole file again: 3.9 s for
    # 10,000 rows, with its progress bar, a review
    import medapp.ui.case_records as panel

    model = load_model("heart-disease")
    calls = {"validate": 0, "score": 0}
    validate, score = model.validate_cohort, panel.analyse_batch

    def counted_validate(*a, **k):
        calls["validate"] += 1
        return validate(*a, **k)

    def counted_score(*a, **k):
        calls["score"] += 1
        return score(*a, **k)

    monkeypatch.setattr(model, "validate_cohort", counted_validate)
    monkeypatch.setattr(panel, "analyse_batch", counted_score)
    at = _records_page("Heart disease (UCI Cleveland)")
    csv = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
           "P1,63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
           "P2,41,0,2,999,204,0,2,172,0,1.4,1,0,3\n"
           "P3,57,1,4,140,354,0,0,163,1,0.6,1,0,3\n")
    at.file_uploader(key="cohort_heart-disease").set_value(("c.csv", csv.encode(), "text/csv")).run()
    assert calls == {"validate": 1, "score": 1}
    first = at.dataframe[0].value
    at.selectbox(key="one_of_cohort_heart-disease_pick").set_value("c.csv#row3").run()
    at.run()
    assert not at.exception and calls == {"validate": 1, "score": 1}
    # the same table and the same messages, drawn from what the session kept
    assert at.dataframe[0].value.equals(first)
    assert "1 of 3 rows could not be scored; the other 2 were." in at.warning[0].value
    assert "Scored 2 patients" in at.success[0].value
    # another file is read and scored
    at.file_uploader(key="cohort_heart-disease").set_value(("d.csv", csv.replace("999", "130").encode(),
                                                            "text/csv")).run()
    assert calls == {"validate": 2, "score": 2} and "Scored 3 patients" in at.success[0].value
    # the file removed from the box: the session lets its scored copy go
    assert "cohort_scored" in at.session_state
    at.file_uploader(key="cohort_heart-disease").set_value(None).run()
    assert not at.exception and "cohort_scored" not in at.session_state


def test_records_unreadable_cohort_file_gives_a_message_not_a_traceback():
    at = _records_page("Diabetes onset (Pima)")
    at.file_uploader(key="cohort_diabetes").set_value(("scan.csv", b"\x00\x01\x02binary", "text/csv")).run()
    assert not at.exception
    assert "scan.csv looks like a binary file of no known type, not a table of patients" in at.error[0].value


def test_models_page_shows_every_card_with_plots():
    at = page("pages/models.py")
    assert not at.exception
    assert any("not a medical device" in c.value for c in at.caption) and not at.info  # as on every page
    text = " ".join(m.value for m in at.markdown)
    assert "Intended use." in text and "Limitations." in text
    assert "External site." in text and "Switzerland" in text
    assert "Alternatives measured** (same 5 stratified folds" in text and "- TF-IDF word and bigram" in text
    # metric and candidate names in words, never the card's keys
    assert "- ridge Cox (alpha 1): C-index" in text and "cox_ridge_alpha1" not in text
    assert "This model, out-of-fold AUROC for DEATH_EVENT: 0.785" in text
    tables = [df.value for df in at.dataframe]
    columns = {c for t in tables for c in t.columns}
    assert {"C-index (Harrell)", "time-dependent AUROC at 180 days", "time-dependent AUROC at 5 years"} <= columns
    assert "C-index, nested CV (the choice of model family cross-validated too)" in columns
    assert not {c for c in columns if "_" in c}
    # each figure with its 95% interval where the card's predictions give one (an auditor found none)
    intervals = [t for t in tables if "95% interval" in t.index]
    assert len(intervals) == 9 and any(t.loc["95% interval"].get("AUROC") == "0.858-0.940" for t in intervals)
    assert any(c.value.startswith("95% intervals from the validation predictions stored in the card") for c in at.caption)
    # figures by sex and age band for every records and survival model; the others say why there are none
    by_group = [t for t in tables if "All patients" in t.index]
    assert len(by_group) == 5 and sum("Sex: female" in t.index for t in by_group) == 2
    assert any(t.loc["Age: 70 and over"].get("Death by 180 days, predicted / observed") == "48% / 54%"
               for t in by_group if "Age: 70 and over" in t.index)
    assert any(t.loc["Age: 50 and over"].get("AUROC expected") == "0.75" for t in by_group
               if "Age: 50 and over" in t.index)  # diabetes: 0.72 beside what its own predictions would give
    assert any("Age under 50: 54% predicted on average against 44% observed by 5 years (268 patients): about 10 points "
               "too high (95% interval 3 to 17), where the other patients' estimates were 3 points too low: the model "
               "overstates their risk." in c.value for c in at.caption)
    assert any(t.loc["Age: under 50"].get("Gap vs other patients (95% interval), Holm p") == "+13 points (+4 to +22), "
               "p 0.02" for t in by_group if "Age: under 50" in t.index)
    assert text.count("**By subgroup.** Not given by sex or age") == 6  # 2 imaging, 1 audio, 2 notes, 1 genomics
    raw = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]
    # on lines that fit half a card at 1024 px ("Calibration: confidence of the top lal" was cut: a review)
    assert all(len(line) <= 44 for t in raw for line in t.split("<br>")), raw
    specs = [t.replace("<br>", " ") for t in raw]
    assert sum("ROC (validation: patients with known status; plain AUROC)" in s for s in specs) == 2  # survival
    assert sum("ROC (validation predictions)" in s for s in specs) >= 3
    assert sum("Calibration" in s for s in specs) >= 3


def test_one_patient_of_a_cohort_is_saved_to_a_case(tmp_path, monkeypatch):
    # a scored cohort could not be saved at all: only a patient typed into the form could
    import json

    from medapp.cases.store import CaseStore

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = _records_page("Heart disease (UCI Cleveland)")
    csv = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
           "MRN-1,63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
           "MRN-2,41,0,2,130,,0,2,172,0,1.4,1,0,3\n")
    at.file_uploader(key="cohort_heart-disease").set_value(("cohort.csv", csv.encode(), "text/csv")).run()
    pick = at.selectbox(key="one_of_cohort_heart-disease_pick")
    assert pick.options == ["row 1", "row 2"]  # rows of the table, never the id column
    pick.set_value("cohort.csv#row2").run()
    key = "one_of_cohort_heart-disease_row2"
    at.radio(key=f"case_mode_{key}").set_value("New case").run()
    at.text_input(key=f"case_ref_{key}").set_value("COH-1")
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception
    assert any("in case COH-1" in s.value for s in at.success)
    store = CaseStore()
    [case] = store.list_cases()
    [saved] = store.case_detail(case["id"], CLINICIAN, log_view=False)["analyses"]
    model = load_model("heart-disease")
    batch = analyse_batch(model, model.cohort_inputs(model.validate_cohort(csv.encode(), "cohort.csv"), "cohort.csv"))
    row2 = next(r for r in batch.analysed if r.name.endswith("#row2"))
    assert saved["prediction"].probability_of("present") == row2.prediction.probability_of("present")
    assert saved["explanation"] is not None and saved["input_name"] != "cohort.csv"
    values = json.loads(store.input_bytes(saved["input_sha256"]))
    assert values["age"] == 41 and values["chol"] is None  # not measured stays so
    assert "MRN-2" not in json.dumps(values)


def test_a_cohort_with_its_label_column_gets_a_note_and_rows_only_their_own_warnings():
    """A browser re-check: the Pima file's own `outcome` column was "not input of this model" in yellow, and that
    file-level line was repeated in every row's warnings, so rows with nothing to say looked flagged."""
    from medapp.registry import data_root

    at = _records_page("Diabetes onset (Pima)")
    path = next((data_root() / "records").rglob("*pima*.csv"))
    rows = path.read_text().splitlines()[:6]
    at.file_uploader(key="cohort_diabetes").set_value(("pima5.csv", "\n".join(rows).encode(), "text/csv")).run()
    assert not at.exception
    assert any(i.value.startswith("Column outcome is what the model predicts") for i in at.info)
    assert not any("so not used" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert not any("what the model predicts" in w for w in table["warnings"])


def test_a_page_without_an_installed_model_says_so(monkeypatch):
    # Case records failed with a KeyError when no records or survival model was installed; two pages named a model id
    # to train, the others none (a code review)
    import medapp.ui.model_choice as choice

    monkeypatch.setattr(choice, "list_cards", lambda: [])
    for path, what in (("pages/records.py", "records"), ("pages/audio.py", "heart-sound"),
                       ("pages/genomics.py", "gene-expression"), ("pages/notes.py", "note")):
        at = page(path)
        assert not at.exception, path
        assert [i.value for i in at.info] == [f"No {what} model is installed on this server. `python -m medapp train "
                                              "--help` lists the models this release can train."], path
        assert not at.selectbox, path


def test_records_cohort_of_no_scorable_row_says_so_plainly_and_takes_tsv():
    """It read "None of the 2 rows could not be scored" (a data engineer's review), and the uploader refused .tsv,
    which the CLI and API read and its own refusal message asks for."""
    at = _records_page("Heart disease (UCI Cleveland)")
    uploader = at.file_uploader(key="cohort_heart-disease")
    assert ".tsv" in list(uploader.proto.type)
    tsv = ("age\tsex\tcp\ttrestbps\tchol\tthalach\toldpeak\n"
           "63\t1\t4\t999\t233\t150\t2.3\n"
           "41\t0\t2\t130\t204\t999\t1.4\n")
    uploader.set_value(("cohort.tsv", tsv.encode(), "text/tab-separated-values")).run()
    assert not at.exception
    assert at.error[0].value == "None of the 2 rows could be scored."
