"""Case reports: the PDF's text (read back with pypdf) and the self-contained, escaped HTML."""
from __future__ import annotations

import dataclasses
import io
import json
import re

import numpy as np
import pytest
from pypdf import PdfReader

import medapp
from medapp.analysis import analyse
from medapp.build import code_digest
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.modalities.notes.model import NoteInput
from medapp.registry import data_root, get_card, load_model
from medapp.reports import case_html, case_pdf
from medapp.types import InputFit, score_and_threshold
from tests.stored_inputs import heart_sound_case

CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}


@pytest.fixture
def case_detail(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    model = load_model("diabetes")
    x = model.example_input()
    result = analyse(model, x)
    case_id = store.create_case("GP-2231", CLIN, "routine check <b>bold?</b>")
    aid = store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction,
                             explanation=result.explanation, input_bytes=b"{}", input_name="patient.json")
    store.set_verdict(aid, REV, "disagree", "type 2 diabetes (HbA1c 7.1%)", "glucose alone misleads here")
    return store.case_detail(case_id, REV)


def test_pdf_holds_case_model_verdict_intended_use_and_disclaimer(case_detail):
    pdf = case_pdf(case_detail, by="rui")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Case GP-2231" in text
    assert f"diabetes v{get_card('diabetes').version}" in text
    assert re.search(r"Reviewer rui \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\): disagree\. Final diagnosis: type 2 diabetes "
                     r"\(HbA1c 7\.1%\)", text)  # with when it was recorded (a review meeting's test)
    assert case_detail["disagreement"] and "status: open · disagreement flagged · created by" in text
    html = case_html(case_detail, by="rui")
    assert "disagreement flagged" in html and re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC</td></tr>", html)
    pred = case_detail["analyses"][0]["prediction"]  # headed as on its page: probability and band, then the label
    assert f"Model output: Probability of diabetes {pred.probability_of('positive'):.0%}, risk band {pred.risk_band}; " \
           "model label negative" in text
    assert "Intended use of this model: Demonstration of an explainable risk estimate" in text
    assert "not a medical device" in text
    assert len(reader.pages[0].images) >= 1  # the explanation figure is embedded
    expl = case_detail["analyses"][0]["explanation"]
    top_name, top_value = expl.top_contributions(1)[0]
    assert f"Largest contributions (+ toward '{expl.target}', - away from it)" in text
    assert f"{top_name}: {top_value:+.3g}" in text  # the named contributions, as on the case page


def test_the_reports_give_the_threshold_the_page_gave(case_detail):
    threshold = case_detail["analyses"][0]["prediction"].threshold
    line = f"Called positive at a probability of {threshold:.0%} or more."
    reader = PdfReader(io.BytesIO(case_pdf(case_detail, by="rui")))
    assert line in re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert f"<p class='meta'>{line}</p>" in case_html(case_detail, by="rui")


def test_a_score_near_its_threshold_shows_which_side_it_is_on():
    """Seen on the Imaging page: "Out-of-distribution score 14.12 (flagged above 14.1)" for an image that was not
    flagged (threshold 14.116); Cases showed "14.1 (flagged above 14.1)"."""
    assert score_and_threshold(14.1204, 14.116) == ("14.120", "14.116")
    assert score_and_threshold(14.1154, 14.116) == ("14.115", "14.116")
    assert score_and_threshold(9.94, 13.795) == ("9.9", "13.8") and score_and_threshold(20.13, 14.116) == ("20.1", "14.1")
    assert InputFit(score=14.1204, threshold=14.116).score_text() == "14.120 (flagged above 14.116)"


def test_an_image_analysis_gives_its_threshold_and_fit_score_once_and_no_threshold_when_not_assessed():
    from medapp.reports.content import decision_text

    model = load_model("chest-xray-pneumonia")
    pred = model.predict(model.example_input())
    a = {"prediction": pred, "model_id": model.card.id, "modality": "imaging"}
    assert pred.fits and not pred.warnings
    score, threshold = score_and_threshold(pred.fit.score, pred.fit.threshold)
    assert decision_text(a) == (f"Called pneumonia at a probability of {pred.threshold:.0%} or more. "
                                f"Out-of-distribution score {score} (flagged above {threshold}).")
    # a caution that already gives the score (an image unlike the training images) is not repeated
    unlike = dataclasses.replace(pred, warnings=("Unusual image (out-of-distribution score 20.1).",))
    assert decision_text({**a, "prediction": unlike}).startswith("Called pneumonia") and "score" not in \
        decision_text({**a, "prediction": unlike})
    breast = load_model("breast-ultrasound")
    three = breast.predict(breast.example_input())  # three labels: the page says what the others do
    assert decision_text({"prediction": three, "model_id": "breast-ultrasound", "modality": "imaging"}).startswith(
        f"Called malignant at a probability of {three.threshold:.0%} or more; otherwise the more probable of the "
        "other labels.")
    not_fitting = dataclasses.replace(pred, fit=dataclasses.replace(pred.fit, fits=False))
    assert not decision_text({**a, "prediction": not_fitting}).startswith("Called")


