"""Time-to-event figures: a patient's survival curve with its band, contributions over time,
Kaplan-Meier curves by predicted risk group (plotly), and a static curve for reports (matplotlib)."""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..types import Explanation, SurvivalCurve
from .numbers import band_text, headline_percent

if TYPE_CHECKING:  # the curves are computed in the modality, which imports this module for its words
    from ..modalities.survival.groups import GroupCurve

CURVE, BAND = "#1f4e79", "rgba(31, 78, 121, 0.18)"
GROUP_COLOURS = {"low": "#2e86c1", "intermediate": "#e67e22", "high": "#c0392b"}
# the numbers at risk in a darker shade of their group's colour: the orange was 2.9:1 on white (an accessibility
# review); these are 4.5:1 or more
GROUP_TEXT_COLOURS = {"low": "#1f5f8b", "intermediate": "#a04d00", "high": "#a93226"}
# A risk group is a tertile of the training patients' risk scores: relative, not an absolute risk ("low" in green
# beside "42% by 5 years" read as low absolute risk), so people read the third it is.
GROUP_WORDS = {"low": "lowest third", "intermediate": "middle third", "high": "highest third"}


def risk_group_text(group: str) -> str:
    """ "lowest third of the training patients" for the group "low": the group is relative to the training
    patients, not an absolute risk, so it is worded as such (the same words on the page, Cases, Meeting mode and
    in the reports; they said "high third" there)."""
    return f"{GROUP_WORDS.get(group, group)} of the training patients"
# Series of the contributions-over-time chart: a qualitative palette without red or blue (the waterfall above it
# uses red = raises the risk, blue = lowers it), with a dash pattern per line so neighbours differ in grey too.
SERIES_COLOURS = ("#1b9e77", "#7570b3", "#a6761d", "#e6ab02", "#66a61e", "#666666", "#8e44ad", "#222222")
SERIES_DASHES = ("solid", "dash", "dot", "dashdot")


