"""What an accessibility and projector review (2026-12-05) found: the Tab key's order on the patient form, explanations
that only colour told, Meeting mode's titles and waterfalls cut at 1024x768, an audio figure squeezed into a strip."""
from __future__ import annotations

import html
import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from apptest_helpers import REV, open_page, records_page

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import data_root, load_model
from medapp.render.tabular import waterfall, wrapped_label
from medapp.types import ModelCard
from medapp.ui.stored_analysis import _legible


def test_the_patient_form_is_filled_row_by_row_so_tab_follows_reading_order():
    at = records_page("Diabetes onset (Pima)")
    model = load_model("diabetes")
    shown = [w.label for w in at.number_input if w.label.split(" (")[0] in {f.label for f in model.fields}]
    assert [label.split(" (")[0] for label in shown] == [f.label for f in model.fields]  # Pregnancies, Glucose, ...


def test_a_long_bar_name_is_drawn_on_two_lines_and_the_bar_keeps_its_whole_name():
    model = load_model("heart-disease")
    x = model.example_input()
    fig = waterfall(model.explain(x, model.predict(x)))
    axis = fig.layout.yaxis
    assert list(axis.tickvals) == list(fig.data[0].y)  # the bars' own names, whole
    long = [(name, text) for name, text in zip(axis.tickvals, axis.ticktext) if len(name) > 34]
    assert long and all(text.count("<br>") >= 1 and text.replace("<br>", " ") == name for name, text in long)
    assert wrapped_label("Sex = male") == "Sex = male"


def test_meeting_mode_wraps_a_long_title_hangs_it_from_the_top_and_widens_a_waterfall():
    title = "Words that moved the probability of 'neoplasms' in this clinical note"  # cut at 1024x768
    fig = _legible(go.Figure(layout={"title": title, "xaxis_title": "contribution to the probability of 'neoplasms'"}),
                   True)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) == 2 and all(len(line) <= 48 for line in lines) and " ".join(lines) == title
    assert fig.layout.title.yanchor == "top" and fig.layout.margin.t >= 30 * len(lines)
    assert "<br>" in fig.layout.xaxis.title.text
    other = _legible(go.Figure(layout={"title": title}), False).layout.title.text  # Cases: wrapped later
    assert other.replace("<br>", " ") == title and all(len(line) <= 64 for line in other.split("<br>"))
    assert _legible(go.Figure(layout={"title": "Why this estimate"}), False).layout.title.text == "Why this estimate"
    model = load_model("heart-disease")
    x = model.example_input()
    fig = waterfall(model.explain(x, model.predict(x)))
    before_range, before_height = list(fig.layout.xaxis.range), fig.layout.height
    _legible(fig, True)
    lo, hi = fig.layout.xaxis.range  # room for the larger values beside the bars
    assert lo < before_range[0] and hi > before_range[1] and fig.layout.height > before_height


