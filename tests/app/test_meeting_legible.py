"""Meeting mode draws a survival analysis's horizon table and charts in the projector's large type (at 1920x1080
the table stayed at 13 px and chart ticks, legends and curve labels at 11-12 px)."""
from __future__ import annotations

import json

from apptest_helpers import CLIN, REV, open_page

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import load_model


def test_a_survival_analysis_in_meeting_mode_is_drawn_in_large_type(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("heart-failure")
    result = analyse(model, model.example_input())
    case_id = store.create_case("MEET-HF", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=b"{}", input_name="p.json")

    meeting = open_page("pages/meeting.py", REV)
    assert not meeting.exception
    # a static table, which takes the page's large type; not a data grid (the values given are the other table)
    [table] = [t for t in meeting.table if "95% band" in t.value.columns]
    assert list(table.value.index) == ["30 days", "90 days", "180 days"]
    assert "td,.stMainBlockContainer th{font-size:1.35rem}" in " ".join(h.proto.body for h in meeting.get("html"))
    charts = [json.loads(c.proto.spec) for c in meeting.get("plotly_chart")]
    assert len(charts) == 3  # the curve, the risk score's bars and the contributions over time
    for chart in charts:
        layout = chart["layout"]
        assert layout["font"]["size"] >= 18 and layout["title"]["font"]["size"] >= 22
        assert layout["xaxis"]["tickfont"]["size"] >= 16 and layout["xaxis"]["title"]["font"]["size"] >= 18
        assert all(a["font"]["size"] >= 16 for a in layout.get("annotations", []))

    # the Cases page has a static table too, in its own type: a data grid cut the band to its lower bound in a narrow
    # column (a review)
    cases = open_page("pages/cases.py", REV)
    [horizons] = [t.value.reset_index() for t in cases.table if "95% band" in t.value.columns]
    assert list(horizons["by"]) == ["30 days", "90 days", "180 days"]


def test_a_note_in_meeting_mode_is_in_large_type_with_its_words_chart(tmp_path, monkeypatch):
    """A review: the highlighted note stayed at 14 px on the projector, and the chart of the words that moved the
    probability, on the notes page and in the reports, was on neither Cases nor Meeting mode."""
    from medapp.modalities.notes.model import NoteInput

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("symptom-disease")
    x = NoteInput.from_text("Red itchy rash with silvery scales on both elbows and pitted nails for months.")
    result = analyse(model, x)
    case_id = store.create_case("MEET-NOTE", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=x.text.encode(), input_name="note.txt")
    for page, size in (("pages/meeting.py", "1.5rem"), ("pages/cases.py", "1rem")):
        at = open_page(page, REV)
        assert not at.exception
        [note] = [h.proto.body for h in at.get("html") if "silvery" in h.proto.body]
        assert note.startswith(f'<div style="font-size:{size}">')
        words = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        assert any("silvery" in json.dumps(c["data"]) for c in words)
