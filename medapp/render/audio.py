"""Audio figures: waveform above a log-mel spectrogram on one zoomable time axis, with overlays.

Overlays: explanation tiles (time segment x frequency band; red pushes toward the explained label,
blue away; stronger colour = larger share), the most influential segment, analysis windows, and
annotated respiratory cycles of lung recordings (crackles, wheezes). No streamlit here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..types import Explanation, Prediction
from .context import NoRenderer

if TYPE_CHECKING:
    from .context import Context

TOWARD = "192,57,43"  # red
AWAY = "36,113,163"  # blue
HIGHLIGHT = "#c0392b"  # the most influential segment's box
CYCLE_COLOURS = {"normal cycle": "rgba(127,140,141,0.10)", "crackles": "rgba(230,126,34,0.28)",
                 "wheezes": "rgba(142,68,173,0.28)", "crackles + wheezes": "rgba(192,57,43,0.30)"}


def _band_edges_to_y(edges_hz: list[float], mel_hz: list[float]) -> list[float]:
    """Frequency band edges drawn on the spectrogram's Hz axis, clipped to the mel range shown."""
    lo, hi = float(mel_hz[0]), float(mel_hz[-1])
    return [float(min(max(e, lo), hi)) for e in edges_hz]


def recording_figure(view: dict, *, explanation: Explanation | None = None, cycles=(), windows=None,
                     highlight: tuple[float, float] | None = None, title: str | None = None,
                     height: int = 560) -> go.Figure:
    """Waveform (top) and log-mel spectrogram (bottom) sharing the time axis; overlays optional."""
    # the red box named in the waveform's panel title, not beside the box: drawn there over the waveform (white
    # behind it), "most influential" hid the beats next to the box, in Meeting mode's large type most of the
    # recording's end (a layout review)
    named_box = f" · <span style='color:{HIGHLIGHT}'>red box: most influential</span>" if highlight is not None else ""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.35, 0.65],
                        subplot_titles=("Waveform" + named_box, "Log-mel spectrogram (dB)"))
    t = np.asarray(view["envelope_t"])
    lo, hi = np.asarray(view["envelope_min"]), np.asarray(view["envelope_max"])
    fig.add_trace(go.Scatter(x=np.repeat(t, 2), y=np.column_stack([lo, hi]).reshape(-1), mode="lines",
                             line={"color": "#34495e", "width": 1}, name="waveform",
                             hovertemplate="%{x:.2f} s<extra></extra>"), row=1, col=1)
    S = np.asarray(view["spectrogram_db"], dtype=float)  # (columns, mels)
    times = view["t0"] + np.arange(len(S)) * view["column_s"]
    # grey (loud is dark): the red and blue tiles on top stay visible. Over Viridis's purples and blues the tiles
    # "away" could not be seen, nor, for red-green colour blindness, the red ones (an accessibility review).
    fig.add_trace(go.Heatmap(z=S.T, x=times, y=view["mel_hz"], colorscale=[[0, "#ffffff"], [1, "#262626"]], showscale=False,
                             name="spectrogram", hovertemplate="%{x:.2f} s, %{y:.0f} Hz: %{z:.0f} dB<extra></extra>"),
                  row=2, col=1)
    if explanation is not None:
        _add_tiles(fig, explanation, view["mel_hz"])
    named = 0
    for c in cycles:
        label = c.label if hasattr(c, "label") else c["label"]
        start, end = (c.start_s, c.end_s) if hasattr(c, "start_s") else (c["start_s"], c["end_s"])
        colour = CYCLE_COLOURS.get(label, "rgba(127,140,141,0.10)")
        for row in (1, 2):
            fig.add_vrect(x0=start, x1=end, fillcolor=colour, line_width=0.5, line_color="rgba(0,0,0,0.3)",
                          row=row, col=1)
        if label != "normal cycle":  # every other name a line lower: neighbouring short cycles' names overlapped
            fig.add_annotation(x=(start + end) / 2, y=1.0 if named % 2 == 0 else 0.84, yref="y domain", text=label,
                               showarrow=False, font={"size": 11, "color": "#6c3483"},
                               bgcolor="rgba(255,255,255,0.75)", row=1, col=1)
            named += 1
    if windows and len(windows) > 1:
        for a, _end in windows:
            fig.add_vline(x=a, line_dash="dot", line_color="#7f8c8d", row=1, col=1)
    if highlight is not None:
        for row in (1, 2):
            fig.add_vrect(x0=highlight[0], x1=highlight[1], line_width=2, line_color=HIGHLIGHT,
                          fillcolor="rgba(0,0,0,0)", row=row, col=1)
    fig.update_yaxes(title_text="amplitude", row=1, col=1, fixedrange=True)
    ticks = [t for t in (25, 50, 100, 200, 400, 800, 1600, 3200) if view["mel_hz"][0] <= t <= view["mel_hz"][-1]]
    fig.update_yaxes(title_text="frequency (Hz, log scale)", type="log", tickvals=ticks, ticktext=[str(t) for t in ticks],
                     row=2, col=1)
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    # the recording's own span: plotly widens an automatic range to fit annotations, and in Meeting mode's narrow
    # column the larger "most influential" stretched a 2.1 s recording's axis to 7 s
    ends = [times[0], times[-1] + view["column_s"], *(t[[0, -1]] if len(t) else [])]
    span = [float(min(ends)), float(max(ends))]
    fig.update_xaxes(range=span, row=1, col=1)
    fig.update_xaxes(range=span, row=2, col=1)
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 40},
                      showlegend=False, title=title, font={"size": 13}, dragmode="zoom")
    return fig