def test_html_is_self_contained_and_escapes_user_text(case_detail):
    html = case_html(case_detail, by="rui")
    assert "routine check &lt;b&gt;bold?&lt;/b&gt;" in html and "<b>bold?</b>" not in html
    assert "data:image/png;base64," in html
    assert not re.search(r"(src|href)=['\"]https?://", html)  # nothing fetched from elsewhere
    assert "glucose alone misleads here" in html and "not a medical device" in html


def test_an_input_the_model_does_not_fit_is_reported_as_not_assessed_without_a_label(tmp_path):
    """A lung recording saved from the heart-sound page keeps the model's label in its prediction (the case row
    says "not assessed" since 2026-12-05); the reports must say only that it was not assessed, and why (they
    printed the label first)."""
    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    model = load_model("diabetes")
    result = analyse(model, model.example_input())
    why = "This input is unlike the patients the model was trained on."
    unfit = dataclasses.replace(result.prediction, fit=InputFit(fits=False, message=why), warnings=(why,))
    case_id = store.create_case("GP-2232", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=unfit, explanation=result.explanation,
                       input_bytes=b"{}", input_name="patient.json")
    detail = store.case_detail(case_id, REV)
    assert detail["analyses"][0]["label"] == "not assessed"
    label = detail["analyses"][0]["prediction"].label  # the model's own, for reference only
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(case_pdf(detail, by="rui"))).pages))
    html = case_html(detail, by="rui")
    for text in (pdf_text, html):
        line = re.search(r"Model output:(?:</b>)? ([^<]*?)(?:</p>|\. |$)", text).group(1)
        assert line.startswith("not assessed: This input is unlike"), line
        assert label not in line
        assert text.count("This input is unlike") == 1  # said once, not again as a warning
        assert "Not assessed; for reference only, the largest contributions (+ toward" in text


@pytest.mark.slow  # explains a 400-word note (10 s): in `make test`, not the fast lane
def test_a_long_analysis_starts_under_the_case_header_not_after_a_blank_page(tmp_path):
    # a long note's analysis did not fit in what page 1 had left, so it moved whole to page 2 and left
    # page 1 blank; it now starts on page 1, its output and verdict together there
    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    model = load_model("abstract-condition")
    text = " ".join(["Echo shows dilated left ventricle with ejection fraction 30%.",
                     "Started on ramipril and bisoprolol for heart failure with reduced ejection fraction.",
                     "62 year old man with 3 months of progressive exertional dyspnoea and ankle swelling."] * 12)
    result = analyse(model, NoteInput.from_text(text, "note.txt"))
    case_id = store.create_case("LONG-1", CLIN)
    aid = store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction,
                             explanation=result.explanation, input_bytes=text.encode(), input_name="note.txt")
    store.set_verdict(aid, REV, "agree", "heart failure", "")
    reader = PdfReader(io.BytesIO(case_pdf(store.case_detail(case_id, REV), by="rui")))
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert f"Analysis 1 of 1 · {model.card.name} · abstract-condition v" in first and re.search(r"Reviewer rui \([^)]*UTC\): agree", first)
    assert f"Record #{aid}. Input:" in first
    assert len(reader.pages) >= 2  # it is longer than what page 1 had left


def test_a_records_headline_is_never_rounded_across_its_band_boundary():
    from medapp.reports.content import risk_headline

    model = load_model("heart-disease")
    pred = dataclasses.replace(model.predict(model.example_input()), probabilities=np.array([0.8029, 0.1971]),
                               risk_band=model.risk_band(0.1971))
    assert risk_headline("heart-disease", pred) == ("Probability of angiographic coronary artery disease", "19.7%", "low",
                                                 "Risk band")


