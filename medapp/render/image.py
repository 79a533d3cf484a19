"""Image explanations: a diverging SHAP heatmap over the full-resolution image, and the original."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots

from ..types import Explanation

MAX_SIDE = 768  # pixels sent to the browser per side; larger images are shown downsampled

# red = toward the predicted finding, blue = away; transparent near zero so the anatomy shows through
DIVERGING = [[0.0, "rgba(36,113,163,1)"], [0.35, "rgba(36,113,163,0.55)"], [0.5, "rgba(255,255,255,0)"],
             [0.65, "rgba(192,57,43,0.55)"], [1.0, "rgba(192,57,43,1)"]]


def _fit(image: np.ndarray) -> np.ndarray:
    step = int(np.ceil(max(image.shape[:2]) / MAX_SIDE))
    return image[::step, ::step] if step > 1 else image


def upsample(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The 28x28 attribution map stretched smoothly to the displayed image's size."""
    t = torch.tensor(np.asarray(values, dtype=np.float32))[None, None]
    return F.interpolate(t, size=shape, mode="bilinear", align_corners=False)[0, 0].numpy()


def heatmap(image: np.ndarray | None, expl: Explanation, opacity: float = 0.6, title: str | None = None) -> go.Figure:
    """Original on the left, SHAP heatmap over it on the right, with a colour bar."""
    values = np.asarray(expl.values, dtype=np.float64)
    if image is None:  # redrawn from a stored explanation: no pixels kept, show the map on its own grid
        image = np.full(values.shape, 0.5)
    shown = _fit(image)
    grey = shown if shown.ndim == 2 else shown.mean(axis=2)
    heat = upsample(values, grey.shape)
    lim = float(np.abs(heat).max()) or 1.0
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Original", f"Regions toward (red) / away from (blue) '{expl.target}'"),
                        horizontal_spacing=0.04)
    for col in (1, 2):
        fig.add_trace(go.Heatmap(z=grey, colorscale="gray", zmin=0, zmax=1, showscale=False, hoverinfo="skip"), 1, col)
    fig.add_trace(go.Heatmap(z=heat, colorscale=DIVERGING, zmid=0, zmin=-lim, zmax=lim, opacity=opacity,
                             colorbar={"title": {"text": "SHAP<br>(log-prob)"}, "len": 0.9},
                             hovertemplate="contribution %{z:.2e}<extra></extra>"), 1, 2)
    for col in (1, 2):
        fig.update_xaxes(visible=False, row=1, col=col, scaleanchor=f"y{'' if col == 1 else col}")
        fig.update_yaxes(visible=False, autorange="reversed", row=1, col=col)
    height = int(520 * min(1.6, max(0.6, grey.shape[0] / max(grey.shape[1], 1))))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      title=title or f"{expl.method}: what moved the model toward '{expl.target}'")
    return fig


def figure(expl: Explanation) -> go.Figure:
    """The figure for a stored explanation (cases and reports keep the map, not the pixels)."""
    return heatmap(None, expl)
