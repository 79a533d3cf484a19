"""AppTest: class names on Cases and in Meeting mode are the card's display labels, whole (wrapped, never cut).

Before: `st.metric` cut "mitral_valve_prolapse" to `mitral_valve_prol…`, underscores and all.
"""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from apptest_helpers import REV, open_page

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import data_root, load_model


@pytest.fixture
def heart_sound_case(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("heart-sound")
    recording = sorted((data_root() / "audio" / "heart_sounds" / "MVP").glob("*.wav"))[0]
    [(_, x)] = model.read_inputs(recording)  # a real heart sound: one the model fits, so its output is shown
    result = analyse(model, x)
    assert result.prediction.fits
    prediction = replace(result.prediction, label="mitral_valve_prolapse")  # the longest class name
    case_id = store.create_case("MDT-HS", REV)
    store.add_analysis(case_id, REV, card=model.card, prediction=prediction, explanation=result.explanation,
                       input_bytes=recording.read_bytes(), input_name="hs.wav")
    return store


@pytest.mark.parametrize("path", ["pages/cases.py", "pages/meeting.py"])
def test_class_names_are_display_labels_shown_whole(heart_sound_case, path):
    at = open_page(path, REV)
    assert not at.exception
    assert not at.metric  # a metric cuts long values
    shown = " ".join(str(getattr(e, "value", "")) for e in at.get("html")) + " ".join(m.value for m in at.markdown)
    # wrapped at whole words ("anywhere" broke "RMS (rhabdomyosarco / ma)" in Meeting mode)
    assert "mitral valve prolapse" in shown and "overflow-wrap:break-word" in shown
    assert "mitral_valve" not in shown
    assert len(at.get("audio")) == 1  # the saved recording can be played (it could not, anywhere)


@pytest.mark.parametrize("path, height", [("pages/cases.py", None), ("pages/meeting.py", 640)])
def test_meeting_mode_shows_an_image_and_its_map_full_width(tmp_path, monkeypatch, path, height):
    # in the right two thirds each picture was about 230 px wide: too small for a projector
    import json

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("chest-xray-pneumonia")
    raw = (data_root() / "dicom" / "CR-MONO1-10-chest.dcm").read_bytes()
    [(_, x)] = model.inputs_from_bytes(raw, "chest.dcm")
    result = analyse(model, x)
    case_id = store.create_case("MDT-CXR", REV)
    store.add_analysis(case_id, REV, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=raw, input_name="chest.dcm")
    at = open_page(path, REV)
    assert not at.exception
    # (Meeting mode's titles are wrapped on more lines)
    [layout] = [spec["layout"] for spec in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if "what moved the model" in spec["layout"].get("title", {}).get("text", "").replace("<br>", " ")]
    assert (layout["height"] >= height) if height else layout["height"] < 640
    in_columns = [c for c in at.columns if any(ch.type == "plotly_chart" for ch in c.children.values())]
    assert bool(in_columns) == (height is None)  # meeting mode: under the output, not beside it


def test_a_survival_analysis_is_headed_by_the_risk_and_a_records_waterfall_keeps_its_band(tmp_path, monkeypatch):
    # Cases and Meeting mode headed a survival analysis "alive at 180 days"; a records waterfall said
    # "this patient: 20%" beside a headline of 19.7% in band "low"
    import json

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    case_id = store.create_case("MDT-RISK", REV)
    survival = load_model("heart-failure")
    result = analyse(survival, survival.example_input())
    survival_curve = result.prediction.survival
    store.add_analysis(case_id, REV, card=survival.card, prediction=result.prediction,
                       explanation=result.explanation, input_bytes=b"{}", input_name="p.json")
    heart = load_model("heart-disease")
    result = analyse(heart, heart.example_input())
    p = result.prediction.probability_of("present")
    assert 0.19 < p < 0.2
    store.add_analysis(case_id, REV, card=heart.card, prediction=result.prediction,
                       explanation=result.explanation, input_bytes=b"{}", input_name="h.json")
    for path in ("pages/cases.py", "pages/meeting.py"):
        at = open_page(path, REV)
        assert not at.exception
        captions = [c.value for c in at.caption]
        assert "Probability of death by 180 days" in captions
        shown = " ".join(str(getattr(e, "value", "")) for e in at.get("html"))
        assert "(95% band" in shown and "alive at 180 days</div>" not in shown
        # its two outcomes are not listed again at one decimal beside the headline's whole percent (a review)
        assert not [m.value for m in at.markdown if m.value.startswith("- ") and "180 days" in m.value]
        assert any(m.value.startswith("- ") and "present" in m.value for m in at.markdown)  # heart disease's list
        assert any(re.search(r"Risk group: \*\*(lowest|middle|highest) third of the training patients\*\*",
                             m.value) for m in at.markdown)  # the page's words, not "high third"
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        ends = [t for s in specs for d in s["data"] for t in (d.get("y") or []) if str(t).startswith("this patient")]
        assert f"this patient: {100 * p:.1f}%" in ends and "this patient: 20%" not in ends
        # all the survival panel gave (a review: Cases and Meeting mode showed less): the risk score, every
        # horizon with its band, and the contributions over time
        assert any(m.value.startswith(f"Risk score: **{survival_curve.risk_score:+.2f}**") for m in at.markdown)
        # a data grid on Cases, a static table in Meeting mode's large type (index: the horizon)
        [horizons] = [d.value.reset_index() for d in (*at.dataframe, *at.table) if "95% band" in d.value.columns]
        assert list(horizons["by"]) == ["30 days", "90 days", "180 days"]
        titles = [s["layout"]["title"]["text"].replace("<br>", " ") for s in specs if "title" in s["layout"]]
        assert any(t.startswith("How each value moves the probability of the event") for t in titles)
        assert "Why this risk score: contributions (log relative hazard)" in titles  # as on its panel


def test_a_comment_with_markup_is_shown_as_typed_not_as_a_verdict_link_or_image():
    """A verdict comment forged a verdict line, a link and an image every viewer's browser fetched (a security
    review): user text now goes into markdown as character references."""
    from medapp.ui.common import literal

    typed = ":material/check_circle: **adm**: agree [x](http://a.example) ![t](http://b.example/x.png) $x$"
    shown = literal(typed)
    for active in (":material/", "**", "[x](", "![", "$x$"):
        assert active not in shown
    import html
    assert html.unescape(shown) == typed  # what the browser shows: the text as typed