def test_a_survival_analysis_is_reported_by_its_risk_not_a_yes_no_label():
    from medapp.reports.content import output_text

    model = load_model("heart-failure")
    pred = analyse(model, model.example_input()).prediction
    line = output_text({"model_id": "heart-failure", "label": pred.label, "prediction": pred})
    assert line.startswith("Probability of death by 180 days ") and "(95% band " in line
    assert ", risk group " in line and "third of the training patients; model label " in line
    # the page's words ("highest third"), not "high third"; and the same in the report's survival paragraph
    assert re.search(r", risk group (lowest|middle|highest) third of the training patients;", line), line
    # the label once (it read "alive at 180 days (alive at 180 days 79.8%, ..."), and not its two outcomes again at
    # one decimal beside the headline's whole percent (a review: "42%" beside "41.5%")
    label = pred.label
    assert line.endswith(f"model label {label}") and line.count(label) == 1 and "probabilities" not in line
    from medapp.reports.content import survival_text

    assert re.search(r"risk group: (lowest|middle|highest) third of the training patients\)\.$",
                     survival_text({"prediction": pred}))
    # a band near certainty reads as the headline does: "85% to 99.8%", not "85%-100%" (a review of a PDF); "to", as
    # "86%->99.9%" read as an arrow (a review)
    curve = dataclasses.replace(pred.survival, at_horizons=np.array([0.2, 0.09, 0.09]),
                                at_horizons_lower=np.array([0.1, 0.002, 0.002]),
                                at_horizons_upper=np.array([0.3, 0.15, 0.15]))
    text = survival_text({"prediction": dataclasses.replace(pred, survival=curve)})
    assert "91% (95% band 85% to 99.8%)" in text and "100%" not in text


def test_each_figure_is_on_the_page_of_its_own_analysis(tmp_path):
    # A survival analysis (curve and waterfall) then three radiographs: with more than half a page left, an
    # analysis started there and its heatmap, too tall for the rest, went to the top of the next page, above the
    # next analysis's heading.
    from medapp.registry import data_root

    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    case_id = store.create_case("FLOW-1", CLIN)
    survival = load_model("heart-failure")
    result = analyse(survival, survival.example_input())
    first = store.add_analysis(case_id, CLIN, card=survival.card, prediction=result.prediction,
                               explanation=result.explanation, input_bytes=b"{}", input_name="patient.json")
    store.set_verdict(first, REV, "uncertain", "", "")
    chest = load_model("chest-xray-pneumonia")
    for path in sorted((data_root() / "imaging/kermany_cxr224/train/PNEUMONIA").glob("*.jpeg"))[:3]:
        [(_, image)] = chest.inputs_from_bytes(path.read_bytes(), path.name)
        result = analyse(chest, image)
        store.add_analysis(case_id, CLIN, card=chest.card, prediction=result.prediction,
                           explanation=result.explanation, input_bytes=path.read_bytes(), input_name=path.name)
    reader = PdfReader(io.BytesIO(case_pdf(store.case_detail(case_id, REV), by="rui")))
    pages = [(re.findall(r"Analysis\s*(\d)\s*of\s*4\s*·[^·]*·\s*\S+\s+v\d", page.extract_text()), len(page.images))
             for page in reader.pages]
    assert sorted(int(n) for headings, _ in pages for n in headings) == [1, 2, 3, 4]
    # a page the survival analysis runs onto says whose charts they are (it had only the footer)
    assert [page.extract_text().startswith("Analysis 1 of 4: heart-failure (continued)") for page in reader.pages][:3] \
        == [False, True, False]
    # the survival curve, the risk score's bars and the contributions over time (left out until a review), and
    # three heatmaps
    assert sum(images for _, images in pages) == 3 + 3
    # a radiograph's page holds its heading and its heatmap, and nothing of another analysis
    assert [images for headings, images in pages if set(headings) & {"2", "3", "4"}] == [1, 1, 1], pages
    # a verdict without a final diagnosis reads as such ("Final diagnosis: -." was printed)
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert re.search(r"Reviewer rui \([^)]*UTC\): uncertain\.", text) and "Final diagnosis: -" not in text