def horizon_text(h: float) -> str:
    if h >= 365 and h % 365 == 0:
        n = int(h // 365)
        return f"{n} year{'s' if n > 1 else ''}"
    return f"{h:g} days"


def horizon_rows(curve: SurvivalCurve) -> list[dict[str, str]]:
    """Probability of the event by each horizon, with the band, as table rows."""
    return [{"by": horizon_text(h), "probability": headline_percent(1 - s),
             "95% band": band_text(1 - hi, 1 - lo)}  # as the headline and reports write it
            for h, s, lo, hi in zip(curve.horizons, curve.at_horizons, curve.at_horizons_lower,
                                    curve.at_horizons_upper)]


def time_axis(ticks: list[float]) -> tuple[list[float], list[str], str]:
    """Tick labels and the axis title for times in days: in years when the ticks are whole years (GBSG2's curve read
    "by 1, 3 and 5 years" over an axis of days to 2,500: a clinicians' review), in days otherwise."""
    if len(ticks) > 1 and all(t % 365 == 0 for t in ticks) and ticks[-1] >= 730:
        return ticks, [f"{t / 365:g}" for t in ticks], "years since baseline"
    return ticks, [f"{t:g}" for t in ticks], "days since baseline"


def curve_figure(curve: SurvivalCurve, title: str | None = None) -> go.Figure:
    t = np.asarray(curve.times)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.concatenate([t, t[::-1]]),
                             y=np.concatenate([curve.upper, curve.lower[::-1]]) * 100, fill="toself",
                             fillcolor=BAND, line={"width": 0}, hoverinfo="skip", name=curve.band or "95% band"))
    fig.add_trace(go.Scatter(x=t, y=np.asarray(curve.survival) * 100, mode="lines", line={"color": CURVE, "width": 3},
                             line_shape="hv", name="estimate",
                             hovertemplate="day %{x:.0f}: %{y:.1f}% without " + curve.event + "<extra></extra>"))
    for h, s in zip(curve.horizons, curve.at_horizons):
        # the marker's label is the value where it sits (it read the probability of the event, "180 days: 55%",
        # on the point at 45% without it); the probability of the event is in the hover and the page's table
        fig.add_trace(go.Scatter(x=[h], y=[s * 100], mode="markers", marker={"size": 10, "color": CURVE},
                                 showlegend=False, name=horizon_text(h),
                                 hovertemplate=(f"{horizon_text(h)}: {s:.1%} without {curve.event}, "
                                                f"{1 - s:.1%} {curve.event}<extra></extra>")))
        # lifted clear of the curve, on a light ground over the band: a text trace's label sat on the step line
        # headline percent: "5 years: 0%" claimed a certainty the headline (">99.9%") does not (a review)
        fig.add_annotation(x=h, y=s * 100, text=f"{horizon_text(h)}: {headline_percent(s)}", showarrow=False, yshift=18,
                           # to the right, where the curve is no higher; leftward (over the earlier, higher curve)
                           # only when the label would run off the plot
                           xanchor="right" if h > 0.8 * t[-1] else "left", bgcolor="rgba(255,255,255,0.85)",
                           font={"color": CURVE})
    tickvals, ticktext, axis_title = time_axis(time_ticks(float(t[-1])))
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext)
    fig.update_layout(title=title or f"Probability of no {curve.event} over time",
                      xaxis_title=axis_title, yaxis_title=f"% without {curve.event}",
                      yaxis_range=[0, 102], height=420, margin={"l": 10, "r": 10, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": -0.2}, font={"size": 14})
    return fig


def over_time_series(expl: Explanation, max_features: int = 8) -> tuple[list[float], list[tuple[str, np.ndarray]]] | None:
    """(horizons, [(value's name, contribution in percentage points by horizon)]) of the values that move the
    probability most at some horizon; None when the explanation has no contributions over time."""
    ot = (expl.data or {}).get("over_time")
    if not ot:
        return None
    values = np.asarray(ot["values"], dtype=float) * 100  # (H, F)
    names = list(expl.feature_names or [])
    display = (expl.data or {}).get("display") or [""] * len(names)
    order = np.argsort(-np.abs(values).max(axis=0))[:max_features]
    return list(ot["horizons"]), [(f"{names[j]} = {display[j]}" if display[j] else names[j], values[:, j])
                                  for j in order]


def over_time_figure(expl: Explanation, max_features: int = 8) -> go.Figure | None:
    """Contributions to the probability of the event by each horizon (percentage points)."""
    series = over_time_series(expl, max_features)
    if series is None:
        return None
    horizons, lines = series
    fig = go.Figure()
    for n, (name, values) in enumerate(lines):
        # at their days, not evenly spaced: 30, 90 and 180 days drawn as equal steps misread the time scale
        fig.add_trace(go.Scatter(x=list(horizons), y=values, mode="lines+markers", name=name,
                                 customdata=[horizon_text(h) for h in horizons],
                                 line={"color": SERIES_COLOURS[n % len(SERIES_COLOURS)],
                                       "dash": SERIES_DASHES[(n // 2) % len(SERIES_DASHES)]},
                                 marker={"color": SERIES_COLOURS[n % len(SERIES_COLOURS)]},
                                 hovertemplate="%{customdata}: %{y:+.1f} points<extra>%{fullData.name}</extra>"))
    fig.add_hline(y=0, line_color="#888", line_width=1)
    fig.update_xaxes(tickvals=list(horizons), ticktext=[horizon_text(h) for h in horizons], range=[0, max(horizons) * 1.05])
    fig.update_layout(title="How each value moves the probability of the event, by horizon",
                      yaxis_title="contribution (percentage points)",
                      xaxis_title="horizon (time since baseline)", height=520,
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, font={"size": 14},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def km_figure(groups: dict[str, GroupCurve], event: str) -> go.Figure:
    """Kaplan-Meier curves by predicted risk group, each with its 95% band, a tick where a patient was censored
    and the numbers at risk under the axis; without outcomes, the mean predicted curve per group."""
    observed = any(c.observed for c in groups.values())
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.8, 0.2], vertical_spacing=0.08) \
        if observed else go.Figure()
    at = {"row": 1, "col": 1} if observed else {}
    for name, c in groups.items():
        colour, words = GROUP_COLOURS.get(name, "#555"), GROUP_WORDS.get(name, name)
        if c.lower is not None:
            fig.add_trace(go.Scatter(x=c.times, y=c.upper * 100, mode="lines", line_shape="hv", line={"width": 0},
                                     hoverinfo="skip", showlegend=False, legendgroup=name), **at)
            fig.add_trace(go.Scatter(x=c.times, y=c.lower * 100, mode="lines", line_shape="hv", line={"width": 0},
                                     fill="tonexty", fillcolor=_faint(colour), hoverinfo="skip", showlegend=False,
                                     legendgroup=name), **at)
        fig.add_trace(go.Scatter(x=c.times, y=np.asarray(c.survival) * 100, mode="lines", line_shape="hv",
                                 line={"color": colour, "width": 3}, name=f"{words} (n={c.n})", legendgroup=name,
                                 hovertemplate="day %{x:.0f}: %{y:.1f}%<extra>" + words + "</extra>"), **at)
        if c.censored is not None and len(c.censored):
            fig.add_trace(go.Scatter(x=c.censored, y=[c.at(t) * 100 for t in c.censored], mode="markers",
                                     marker={"symbol": "line-ns-open", "size": 9, "color": colour, "line": {"width": 2}},
                                     name="censored", legendgroup=name, showlegend=False,
                                     hovertemplate="censored at day %{x:.0f}<extra>" + words + "</extra>"), **at)
    kind = "Observed (Kaplan-Meier)" if observed else "Mean predicted"
    # censored: left follow-up without the event ("alive" was said for recurrence too: a review)
    key = f"<br><sup>shaded: 95% band; | : a patient censored (left follow-up without {event})</sup>" if observed else ""
    # on two lines: in one, the title ran past a cohort's figure at 1024 px ("...by predicted risl": a review)
    fig.update_layout(title=f"{kind} probability of no {event},<br>by predicted risk group{key}",
                      legend={"title": {"text": "risk score among training patients"}},
                      height=580 if observed else 420, margin={"l": 10, "r": 10, "t": 80 if observed else 60, "b": 40},
                      font={"size": 14})
    if not observed:
        end = max(float(np.max(c.times)) for c in groups.values())
        tickvals, ticktext, axis_title = time_axis(time_ticks(end))
        fig.update_xaxes(tickvals=tickvals, ticktext=ticktext)
        fig.update_layout(xaxis_title=axis_title, yaxis_title=f"% without {event}", yaxis_range=[0, 102])
        return fig
    fig.update_yaxes(title_text=f"% without {event}", range=[0, 102], row=1, col=1)
    ticks = time_ticks(max(float(c.follow_up.max()) for c in groups.values()))
    names = list(groups)
    for i, (name, c) in enumerate(groups.items()):
        fig.add_trace(go.Scatter(x=ticks, y=[i] * len(ticks), mode="text", text=[str(c.at_risk(t)) for t in ticks],
                                 textfont={"color": GROUP_TEXT_COLOURS.get(name, "#555"), "size": 13}, showlegend=False,
                                 hoverinfo="skip"), row=2, col=1)
    fig.update_yaxes(tickvals=list(range(len(names))), ticktext=[GROUP_WORDS.get(n, n) for n in names],
                     range=[len(names) - 0.5, -0.5], showgrid=False, zeroline=False, title_text="at risk", row=2, col=1)
    tickvals, ticktext, axis_title = time_axis(ticks)
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, row=2, col=1, title_text=axis_title)
    fig.update_xaxes(tickvals=tickvals, ticktext=ticktext, row=1, col=1)
    return fig


def time_ticks(end: float) -> list[float]:
    """Four to eight round times from 0 to `end` (days): where the numbers at risk are counted."""
    for step in (7, 14, 30, 60, 90, 180, 365, 730, 1825):
        if end / step <= 7:
            return [float(t) for t in np.arange(0, end + 1e-9, step)]
    return [float(t) for t in np.linspace(0, end, 6).round()]


def _faint(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, 0.15)"


def curve_png(curve: SurvivalCurve, width_in: float = 7.0) -> bytes:
    """The survival curve for PDF and HTML reports (no browser needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, width_in * 0.45), dpi=110)
    t = np.asarray(curve.times)
    ax.fill_between(t, np.asarray(curve.lower) * 100, np.asarray(curve.upper) * 100, step="post", color=CURVE,
                    alpha=0.18, lw=0, label="95% band")
    ax.step(t, np.asarray(curve.survival) * 100, where="post", color=CURVE, lw=2, label="estimate")
    for h, s in zip(curve.horizons, curve.at_horizons):
        ax.plot([h], [s * 100], "o", color=CURVE)
        # under the point, but above it near the floor: there "3 years: 2%" printed over the axis's numbers (a review)
        ax.annotate(f"{horizon_text(h)}: {headline_percent(s)}", (h, s * 100), textcoords="offset points",
                    xytext=(-4, 6 if s < 0.15 else -12), ha="right", fontsize=8)
    ax.set_ylim(0, 102)
    tickvals, ticktext, axis_title = time_axis(time_ticks(float(t[-1])))
    ax.set_xticks(tickvals, ticktext, fontsize=7)
    ax.set_xlabel(axis_title, fontsize=8)
    ax.set_ylabel(f"% without {curve.event}", fontsize=8)
    ax.set_title(f"Probability of no {curve.event} over time ({curve.band})", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
