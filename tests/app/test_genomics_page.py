"""AppTest: example profiles scored and explained, the unlike-every-class sample not classified, save to a case."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore
from medapp.registry import get_card
from medapp.reports import case_html, case_pdf
from medapp.ui.genomics import COHORT_TITLE_WIDTH, SAMPLE_TITLE_WIDTH

REPO = Path(__file__).resolve().parents[2]


def genomics_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/genomics.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "gina", "role": "clinician"}
    return at.run()


def charts(at: AppTest) -> list[str]:
    return [c.proto.spec for c in at.get("plotly_chart")]


def test_the_file_is_read_and_scored_once_while_the_page_reruns(monkeypatch):
    # picking another sample reran the page, which read and scored the whole file again (a review)
    import medapp.ui.genomics as panel

    calls = []
    score = panel.analyse_batch
    monkeypatch.setattr(panel, "analyse_batch", lambda *a, **k: calls.append(1) or score(*a, **k))
    at = genomics_page()
    at.button(key="genomics_example").click().run()
    assert len(calls) == 1 and at.metric[0].value == "BL"
    at.selectbox(key="genomics_sample").set_value("class average NB").run()
    assert not at.exception and len(calls) == 1
    assert at.metric[0].value == "NB" and len(at.dataframe[0].value) == 5
    assert float(list(at.table[0].value["probability"])[2].strip("<>%")) > 50  # NB


def test_examples_are_classified_explained_and_the_shuffled_profile_is_not_classified():
    at = genomics_page()
    at.button(key="genomics_example").click().run()
    assert not at.exception
    table = at.dataframe[0].value  # the results table comes first
    assert list(table["sample"]) == ["class average BL", "class average EWS", "class average NB",
                                     "class average RMS", "simulated: genes shuffled"]
    assert list(table["class"]) == ["BL", "EWS", "NB", "RMS", "not classified"]  # the reason in its warning and help
    assert "unlike every training class" in json.loads(at.dataframe[0].proto.columns)["class"]["help"]
    assert json.loads(at.dataframe[0].proto.columns)["class"]["width"] == "medium"  # "not clas" at 1024 px (a review)
    # percentage points with one decimal and distances with two, in every row (it mixed "99.2%" and "99.24%"); none
    # beside the profile not classified (a full bar stood there)
    assert table["probability"][:4].between(0, 100).all() and table["probability"].max() > 50
    assert np.isnan(table["probability"][4])
    # and no diagnosis under "most likely class" beside it: the nearest class, said as such (a clinicians' review)
    assert table["most likely class"][0] == "BL (Burkitt lymphoma)"
    assert table["most likely class"][4].startswith("none (nearest: ")
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["probability"]["type_config"]["format"] == "%.1f%%"
    assert config["distance score"]["type_config"]["format"] == "%.2f"
    assert at.metric[0].value == "BL"
    # the calibration and the accuracy as far as they go: the temperature sat at its bound and 63 of 63 has an
    # interval ("Temperature 1 fitted on cross-validated logits; nested CV accuracy 1.00" before a review)
    assert any("so the probabilities are the classifier's own. Nested cross-validation: 63 of 63 training profiles "
               "right (accuracy 1.00, 95% CI 0.94-1.00). The check for a profile unlike every class also flags 6% of "
               "genuine training profiles" in c.value for c in at.caption)
    # the sample's classes in percent, as the headline rounds them (">99.9%", never "100.0%"), in a static table
    # whose cells wrap (a data grid hid the column at 1024 px)
    probabilities = at.table[0].value
    shown = list(probabilities["probability"])
    assert len(shown) == 4 and all(re.fullmatch(r"[<>]?\d{1,2}\.\d%", v) for v in shown), shown
    assert float(shown[0].strip("<>%")) > 50 and "100.0%" not in shown and "0.0%" not in shown  # BL
    assert any("Top genes:" in s and "toward 'BL (Burkitt lymphoma)'" in s for s in charts(at))  # as in the headline
    assert any("Cohort: how each gene moved" in s for s in charts(at))
    assert any("Samples (grouped by predicted class)" in s for s in charts(at))
    # every title on lines that fit its figure at 1024 px (two thirds of the page for one sample, all of it for the
    # cohort): titles ran past the figures' edges (a layout review)
    titles = {json.loads(s)["layout"]["title"]["text"].split("<br>")[0]: json.loads(s)["layout"]["title"]["text"]
              for s in charts(at)}
    widths = {"Top genes:": SAMPLE_TITLE_WIDTH, "Cohort:": COHORT_TITLE_WIDTH, "Samples (": COHORT_TITLE_WIDTH}
    for start, width in widths.items():
        [title] = [t for first, t in titles.items() if first.startswith(start)]
        assert all(len(line) <= width for line in title.split("<br>")), title
    # another class chosen is named as the card names it, as the predicted one is (it read "toward 'RMS'")
    [target] = [b for b in at.selectbox if b.key.startswith("target_")]
    target.set_value("RMS").run()
    assert any("toward 'RMS (rhabdomyosarcoma)'" in s for s in charts(at))
    at.selectbox(key="genomics_cohort_target").set_value("NB").run()
    assert any("Cohort: how each gene moved" in s and "NB (neuroblastoma)" in s for s in charts(at))
    at.selectbox(key="genomics_sample").set_value("simulated: genes shuffled").run()
    assert [h.value for h in at.subheader if h.value == "Not classified"] and not at.metric  # wraps, never cut
    [nearest] = [e for e in at.expander if e.label == "Class probabilities (nearest class, not a finding)"]
    assert len(nearest.table) == 1  # out of sight: a nearest class's probability is not a finding
    assert any("Unlike every training class" in e.value for e in at.error)
    assert any(w.value.startswith("This profile is unlike every training class") for w in at.warning)


def test_the_upload_box_states_the_expression_file_limit():
    assert genomics_page().file_uploader(key="genomics_upload").proto.max_upload_size_mb == 50  # not the server's 200


def test_raw_counts_upload_is_refused_with_a_message():
    at = genomics_page()
    names = get_card("srbct-tumour").input["genes"]
    counts = np.random.default_rng(0).poisson(500, size=(2, len(names)))
    data = ("sample," + ",".join(names) + "\n" + "\n".join(
        f"S{i}," + ",".join(map(str, row)) for i, row in enumerate(counts))).encode()
    at.file_uploader(key="genomics_upload").set_value(("counts.csv", data, "text/csv")).run()
    assert not at.exception
    assert "look like raw counts" in at.error[0].value
    # the examples cannot be loaded over a file: the button said nothing and did nothing (a review)
    examples = at.button(key="genomics_example")
    assert examples.disabled and "Remove the uploaded file" in examples.help
    assert not genomics_page().button(key="genomics_example").disabled


def test_save_to_case_keeps_the_explanation_and_not_the_sample_name(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = genomics_page()
    at.button(key="genomics_example").click().run()
    at.selectbox(key="genomics_sample").set_value("class average NB").run()
    key = "gx_2"
    at.text_input(key=f"case_ref_{key}").set_value("MTB-7")
    at.button(key=f"case_save_{key}").click().run()
    assert not at.exception
    assert "in case MTB-7" in at.success[0].value
    store = CaseStore()
    [case] = store.list_cases()
    [analysis] = store.case_detail(case["id"], {"username": "gina", "role": "clinician"}, log_view=False)["analyses"]
    assert analysis["model_id"] == "srbct-tumour" and analysis["label"] == "NB"
    expl = analysis["explanation"]
    # the position in the file, not its name (names are often identifiers); it said only "sample"
    n = len(at.selectbox(key="genomics_sample").options)
    assert expl.kind == "genomics" and expl.target == "NB" and expl.data["sample"] == f"sample 3 of {n}"
    assert analysis["prediction"].part == f"sample 3 of {n}" and "sample" not in analysis["prediction"].details
    assert "class average" not in str(analysis["prediction"].details)
    assert get_card("srbct-tumour").display("NB") == "NB (neuroblastoma)"  # as the page names it; Cases said "NB"
    # the report draws the stored explanation: its top gene and output space are in the HTML and the PDF
    detail = store.case_detail(case["id"], {"username": "gina", "role": "clinician"}, log_view=False)
    top_gene = expl.top_contributions(1)[0][0].split(" = ")[0]
    html = case_html(detail, by="gina")
    assert "centred logit" in html and top_gene in html and "data:image/png;base64," in html
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(case_pdf(detail, by="gina"))).pages)
    assert top_gene in pdf_text


def test_scoring_a_cohort_is_audited_once(tmp_path, monkeypatch):
    """Scoring a file of profiles (or a cohort of patients) wrote no audit row (a security review)."""
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = genomics_page()
    at.button(key="genomics_example").click().run()
    at.run()  # a rerun of the same file is not a new analysis
    assert not at.exception
    runs = [e for e in CaseStore().audit_events(action="analysis.run") if str(e["detail"].get("input", "")).startswith(
        "cohort:")]
    assert len(runs) == 1 and runs[0]["username"] == "gina" and runs[0]["detail"]["patients"] >= 5
    assert runs[0]["target"] == "model:srbct-tumour"


def test_the_results_csv_gives_a_profile_not_classified_no_class_probability_or_most_likely_class():
    """The page showed no bar beside "not classified", but the CSV still gave its nearest class's 0.992 in the
    probability column (a review): the table both come from blanks it; each class's stays in p(...)."""
    from medapp.analysis import analyse_batch
    from medapp.registry import load_model
    from medapp.ui.genomics import UNLIKE, example_csv, results_table

    model = load_model("srbct-tumour")
    profiles = model.read_file(example_csv(model), "examples.csv").profiles
    preds = analyse_batch(model, [(p.sample, p) for p in profiles]).predictions
    table = results_table(model, profiles, preds)
    unlike = table[table["class"] == UNLIKE]
    assert list(unlike["sample"]) == ["simulated: genes shuffled"]
    assert unlike["probability"].isna().all() and unlike["most likely class"].iloc[0].startswith("none (nearest: ")
    assert unlike[[f"p({c})" for c in model.card.labels]].sum(axis=1).iloc[0] == pytest.approx(1)
    assert table[table["class"] != UNLIKE]["probability"].between(0.5, 1).all()