def test_a_survival_analysis_reports_its_contributions_over_time(tmp_path):
    """A review: the reports printed the horizons but not the page's chart of each value's contribution by
    horizon, and titled the risk score's bars with the method of both ("...; exact Shapley values over time")."""
    from medapp.reports.figures import bars_title

    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    case_id = store.create_case("SURV-1", CLIN)
    survival = load_model("heart-failure")
    result = analyse(survival, survival.example_input())
    store.add_analysis(case_id, CLIN, card=survival.card, prediction=result.prediction,
                       explanation=result.explanation, input_bytes=b"{}", input_name="patient.json")
    html = case_html(store.case_detail(case_id, REV), by="rui")
    assert "alt='contributions over time of analysis 1'" in html
    assert bars_title(result.explanation) == "Exact SHAP (additive risk) of the risk score"
    # the listed contributions are the risk score's: their heading names that method only (it named both)
    assert "(Exact SHAP (additive risk), log relative hazard): " in html
    assert "exact Shapley values over time, log relative hazard" not in html


def test_a_stored_profiles_distance_score_reads_as_on_its_page():
    # the page gave 0.05, Cases, Meeting mode and the reports "0.1"; the warning 2.2 beside a table's 2.19
    from medapp.reports.content import decision_text

    model = load_model("srbct-tumour")
    pred = analyse(model, model.example_input()).prediction
    text = decision_text({"model_id": "srbct-tumour", "modality": "genomics", "prediction": pred})
    assert f"Distance score {pred.fit.score:.2f} (flagged above 1.00)." in text
    shuffled = dataclasses.replace(pred, warnings=(), fit=dataclasses.replace(pred.fit, score=2.1949))
    assert "Distance score 2.19 (flagged above 1.00)." in decision_text(
        {"model_id": "srbct-tumour", "modality": "genomics", "prediction": shuffled})


def test_contributions_read_as_on_their_pages():
    # a review: the report gave -0.785 beside the page's -0.79, the heart-sound grid 1.0299 beside the report's
    # +1.03, and the notes chart 0.0% where everything else said <0.1%
    from medapp.render.audio import segment_table
    from medapp.render.text import top_classes
    from medapp.reports.content import contributions_text
    from medapp.types import Explanation

    tabular = Explanation(kind="tabular", method="TreeSHAP", target="positive", base_value=0.0,
                          values=np.array([-0.785, 0.2]), feature_names=("Glucose = 160 mg/dL", "Age = 50 years"),
                          output_space="log-odds")
    assert contributions_text({"explanation": tabular}) == "Glucose = 160 mg/dL: -0.79; Age = 50 years: +0.20"
    tiles = Explanation(kind="audio", method="KernelSHAP", target="mitral_stenosis", base_value=0.0,
                        values=np.array([1.0299, 0.9323]), summary=(("0.5-1.0 s", 1.0299), ("1.0-1.5 s", 0.9323)))
    assert [r["contribution"] for r in segment_table(tiles)] == ["+1.03", "+0.932"]
    assert contributions_text({"explanation": tiles}) == "0.5-1.0 s: +1.03; 1.0-1.5 s: +0.932"
    genes = Explanation(kind="genomics", method="exact linear SHAP", target="EWS", base_value=0.0,
                        values=np.array([0.503, -0.141]), feature_names=("V2050 = -4.64", "V1764 = -2.21"))
    assert contributions_text({"explanation": genes}) == "V2050 = -4.64: +0.50; V1764 = -2.21: -0.14"  # as its bars
    chart = top_classes(("Impetigo", "Psoriasis"), np.array([0.0002, 0.9998]))
    assert list(chart.data[0].text) == ["<0.1%", ">99.9%"]


def test_a_profile_unlike_every_class_is_not_classified_as_on_its_page():
    # the genomics page says "Not classified"; Cases, Meeting mode and the reports said "not assessed"
    from medapp.reports.content import output_text

    model = load_model("srbct-tumour")
    pred = analyse(model, model.example_input()).prediction
    unlike = dataclasses.replace(pred, fit=dataclasses.replace(pred.fit, fits=False, message="Unlike every class."))
    assert output_text({"model_id": "srbct-tumour", "modality": "genomics", "label": pred.label,
                        "prediction": unlike}) == "not classified: Unlike every class."
    assert output_text({"model_id": "heart-sound", "modality": "audio", "label": pred.label,
                        "prediction": unlike}).startswith("not assessed: ")


