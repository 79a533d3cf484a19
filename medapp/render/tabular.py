"""Tabular explanations as plotly figures: a waterfall for one patient, a beeswarm for a cohort."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import plotly.graph_objects as go

from ..types import Explanation
from .numbers import headline_percent

if TYPE_CHECKING:
    from .context import Context

TOWARD = "#c0392b"  # red: pushes toward the explained (positive) label
AWAY = "#2471a3"  # blue: pushes away from it


def _sigmoid(z: float) -> float:
    """The probability of finite log-odds `z`: never exactly 0 or 1 (1 / (1 + exp(-53.6)) is 1.0 in floats, which
    an end bar wrote as "100%")."""
    return min(max(1.0 / (1.0 + math.exp(-max(min(z, 700.0), -700.0))), 1e-12), 1 - 1e-12)


class WaterfallSpec(NamedTuple):
    """What a waterfall shows, top to bottom between its two ends: drawn by plotly on the pages and by matplotlib
    in the reports, so both show the same bars, words and numbers."""

    labels: list[str]  # the largest contribution first, then the rest summed
    deltas: list[float]
    ends: tuple[str, str]  # the base value's and the output's labels
    title: str
    axis_title: str


def waterfall_spec(expl: Explanation, max_features: int = 10, title: str | None = None,
                   percent: Callable[[float], str] | None = None, target: str | None = None,
                   rest: str = "other values") -> WaterfallSpec:
    """Contributions from the training patients' mean to this patient's output, largest at the top. The end bars
    read "training patients' mean log-odds" and "this patient: <probability>" (log-odds models; `percent` formats
    it, e.g. never rounded across a risk band boundary), or "average patient" and "this patient" with their risk
    scores (survival models, log relative hazard). `target` is
    the explained label as people read it (the card's display label: "chronic kidney disease", not "ckd")."""
    target = target or expl.target_display
    if expl.output_space == "log-odds":
        pct = percent or headline_percent
        # the start is the training patients' mean log-odds (its bar gives the number), not a patient's probability:
        # with separable classes it read "average patient: >99.9%" for a model whose patients were 62% positive
        ends = ("training patients' mean log-odds", f"this patient: {pct(_sigmoid(expl.output_value))}")
        unit = "log-odds of " + target
    else:
        what = "risk score" if expl.output_space == "log relative hazard" else expl.output_space
        ends = (f"average patient: {what} {expl.base_value:+.2f}", f"this patient: {what} {expl.output_value:+.2f}")
        unit = (f"to the risk score; + means {target}"
                if expl.output_space == "log relative hazard" else target)
    labels, deltas = _bars(expl, max_features, rest)
    if title is None and expl.output_space == "log relative hazard":
        title = RISK_WATERFALL_TITLE  # as on the survival panel
    return WaterfallSpec(labels, deltas, ends,
                         title or f"Why this estimate: contributions toward '{target}' (red) or away (blue)",
                         f"contribution ({unit})")


def waterfall(expl: Explanation, max_features: int = 10, title: str | None = None,
              percent: Callable[[float], str] | None = None, target: str | None = None) -> go.Figure:
    """The page's waterfall of one patient (`waterfall_spec` says what it shows)."""
    spec = waterfall_spec(expl, max_features, title, percent, target)
    return _drawn(expl, spec.labels, spec.deltas, spec.ends, spec.title, spec.axis_title)


def _bars(expl: Explanation, max_items: int, rest: str) -> tuple[list[str], list[float]]:
    """The largest contributions by name and value, largest first, the rest summed in one bar named `rest`."""
    names = list(expl.feature_names or [f"feature {i}" for i in range(len(expl.values))])
    display = (expl.data or {}).get("display") or [""] * len(names)
    values = np.asarray(expl.values, dtype=float)
    order = np.argsort(-np.abs(values))
    if len(order) == max_items + 1:  # one more bar names the value ("1 other value" stood in for it)
        max_items += 1
    shown, others = order[:max_items], order[max_items:]
    labels = [f"{names[i]} = {display[i]}" if display[i] else names[i] for i in shown]
    deltas = [float(values[i]) for i in shown]
    if len(others):
        labels.append(f"{len(others)} {rest[:-1] if len(others) == 1 and rest.endswith('s') else rest}")
        deltas.append(float(values[others].sum()))
    return labels, deltas


def contribution_waterfall(expl: Explanation, *, max_items: int, rest: str, ends: tuple[str, str], title: str,
                           axis_title: str, bar_px: int = 34, font_size: int = 14) -> go.Figure:
    """A horizontal waterfall from `ends[0]` (the base value) through the largest contributions (the rest summed
    in one bar named `rest`) to `ends[1]` (the output), largest at the top."""
    labels, deltas = _bars(expl, max_items, rest)
    return _drawn(expl, labels, deltas, ends, title, axis_title, bar_px, font_size)


def _drawn(expl: Explanation, labels: list[str], deltas: list[float], ends: tuple[str, str], title: str,
           axis_title: str, bar_px: int = 34, font_size: int = 14) -> go.Figure:
    # Plotly draws the first bar at the bottom; put the biggest contribution on top.
    labels, deltas = labels[::-1], deltas[::-1]
    base_text, out_text = ends
    fig = go.Figure(go.Waterfall(
        orientation="h",
        measure=["absolute"] + ["relative"] * len(deltas) + ["total"],
        y=[base_text] + labels + [out_text],
        x=[expl.base_value] + deltas + [expl.output_value],
        base=0,
        text=[f"{expl.base_value:+.2f}"] + [f"{d:+.2f}" for d in deltas] + [f"{expl.output_value:+.2f}"],
        textposition="outside", cliponaxis=False,  # a label beyond the plot area is drawn, not cut
        increasing={"marker": {"color": TOWARD}}, decreasing={"marker": {"color": AWAY}},
        totals={"marker": {"color": "#7f8c8d"}},
        connector={"line": {"color": "#bbbbbb", "width": 1}},
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    lines = _title_lines(title)
    # a long axis title on two lines: centred under bars made narrow by long value names, "contribution (to the
    # risk score; + means earlier death)" lost its end on the Cases page at 1400 px (a re-check)
    two = len(axis_title) > 40 and " (" in axis_title
    fig.update_layout(
        title="<br>".join(lines), xaxis_title=axis_title.replace(" (", "<br>(", 1) if two else axis_title,
        height=120 + bar_px * (len(labels) + 2) + 24 * (len(lines) - 1) + (22 if two else 0),
        margin={"l": 10, "r": 60, "t": 40 + 26 * len(lines), "b": 62 if two else 40}, showlegend=False,
        font={"size": font_size},
    )
    # Room on both sides for the value labels of the bars that end at the edges ("-0.51"): in a narrow plot (the
    # survival waterfall was drawn in half a column, ~170 px of bars) 0.18 of the span cut them to ").51" and "+0.0".
    path = np.concatenate([[0.0, expl.base_value], expl.base_value + np.cumsum(deltas), [expl.output_value]])
    lo, hi = float(path.min()), float(path.max())
    pad = 0.3 * max(hi - lo, 0.5)
    fig.update_xaxes(range=[lo - pad, hi + pad])
    rows = [base_text] + labels + [out_text]
    fig.update_yaxes(automargin=True, categoryorder="array", categoryarray=rows, tickvals=rows,
                     ticktext=[wrapped_label(r) for r in rows])
    return fig


def wrapped_label(text: str, width: int = 34) -> str:
    """A long bar name on two lines (the bars keep their whole names). The y axis's margin grows with its longest
    name and is cut where the figure is narrow: "...vessels coloured by fluoroscopy = 0 vessels" lost its start at
    1024 px, and the bars left beside it were too narrow for their values (an accessibility review)."""
    if len(text) <= width:
        return text
    return "<br>".join(textwrap.wrap(text, max(width, math.ceil(len(text) / 2) + 3), break_long_words=False))


def _title_lines(title: str) -> list[str]:
    """A long title on several lines: a plotly title does not wrap, and in a page's column it was cut ("...or away
    (blue"). A contributions title breaks at the colon and before "(red)", so the quoted target stays whole."""
    if len(title) <= 60:
        return [title]
    if " (red)" in title:
        return title.replace(": ", ":\n", 1).replace(" (red)", "\n(red)", 1).split("\n")
    return textwrap.wrap(title, 52)


def cohort_arrays(explanations: Sequence[Explanation], colour_by: str = "values") -> tuple[np.ndarray, np.ndarray]:
    """Contributions (n, features) of a cohort's explanations, and the values that colour them
    (`data[colour_by]`, missing as NaN). All must explain the same target with the same features."""
    if not explanations:
        raise ValueError("a beeswarm needs at least one explanation")
    first = explanations[0]
    if any(e.target != first.target or e.feature_names != first.feature_names for e in explanations):
        raise ValueError("a beeswarm needs explanations of one target over the same features")
    values = np.vstack([np.asarray(e.values, dtype=float) for e in explanations])
    X = np.array([[np.nan if v is None else v for v in e.data[colour_by]] for e in explanations], dtype=float)
    return values, X


MISSING_GREY = "#9e9e9e"


def beeswarm(explanations: Sequence[Explanation], max_features: int = 12, seed: int = 0,
             colour_by: str = "values", target: str | None = None) -> go.Figure:
    """Summary of a cohort: one dot per patient and feature, coloured by the feature's value. `target` is the
    explained label as people read it (default: the explanation's target)."""
    values, X = cohort_arrays(explanations, colour_by)
    feature_names = list(explanations[0].feature_names)
    target = target or explanations[0].target_display
    order = np.argsort(-np.abs(values).mean(axis=0))[:max_features][::-1]
    rng = np.random.default_rng(seed)
    fig = go.Figure()
    missing_shown = False
    for rank, j in enumerate(order):
        col = X[:, j]
        finite = np.isfinite(col)
        lo, hi = (np.nanpercentile(col, 5), np.nanpercentile(col, 95)) if finite.any() else (0.0, 1.0)
        colour = np.clip((np.where(finite, col, lo) - lo) / ((hi - lo) or 1.0), 0, 1)
        y = rank + rng.uniform(-0.3, 0.3, size=len(col))
        fig.add_trace(go.Scattergl(
            x=values[finite, j], y=y[finite], mode="markers",
            marker={"size": 5, "color": colour[finite], "colorscale": "RdBu_r", "cmin": 0, "cmax": 1,
                    "showscale": rank == len(order) - 1,
                    "colorbar": {"title": "feature value", "tickvals": [0, 1], "ticktext": ["low", "high"]}},
            name=feature_names[j], hovertemplate=f"{feature_names[j]}<br>contribution %{{x:+.2f}}<extra></extra>",
            showlegend=False,
        ))
        if not finite.all():
            # grey, not the colour of a low value: a cohort without cholesterol showed every dot as "low"
            fig.add_trace(go.Scattergl(
                x=values[~finite, j], y=y[~finite], mode="markers", marker={"size": 5, "color": MISSING_GREY},
                name="not measured", legendgroup="not measured", showlegend=not missing_shown,
                hovertemplate=f"{feature_names[j]} not measured<br>contribution %{{x:+.2f}}<extra></extra>"))
            missing_shown = True
    fig.update_layout(
        title=f"Cohort summary: how each value moved the estimate toward '{target}'",
        xaxis_title=f"contribution (log-odds of {target})",
        yaxis={"tickvals": list(range(len(order))), "ticktext": [feature_names[j] for j in order]},
        height=140 + 36 * len(order), margin={"l": 10, "r": 10, "t": 60, "b": 40},
        legend={"orientation": "h", "x": 0, "y": -0.12 if len(order) > 6 else -0.25, "yanchor": "top"},
    )
    fig.add_vline(x=0, line_color="#888888", line_width=1)
    return fig


RISK_WATERFALL_TITLE = "Why this risk score: contributions (log relative hazard)"


def figure(expl: Explanation, context: Context | None = None) -> go.Figure:
    """The figure for a stored tabular explanation (used by cases and reports); a time-to-event one titled as on
    its panel (Cases read "Why this estimate: contributions toward 'earlier death'" under it)."""
    return waterfall(expl, percent=context.percent if context is not None else None)