def _add_tiles(fig: go.Figure, expl: Explanation, mel_hz: list[float]) -> None:
    """Explanation tiles as a semi-transparent heatmap over the spectrogram, edges in seconds and Hz."""
    data = expl.data or {}
    values = np.asarray(expl.values, dtype=float).reshape(len(data["bands"]), -1)
    offset = float(data.get("window_start_s", 0.0))
    x_edges = [offset + s[0] for s in data["segments_s"]] + [offset + data["segments_s"][-1][1]]
    y_edges = _band_edges_to_y(data["band_edges_hz"], mel_hz)
    vmax = float(np.abs(values).max()) or 1.0
    names = np.array([f"{s[0] + offset:.2f}-{s[1] + offset:.2f} s" for s in data["segments_s"]])
    text = [[f"{band}, {names[j]}: {values[i, j]:+.3f}" for j in range(values.shape[1])]
            for i, band in enumerate(data["bands"])]
    fig.add_trace(go.Heatmap(
        z=values, x=x_edges, y=y_edges, zmin=-vmax, zmax=vmax, text=text, name="contribution",
        colorscale=[[0.0, f"rgba({AWAY},0.75)"], [0.5, "rgba(255,255,255,0)"], [1.0, f"rgba({TOWARD},0.75)"]],
        colorbar={"title": {"text": f"toward<br>{expl.target_display}", "side": "right"}, "len": 0.6, "y": 0.3,
                  "thickness": 12}, hovertemplate="%{text}<extra></extra>", xgap=1, ygap=1), row=2, col=1)


def window_figure(prediction: Prediction) -> go.Figure:
    """Per-window probabilities (stacked bars) for a recording analysed in several windows."""
    windows = prediction.windows
    labels = list(prediction.labels)
    x = [f"{w.start_s:.0f}-{w.end_s:.0f} s" for w in windows]
    # Okabe-Ito, told apart with red-green colour blindness (mitral stenosis and prolapse were two blues there)
    palette = ["#009e73", "#d55e00", "#0072b2", "#cc79a7", "#e69f00"]
    fig = go.Figure([go.Bar(x=x, y=[w.probabilities[lab] for w in windows], name=lab.replace("_", " "),
                            marker_color=palette[i % len(palette)],
                            hovertemplate=f"{lab}: %{{y:.0%}}<extra></extra>") for i, lab in enumerate(labels)])
    fig.update_layout(barmode="stack", height=260, yaxis={"range": [0, 1], "tickformat": ".0%", "title": "probability"},
                      margin={"l": 10, "r": 10, "t": 30, "b": 40}, legend={"orientation": "h", "y": -0.3},
                      title="Each window on its own")
    return fig


def tile_figure(expl: Explanation) -> go.Figure:
    """The explanation alone (for reports and saved cases): the spectrogram of the explained window with tiles."""
    view = (expl.data or {}).get("view")
    if view is None:
        raise NoRenderer("this stored audio explanation holds no spectrogram view to redraw")
    data = expl.data
    return recording_figure(view, explanation=expl, highlight=tuple(data["highlight_s"]) if data.get("highlight_s")
                            else None, title=f"Time and frequency regions that moved '{expl.target_display}'", height=480)


def figure(expl: Explanation, context: Context | None = None) -> go.Figure:
    """The renderer registered for audio (medapp.render.figure): the tiles over the stored spectrogram view."""
    return tile_figure(expl)


def segment_table(expl: Explanation, k: int = 5) -> list[dict]:
    """Top contributions as rows (tile, value) for a plain table beside the figure."""
    # written as the reports write it (+1.03; the grid showed 1.0299 and dropped trailing zeros)
    return [{"where": name, "contribution": f"{value:+.3g}",
             "direction": f"toward {expl.target_display}" if value > 0 else f"away from {expl.target_display}"}
            for name, value in expl.top_contributions(k)]
