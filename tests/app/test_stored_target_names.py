"""A stored analysis names what its explanation points toward as its analysis page did, on Cases and in both
reports: the kidney model's 'chronic kidney disease', not its class code 'ckd'; and '<0.1%', not '0%'."""
from __future__ import annotations

import html
import json
from dataclasses import replace

from apptest_helpers import CLIN, REV, open_page

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import load_model
from medapp.reports.content import contributions_heading
from medapp.reports.html import case_html


def test_kidney_analyses_read_chronic_kidney_disease_wherever_they_are_redrawn(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("kidney-disease")
    [(_, x)] = model.inputs_from_bytes(json.dumps(model.card.input["typical"]).encode(), "k.json")
    result = analyse(model, x)
    assert result.prediction.probability_of("ckd") < 0.0005
    assert result.explanation.target_display == "chronic kidney disease"
    case_id = store.create_case("KID-1", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=b"1", input_name="k.json")
    # saved before explanations carried the card's name for their target: named from the card when read
    store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction,
                       explanation=replace(result.explanation, target_label=""), input_bytes=b"2", input_name="k.json")
    detail = store.case_detail(case_id, REV, log_view=False)
    for a in detail["analyses"]:
        assert a["explanation"].target_display == "chronic kidney disease"
        assert contributions_heading(a) == "Largest contributions (+ toward 'chronic kidney disease', - away from it)"
    page = case_html(detail, by="rui")
    assert html.escape("toward 'chronic kidney disease'") in page and "'ckd'" not in page

    at = open_page("pages/cases.py", REV)
    specs = " ".join(c.proto.spec for c in at.get("plotly_chart"))
    assert "log-odds of chronic kidney disease" in specs and "of ckd" not in specs
    assert "this patient: \\u003c0.1%" in specs and "this patient: 0%" not in specs  # as on the page