def test_a_records_report_draws_the_pages_waterfall(monkeypatch):
    # the reports drew a plain bar chart of ten contributions: no training mean, no patient's value, no sum between
    from medapp.render.tabular import waterfall, waterfall_spec
    from medapp.reports import figures
    from medapp.reports.content import page_percent

    model = load_model("kidney-disease")
    [(_, x)] = model.inputs_from_bytes(json.dumps(model.card.input["typical"]).encode(), "k.json")
    expl = analyse(model, x).explanation
    percent = page_percent("kidney-disease", expl)
    spec = waterfall_spec(expl, percent=percent)
    page = waterfall(expl, percent=percent)
    assert list(page.data[0].y) == [spec.ends[0], *spec.labels[::-1], spec.ends[1]]  # one list of bars for both
    assert spec.ends == ("training patients' mean log-odds", "this patient: <0.1%")
    drawn = []
    monkeypatch.setattr(figures, "waterfall_png", lambda e, s: drawn.append(s) or b"png")
    assert figures.analysis_png({"model_id": "kidney-disease", "explanation": expl, "prediction": None}) == b"png"
    assert drawn == [spec]
    assert page_percent("heart-failure", expl) is None  # no bands: the waterfall's own wording


def test_a_records_probability_rounded_to_one_reads_as_on_its_page():
    """The page said '>99.9%' and the saved case, Meeting mode and the report '100%' and '100.0% / 0.0%' (a browser
    review): a calibrated probability is never exactly 1; floats round log-odds +53.6 to it."""
    from medapp.reports.content import class_probabilities_text, risk_headline

    model = load_model("kidney-disease")
    pred = model._prediction(1.0, model.example_input())
    assert risk_headline("kidney-disease", pred).value == ">99.9%"
    text = class_probabilities_text({"model_id": "kidney-disease", "modality": "records", "prediction": pred})
    assert text == "chronic kidney disease >99.9%, no chronic kidney disease <0.1%"


def test_a_note_saved_as_not_assessed_shows_its_text_in_both_reports(tmp_path):
    """Cases, Meeting mode and both reports showed 'Saved without an explanation.' and no text at all for a note
    the model did not assess: reviewers could not see what was refused (a browser review)."""
    store = CaseStore(f"sqlite:///{tmp_path / 'n.db'}", BlobStore(tmp_path / "blobs"))
    model = load_model("symptom-disease")
    x = NoteInput.from_text("Mix the flour and butter, add two eggs and bake for forty minutes.")
    pred = model.predict(x)
    assert not pred.fits
    case_id = store.create_case("NOTE-NA-1", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=pred, explanation=None,
                       input_bytes=x.text.encode(), input_name="note.txt")
    detail = store.case_detail(case_id, REV)
    inputs = {a["id"]: store.input_bytes(a["input_sha256"]) for a in detail["analyses"]}
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        case_pdf(detail, by="rui", inputs=inputs))).pages))
    html = case_html(detail, by="rui", inputs=inputs)
    # the PDF takes the same inputs (the Cases page now passes a recording's: the HTML report had no player)
    assert PdfReader(io.BytesIO(case_pdf(detail, by="rui", inputs=inputs))).pages
    for text in (pdf_text, html):
        assert "De-identified note (not assessed by the model, so not explained)" in text
        assert "Mix the flour and butter, add two eggs and bake for forty minutes." in text


def test_the_reports_map_is_clear_where_nothing_moved_the_model_as_on_the_page():
    """A review: the PDF's map used RdBu_r, white at zero, and at the page's opacity it washed the radiograph out
    to near-white; the page's colour scale is clear there."""
    from medapp.reports.figures import _page_diverging

    cmap = _page_diverging()
    assert cmap(0.5)[3] == pytest.approx(0.0, abs=0.02)  # clear at zero: the image shows through
    assert cmap(1.0) == pytest.approx((192 / 255, 57 / 255, 43 / 255, 1.0))  # the page's red and blue at the ends
    assert cmap(0.0) == pytest.approx((36 / 255, 113 / 255, 163 / 255, 1.0))