@pytest.fixture()
def audio_case(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("heart-sound")
    wav = sorted((data_root() / "audio" / "heart_sounds").rglob("*.wav"))[0]
    [(_, x)] = model.read_inputs(wav)
    result = analyse(model, x)
    case_id = store.create_case("MDT-SOUND", REV)
    store.add_analysis(case_id, REV, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=wav.read_bytes(), input_name=wav.name)
    return result


@pytest.mark.parametrize("path", ["pages/cases.py", "pages/meeting.py"])
def test_a_stored_sound_lists_its_tiles_in_words_and_its_time_axis_spans_the_recording(audio_case, path):
    at = open_page(path, REV)
    assert not at.exception
    expl = audio_case.explanation
    captions = [html.unescape(c.value) for c in at.caption]  # written literally (ui/common.literal)
    [words] = [c for c in captions if c.startswith("Largest contributions (+ toward")]
    assert any(ModelCard.DEMO_NOTICE in c for c in captions)  # said on both pages (a cardiology review)
    name, value = expl.top_contributions(1)[0]
    assert f"{name}: {value:+.3g}" in words
    [spec] = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Log-mel spectrogram" in c.proto.spec]
    lo, hi = spec["layout"]["xaxis2"]["range"]
    assert lo == pytest.approx(0, abs=0.05)  # the recording's span, never widened to fit a label
    assert hi == pytest.approx(audio_case.prediction.duration_s, abs=0.1)


def test_meeting_mode_hangs_a_legend_under_the_plot_from_the_figure_s_foot():
    """An accessibility re-check: in Meeting mode "days since baseline" was drawn over the survival curve's legend
    (the enlarged ticks and axis title reached the legend, placed a fixed share of the plot below it)."""
    from medapp.render.survival import curve_figure

    model = load_model("heart-failure")
    curve = analyse(model, model.example_input()).prediction.survival
    before = curve_figure(curve)
    assert before.layout.legend.orientation == "h" and before.layout.legend.y < 0
    fig = _legible(curve_figure(curve), True)
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0 and fig.layout.legend.yanchor == "bottom"
    assert fig.layout.margin.b >= 126 and fig.layout.height > (before.layout.height or 450)
    assert _legible(curve_figure(curve), False).layout.legend.yref is None  # Cases: as drawn


def test_long_class_names_wrap_and_the_note_legend_s_chips_are_readable():
    """A re-check at 1024x768: the notes page's class chart lost the start of its names ("iovascular diseases"), and
    the legend's "red" and "blue" were #555 on the faded colour (2.8:1)."""
    from medapp.render.text import highlighted_html, top_classes

    labels = ("cardiovascular diseases", "general pathological conditions", "neoplasms")
    fig = top_classes(labels, np.array([0.2, 0.3, 0.5]))
    assert list(fig.layout.yaxis.tickvals) == list(fig.data[0].y)  # the bars keep their whole names
    assert "general pathological<br>conditions" in fig.layout.yaxis.ticktext
    model = load_model("symptom-disease")
    x = model.example_input()
    html = highlighted_html(model.explain(x, model.predict(x)))
    assert html.count("color: #fff") == 2


# The Cases page at 1024x768 with the sidebar open: about 564 px of page, four 16 px gaps between five filters. A label
# in the app's 14 px type takes about 7.2 px a character, and its help icon 24 px more.
PAGE_1024_PX, GAP_PX, CHAR_PX, HELP_PX = 564, 16, 7.2, 24


def test_every_case_filter_label_fits_its_column_at_1024_px(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = open_page("pages/cases.py", REV)
    row = at.columns[:5]
    labels = [w.label for w in [*at.selectbox, *at.date_input] if w.key.startswith("cases_")]
    assert sorted(labels) == sorted(["Modality", "Model", "Status", "Updated between", "Disagreement"])
    free = PAGE_1024_PX - GAP_PX * (len(row) - 1)
    total = sum(c.weight for c in row)
    for column in row:
        [widget] = [*column.selectbox, *column.date_input]
        needed = CHAR_PX * len(widget.label) + (HELP_PX if widget.help else 0)
        # "Disagreement" was broken mid-word ("Disagreem" / "ent"): 85 px of column for about 110 px of label
        assert free * column.weight / total >= needed, (widget.label, free * column.weight / total, needed)


# Meeting mode at 1024x768 with the sidebar open: its "Which cases" box is about 626 px inside, and its labels are
# 1.35 rem (pages/meeting.py), about 1.5 times the Cases page's.
MEETING_BOX_1024_PX, MEETING_CHAR_PX = 626, CHAR_PX * 1.5


def test_every_meeting_filter_label_fits_its_column_at_1024_px(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = open_page("pages/meeting.py", REV)
    [box] = [e for e in at.expander if e.label == "Which cases"]
    rows = [row for row in box.children.values() if row.type == "flex_container"]
    placed = []
    for row in rows:
        columns = list(row.children.values())
        free = MEETING_BOX_1024_PX - GAP_PX * (len(columns) - 1)
        for column in columns:
            [widget] = [*column.selectbox, *column.date_input]
            placed.append(widget.label)
            needed = MEETING_CHAR_PX * len(widget.label) + (HELP_PX if widget.help else 0)
            # five in one row broke "Disagreement" mid-word ("Disagreeme" / "nt") and "Updated between" over two lines
            assert free * column.weight >= needed, (widget.label, free * column.weight, needed)
    assert sorted(placed) == sorted(["Modality", "Model", "Status", "Updated between", "Disagreement"])


def test_home_model_cards_go_two_to_a_row_where_four_would_be_too_narrow(tmp_path, monkeypatch):
    # at 1024 px four cards were about 130 px each, a word or two a line; the cards' columns wrap at 190 px
    from medapp.ui.common import READABLE_STYLE

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = open_page("pages/home.py", REV)
    [cards] = [b for b in at.main.children.values() if getattr(b, "key", None) == "model_cards"] or [None]
    assert cards is not None, "the cards are in the keyed container the style reaches"
    [row] = [c for c in cards.children.values() if c.type == "flex_container"]
    assert len(row.children) == 4
    assert ".st-key-model_cards [data-testid='stHorizontalBlock']{flex-wrap:wrap}" in READABLE_STYLE
    # 564 px of page at 1024 x 768 with the sidebar open: two columns and their gap fit, three do not
    width = float(re.search(r"\.st-key-model_cards \[data-testid='stColumn'\]\{min-width:min\(100%,(\d+)px\)\}",
                            READABLE_STYLE).group(1))
    assert 2 * width + GAP_PX <= PAGE_1024_PX < 3 * width + 2 * GAP_PX
