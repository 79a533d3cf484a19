"""The risk-score waterfall of a time-to-event patient: the records waterfall's words, and its value labels kept
inside the figure (they were cut to ").51" and "+0.0" at the edges of a half-width column)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from medapp.analysis import analyse
from medapp.registry import load_model
from medapp.render.numbers import headline_percent
from medapp.render.tabular import waterfall


@pytest.fixture(scope="module")
def example():
    model = load_model("heart-failure")
    return analyse(model, model.example_input(), use_cache=False).explanation


def test_the_ends_read_average_patient_and_this_patient_with_their_risk_scores(example):
    fig = waterfall(example)
    y = list(fig.data[0].y)
    assert y[0] == f"average patient: risk score {example.base_value:+.2f}"
    assert y[-1] == f"this patient: risk score {example.output_value:+.2f}"
    # on two lines: on one, its end was cut under narrow bars (a re-check)
    assert "contribution<br>(to the risk score; + means earlier death)" == fig.layout.xaxis.title.text
    # 11 fields, all named: a bar "1 other value" stood in for the eleventh (a review); with 9 shown, the other
    # two are summed
    assert not any("other value" in name for name in y) and len(y) == 11 + 2
    assert "2 other values" in waterfall(example, max_features=9).data[0].y


def test_value_labels_are_drawn_beyond_the_bars_with_room_on_both_sides(example):
    fig = waterfall(example)
    trace = fig.data[0]
    assert trace.cliponaxis is False and trace.textposition == "outside"
    lo_axis, hi_axis = fig.layout.xaxis.range
    x = list(trace.x)  # the base value, the bars drawn (the rest summed in one), the output
    ends = np.concatenate([[0.0, x[0]], x[0] + np.cumsum(x[1:-1]), [x[-1]]])
    lo, hi = ends.min(), ends.max()
    span = max(hi - lo, 0.5)
    # a label is about a fifth of a narrow plot's width: the axis leaves at least 0.3 of the span beyond each end
    assert lo - lo_axis >= 0.3 * span - 1e-9 and hi_axis - hi >= 0.3 * span - 1e-9
    assert fig.layout.margin.r >= 60


def test_the_records_waterfall_keeps_its_probability_ends():
    model = load_model("heart-disease")
    expl = analyse(model, model.example_input(), use_cache=False).explanation
    y = list(waterfall(expl, percent=lambda p: f"{p:.1%}").data[0].y)
    assert y[0] == "training patients' mean log-odds" and y[-1] == "this patient: 19.8%"
    assert "3 other values" in y


def test_the_horizon_table_never_rounds_a_small_risk_to_zero():
    import dataclasses

    import numpy as np

    from medapp.analysis import analyse
    from medapp.registry import load_model
    from medapp.render.survival import horizon_rows

    model = load_model("heart-failure")
    curve = analyse(model, model.example_input(), explain=False).prediction.survival
    tiny = dataclasses.replace(curve, at_horizons=np.full(len(curve.horizons), 0.9996),
                               at_horizons_lower=np.full(len(curve.horizons), 0.999),
                               at_horizons_upper=np.full(len(curve.horizons), 0.99999))
    rows = horizon_rows(tiny)
    assert {r["probability"] for r in rows} == {"<0.1%"} and {r["95% band"] for r in rows} == {"<0.1% to 0.1%"}


def test_each_horizon_marker_is_labelled_with_the_value_where_it_sits():
    # the markers on the "% without death" curve were labelled with the probability of death ("180 days: 55%" on
    # the point at 45%)
    from medapp.analysis import analyse
    from medapp.registry import load_model
    from medapp.render.survival import curve_figure

    model = load_model("heart-failure")
    curve = analyse(model, model.example_input(), explain=False).prediction.survival
    figure = curve_figure(curve)
    markers = [t for t in figure.data if t.mode == "markers"]
    assert [(m.x[0], m.y[0]) for m in markers] == [(h, s * 100) for h, s in zip(curve.horizons, curve.at_horizons)]
    labels = figure.layout.annotations
    assert [(a.x, a.y, a.text) for a in labels] == [(h, s * 100, f"{h:g} days: {headline_percent(s)}")
                                                    for h, s in zip(curve.horizons, curve.at_horizons)]
    # near certainty the label says so, as the headline does: "<0.1%", not "0%" (a review of a GBSG2 case)
    nearly = dataclasses.replace(curve, at_horizons=np.full(len(curve.horizons), 0.0003))
    assert {a.text.split(": ")[1] for a in curve_figure(nearly).layout.annotations} == {"<0.1%"}
    # above the step line, not on it (the label sat on the horizontal segment it starts)
    assert all(a.yshift >= 14 and not a.showarrow for a in labels)
    assert f"{1 - curve.at_horizons[-1]:.1%} death" in markers[-1].hovertemplate


def test_a_band_that_widens_at_an_extreme_value_is_said_to_be_wide():
    # a review: a CPK of 7861 (the training maximum) gave 20% (15% to 92%) without a word; the typical patient's
    # band is quiet
    import json

    from medapp.analysis import analyse
    from medapp.registry import load_model

    model = load_model("heart-failure")
    typical = dict(model.card.input["typical"])
    [(_, quiet)] = model.inputs_from_bytes(json.dumps(typical).encode(), "p.json")
    [(_, extreme)] = model.inputs_from_bytes(json.dumps({**typical, "creatinine_phosphokinase": 7861}).encode(),
                                             "p.json")
    assert not [w for w in analyse(model, quiet, explain=False).prediction.warnings if "is wide" in w]
    pred = analyse(model, extreme, explain=False).prediction
    curve = pred.survival
    low, high = 1 - curve.at_horizons_upper[-1], 1 - curve.at_horizons_lower[-1]
    [wide] = [w for w in pred.warnings if "is wide" in w]
    assert high - low > 0.6 and wide.startswith("The 95% band for death by 180 days is wide (15% to ")
    # the value behind it is named: its bar in the explanation is as small as a typical CPK's (a review)
    assert "few training patients had values like Creatine phosphokinase (CPK) 7,861 mcg/L" in wide \
        or "few training patients had values like Creatine phosphokinase (CPK) 7861 mcg/L" in wide, wide


def test_a_band_wide_at_an_earlier_horizon_is_said_too():
    """A woman of 30 with eleven nodes read 99.9% by 5 years, with 16% to 77% by 1 year and not a word: only the main
    horizon's band was checked (a review). Every horizon's is, and the rare value is named."""
    import csv
    import json

    from medapp.analysis import analyse
    from medapp.registry import data_root, load_model

    model = load_model("breast-cancer-recurrence")
    with open(data_root() / "records/survival/gbsg2.csv") as f:
        young = next(r for r in csv.DictReader(f) if float(r["age"]) <= 30 and float(r["pnodes"]) >= 10)
    values = {k: young[k] for k in (fl.name for fl in model.fields)}
    [(_, x)] = model.inputs_from_bytes(json.dumps(values).encode(), "p.json")
    pred = analyse(model, x, explain=False).prediction
    c = pred.survival
    widths = [lo - hi for lo, hi in zip(c.at_horizons_upper, c.at_horizons_lower)]
    assert max(widths) > 0.6
    [wide] = [w for w in pred.warnings if "is wide" in w]
    assert f"few training patients had values like Age {young['age']}" in wide, wide
    assert "Read every horizon's estimate as uncertain." in wide


def test_a_curve_over_years_is_drawn_in_years_and_one_over_months_in_days():
    """A clinicians' review: GBSG2's estimates read "by 1, 3 and 5 years" over an axis of days to 2,500."""
    from medapp.render.survival import curve_figure, curve_png, time_axis

    assert time_axis([0.0, 365.0, 730.0, 1095.0]) == ([0.0, 365.0, 730.0, 1095.0], ["0", "1", "2", "3"],
                                                      "years since baseline")
    assert time_axis([0.0, 60.0, 120.0])[2] == "days since baseline"
    for model_id, title in (("breast-cancer-recurrence", "years since baseline"), ("heart-failure", "days since baseline")):
        model = load_model(model_id)
        curve = analyse(model, model.example_input()).prediction.survival
        fig = curve_figure(curve)
        assert fig.layout.xaxis.title.text == title
        assert list(fig.layout.xaxis.tickvals) == time_axis(list(fig.layout.xaxis.tickvals))[0]
        assert curve_png(curve)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_band_reaching_across_half_is_said_not_to_be_a_clear_answer():
    """"More likely at 180 days: death by 180 days" for 52% with a band of 26% to 72% read as an outcome (a review):
    the page, the case and the reports say the answer is not clear when the band at the main horizon holds 50%."""
    import json

    from medapp.reports.content import stored_close_call, survival_close_call

    model = load_model("heart-failure")

    def curve(**values):
        [(_, x)] = model.inputs_from_bytes(json.dumps({"sex": 1, "serum_creatinine": 1.1, "serum_sodium": 137,
                                                       **values}).encode(), "p.json")
        return analyse(model, x, explain=False).prediction

    clear, unclear = curve(age=60, ejection_fraction=38, anaemia=0, diabetes=0), curve(age=82, anaemia=0, diabetes=0)
    assert survival_close_call(clear.survival) is None  # 20%, band 15% to 30%
    said = survival_close_call(unclear.survival)
    c = unclear.survival
    lo, hi = 1 - c.at_horizons_upper[-1], 1 - c.at_horizons_lower[-1]
    assert lo < 0.5 < hi and said.startswith("Not a clear answer: the 95% band of the probability of death by "
                                             "180 days (")
    assert f"the estimate ({headline_percent(1 - c.at_horizons[-1])}) falls on." in said
    assert stored_close_call({"prediction": unclear, "model_id": "heart-failure", "modality": "records"}) == said
    assert stored_close_call({"prediction": clear, "model_id": "heart-failure", "modality": "records"}) is None