def test_a_heart_sound_in_the_report_names_its_panels_and_stays_on_the_recording():
    """A review: the PDF's heart-sound figure had no panel names and a strip of tiles past the recording's end."""
    import matplotlib.pyplot as plt

    from medapp.analysis import analyse
    from medapp.registry import load_model
    from medapp.reports.figures import audio_figure
    from medapp.workload import real_inputs

    model = load_model("heart-sound")
    x = real_inputs(model, 1)[0][1]
    expl = analyse(model, x).explanation
    fig = audio_figure(expl)
    top, bottom = fig.axes[:2]
    assert (top.get_title(loc="left"), bottom.get_title(loc="left")) == ("Waveform", "Log-mel spectrogram")
    view = expl.data["view"]
    end = view["t0"] + len(view["spectrogram_db"]) * view["column_s"]
    assert bottom.get_xlim() == pytest.approx((view["t0"], end))
    plt.close(fig)


def test_the_reports_audio_tiles_use_the_pages_colours_clear_at_zero():
    """A cardiology review: the PDF's tiles (RdBu_r at one alpha) washed the whole spectrogram pink or blue and drew
    the strongest tile near black, where the page shows it bright red and leaves small values clear."""
    from medapp.reports.figures import _tile_colours

    colours = _tile_colours()
    assert colours(0.5)[3] < 0.01
    assert colours(1.0) == pytest.approx((192 / 255, 57 / 255, 43 / 255, 0.75))
    assert colours(0.0) == pytest.approx((36 / 255, 113 / 255, 163 / 255, 0.75))


def test_the_html_report_plays_a_stored_heart_sound(tmp_path):
    """A cardiology review: Cases and Meeting mode play the stored recording, the HTML report had no player."""
    import base64

    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    case_id = heart_sound_case(store, "CARDIO-1", CLIN)
    detail = store.case_detail(case_id, REV)
    inputs = {a["id"]: store.input_bytes(a["input_sha256"]) for a in detail["analyses"]}
    html = case_html(detail, by="rui", inputs=inputs)
    found = re.search(r"<audio controls[^>]*src='data:audio/(flac|wav);base64,([A-Za-z0-9+/=]+)'", html)
    assert found and base64.b64decode(found.group(2)) == inputs[detail["analyses"][0]["id"]]


def test_a_stored_input_is_named_in_words():
    """A review: Cases, Meeting mode and reports named inputs "genomics-595e5e78e0.csv"."""
    from medapp.reports.content import input_label

    assert input_label("genomics-595e5e78e0.csv") == "expression profile (CSV), ref 595e5e78e0"
    assert input_label("imaging-0123456789.dcm") == "image (DICOM), ref 0123456789"
    assert input_label("survival-318d450797.json") == "patient's values, ref 318d450797"
    assert input_label("an-older-name.bin") == "an-older-name.bin"  # a name of another shape is shown as it is


@pytest.mark.parametrize("rows", [176, 320, 480])  # a wide ultrasound, a square one, a tall radiograph
def test_the_colour_bar_label_stays_inside_the_report_figure(rows):
    """A review: on a 320x176 breast ultrasound the bar's one-line label ran off the figure at both ends ("...full
    colour beyond ±0.00" and "r pixel (log-probability)")."""
    from PIL import Image

    from medapp.modalities.imaging.io import decode
    from medapp.reports.figures import image_figure

    model = load_model("breast-ultrasound")
    picture = decode((data_root() / "imaging/busi/benign/benign (320).png").read_bytes(), "u.png")[0]
    buf = io.BytesIO()
    Image.fromarray(np.round(np.resize(picture.grey, (rows, 320)) * 255).astype(np.uint8)).save(buf, format="PNG")
    x = decode(buf.getvalue(), "u.png")[0]
    figure = image_figure(analyse(model, x).explanation, x.grey)
    figure.canvas.draw()
    [label] = [ax.yaxis.label for ax in figure.axes if ax.yaxis.label.get_text().startswith("SHAP per")]
    box, page = label.get_window_extent(), figure.bbox
    assert page.y0 <= box.y0 and box.y1 <= page.y1 and box.x1 <= page.x1, (box, page)
    assert "full colour beyond ±" in label.get_text().replace("\n", " ")


def test_every_value_given_is_in_both_reports_not_only_the_ten_largest(tmp_path):
    # the waterfall names its ten largest contributions and "14 other values": a reviewer asked what the others were
    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    model = load_model("kidney-disease")
    x = model.example_input()
    result = analyse(model, x)
    case_id = store.create_case("CKD-24", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=b"{}", input_name="patient.json")
    detail = store.case_detail(case_id, REV)
    labels = [f.label for f in model.fields]
    assert len(labels) == 24
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(case_pdf(detail, by="rui"))).pages))
    given = text.split("All 24 values given: ")[1]
    for label, shown in zip(labels, result.explanation.data["display"]):
        assert f"{label} {shown}" in given, label
    html_report = case_html(detail, by="rui")
    assert "<b>All 24 values given</b>" in html_report
    assert html_report.count("</td></tr>") >= 24
    assert "<tr><td>Age</td><td>54 years</td></tr>" in html_report
    # a value not measured is counted as such ("All 8 values given" stood over "not measured": a review)
    from medapp.reports.content import values_heading

    survival = load_model("breast-cancer-recurrence")
    partial = survival.record({"age": 55, "menostat": "post", "tsize": 25, "tgrade": 2, "progrec": 50, "estrec": 40,
                               "horTh": "no"})
    assert values_heading({"explanation": analyse(survival, partial).explanation}) == "8 values: 7 given, 1 not measured"


def test_the_part_of_an_input_analysed_is_said_in_both_reports(tmp_path):
    """A tumour-board review: two profiles saved from one file, and a patient saved from a cohort, could not be
    matched to their sample or row from the report ("sample 3 of 4" was kept only in a chart's axis label)."""
    from medapp.render.stored import part_analysed

    store = CaseStore(f"sqlite:///{tmp_path / 'r.db'}", BlobStore(tmp_path / "blobs"))
    genomics = load_model("srbct-tumour")
    x = genomics.example_input()
    result = analyse(genomics, x)
    pred, expl = genomics.as_saved(result.prediction, result.explanation, "sample 3 of 4 in the file")
    stored, name = genomics.stored_input(x)
    survival = load_model("heart-failure")
    patient = analyse(survival, survival.example_input())
    from_row = dataclasses.replace(patient.prediction, part="row 5 of a cohort file")
    case_id = store.create_case("TB-PARTS", CLIN)
    store.add_analysis(case_id, CLIN, card=genomics.card, prediction=pred, explanation=expl, input_bytes=stored,
                       input_name=name)
    store.add_analysis(case_id, CLIN, card=survival.card, prediction=from_row, explanation=patient.explanation,
                       input_bytes=b'{"age": 60}', input_name="patient.json")
    detail = store.case_detail(case_id, REV)
    assert [part_analysed(a) for a in detail["analyses"]] == ["sample 3 of 4 in the file", "row 5 of a cohort file"]
    html = case_html(detail, by="rui")
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(case_pdf(detail, by="rui"))).pages))
    for text in (html, pdf_text):
        assert re.search(r"Input: expression profile \(CSV\), ref \w+, sample 3 of 4 in the file \(sha256", text)
        assert re.search(r"Input: patient(&#x27;|')s values, ref \w+, row 5 of a cohort file \(sha256", text)
        # and the code that made each (medapp/build.py): a model version alone did not name the checks it passed
        assert text.count(f"medapp {medapp.__version__} (code {code_digest()})") == 2
        assert f"by rui with medapp {medapp.__version__}+{code_digest()}." in text  # and the code that drew the report


def test_the_figure_of_an_input_not_assessed_says_on_itself_that_it_is_not_a_finding(tmp_path):
    """A tumour-board review: the PDF drew an unclassified profile's bars "toward 'EWS (Ewing sarcoma)'" at full size
    with no word on the figure; copied or cropped, it read as an EWS call."""
    from PIL import Image

    from medapp.reports.figures import analysis_png

    model = load_model("srbct-tumour")
    result = analyse(model, model.example_input())
    why = "This profile is unlike every training class."
    unfit = dataclasses.replace(result.prediction, fit=InputFit(fits=False, message=why), warnings=(why,))
    shown, marked = (analysis_png({"id": 1, "model_id": model.card.id, "prediction": p,
                                   "explanation": result.explanation}) for p in (result.prediction, unfit))

    def top_band(png: bytes) -> np.ndarray:
        picture = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        return picture[: 20].reshape(-1, 3)

    dark_red = (np.abs(top_band(marked).astype(int) - (0x8B, 0x1A, 0x1A)).sum(axis=1) < 30).mean()
    assert dark_red > 0.02  # the band's colour behind the words
    assert (np.abs(top_band(shown).astype(int) - (0x8B, 0x1A, 0x1A)).sum(axis=1) < 30).mean() == 0
    (tmp_path / "marked.png").write_bytes(marked)
