"""Image explanations: the original and the SHAP map over it, at the image's own resolution, with a colour bar.

The map an imaging model returns lives on its input grid (128x128). It is spread back over the image's
own rows and columns with the transpose of the area resize (each model pixel's contribution shared
among the pixels it was averaged from), so the drawn map and its total are exact. Large images are
shown with whole blocks of pixels summed, never stretched.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..modalities.imaging.preprocess import to_image_grid
from ..types import Explanation
from .numbers import scale_text

if TYPE_CHECKING:
    from .context import Context

MAX_SIDE = 768  # pixels sent to the browser per side; larger images are shown in blocks

# red = toward the predicted finding, blue = away; transparent near zero so the anatomy shows through
DIVERGING = [[0.0, "rgba(36,113,163,1)"], [0.35, "rgba(36,113,163,0.55)"], [0.5, "rgba(255,255,255,0)"],
             [0.65, "rgba(192,57,43,0.55)"], [1.0, "rgba(192,57,43,1)"]]
COLOUR_BAR = "SHAP per pixel<br>(log-probability)"
SATURATE_PERCENTILE = 99


def display_step(shape: tuple[int, ...]) -> int:
    return max(1, int(np.ceil(max(shape[:2]) / MAX_SIDE)))


def block_reduce(a: np.ndarray, step: int, reduce: str) -> np.ndarray:
    if step == 1:
        return a
    rows, cols = (a.shape[0] // step) * step, (a.shape[1] // step) * step
    b = a[:rows, :cols].reshape(rows // step, step, cols // step, step, *a.shape[2:])
    return b.sum(axis=(1, 3)) if reduce == "sum" else b.mean(axis=(1, 3))


def colour_limit(heat: np.ndarray) -> float:
    """The colour range of a map: the 99th percentile of |contribution|, not the maximum.

    A few extreme pixels (a gradient explainer's edges and corners) set the maximum; scaled to it, the rest
    of a radiograph's map is washed out to near-white (a CR chest: maximum 0.14, 99th percentile 0.03).
    Beyond the limit a pixel shows at full colour; hovering gives its exact value.
    """
    magnitude = np.abs(np.asarray(heat, dtype=np.float64))
    return float(np.percentile(magnitude, SATURATE_PERCENTILE)) or float(magnitude.max()) or 1.0


def colour_ticks(lim: float) -> tuple[list[float], list[str]]:
    """The colour bar's ticks: -t, 0 and t, t the largest 1, 2 or 5 x 10^k within the limit, written as the limit is.

    Plotly's own ticks did not fit the bar in the imaging page's column at 1024 px: five of them were tilted (a breast
    ultrasound at ±0.00045), and a last tick at the bar's end had half its label past the figure's edge, clipped
    (a layout review)."""
    step = 10.0 ** math.floor(math.log10(lim))
    t = max(m * step for m in (1, 2, 5) if m * step <= lim * (1 + 1e-9))  # m = 1 always qualifies
    text = scale_text(t)
    return [-t, 0.0, t], [f"\u2212{text}", "0", text]


def image_map(expl: Explanation, shape: tuple[int, int]) -> np.ndarray:
    """The explanation over an image of `shape` (rows, cols): spread from the model grid, total kept."""
    values = np.asarray(expl.values, dtype=np.float64)
    return values if values.shape == tuple(shape) else to_image_grid(values, tuple(shape))


def stored_shape(expl: Explanation) -> tuple[int, int] | None:
    data = expl.data if isinstance(expl.data, dict) else {}
    shape = data.get("image_shape")
    return (int(shape[0]), int(shape[1])) if shape and len(shape) >= 2 else None


def displayed_map(expl: Explanation, shape: tuple[int, int]) -> tuple[np.ndarray, float]:
    """The map as the page draws it over an image of `shape` (SHAP per displayed block of pixels) and its colour
    limit: the figure, and the Secondary Capture sent to a PACS (which scaled to the maximum until 2026-12-04)."""
    step = display_step(shape)
    heat = block_reduce(image_map(expl, shape), step, "sum")
    return heat, colour_limit(heat)


def heatmap(image: np.ndarray | None, expl: Explanation, opacity: float = 0.6, title: str | None = None) -> go.Figure:
    """Original on the left, SHAP map over it on the right (the image's own pixels), with a colour bar."""
    if image is None:  # redrawn without the pixels: the map alone, on a neutral ground of the image's shape
        image = np.full(stored_shape(expl) or np.asarray(expl.values).shape, 0.5)
    grey = image if image.ndim == 2 else image.mean(axis=2)
    step = display_step(grey.shape)
    shown = block_reduce(grey, step, "mean")
    heat, lim = displayed_map(expl, grey.shape)
    # two short lines over the map: on one line the two subplot titles ran together in a narrow column ("Original
    # Regions toward ..."), and under Meeting mode's large type they met the figure title (a review)
    # both titles two lines, so the two images start level ("Original" sat lower than its neighbour, a review);
    # broken after "from": "Toward (red) / away from (blue)" on one line ran past the figure's edge in the imaging
    # page's column at 1024 px (a layout review)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Original<br>image", f"Toward (red) / away from<br>(blue) "
                                                                             f"'{expl.target_display}'"),
                        horizontal_spacing=0.04)
    for col in (1, 2):
        fig.add_trace(go.Heatmap(z=shown, colorscale="gray", zmin=0, zmax=1, showscale=False, hoverinfo="skip"), 1, col)
    per = "pixel" if step == 1 else f"{step}x{step} pixel block"
    ticks, tick_text = colour_ticks(lim)
    saturates = f"<br>full colour beyond ±{scale_text(lim)}"  # full size: as <sup> it was about 8 px high
    fig.add_trace(go.Heatmap(z=heat, colorscale=DIVERGING, zmid=0, zmin=-lim, zmax=lim, opacity=opacity,
                             # under the images, across: beside them the bar and its title took a fifth of the width,
                             # so in a page column the images were about 220 px, and the bar taller than they (a review)
                             colorbar={"title": {"text": (COLOUR_BAR if step == 1 else f"SHAP per {per}<br>(log-probability)")
                                                          + saturates, "side": "top"},
                                       # its right end kept in from the figure's edge: half a tick label beyond
                                       # the end ("0.0002") was clipped there at 1024 px (a layout review)
                                       "orientation": "h", "x": 0.73, "xanchor": "center", "y": -0.03, "yanchor": "top",
                                       "len": 0.44, "thickness": 14, "tickangle": 0,
                                       "tickvals": ticks, "ticktext": tick_text,
                                       "exponentformat": "none"},  # 0.0003 like the limit, not 3e-4
                             hovertemplate=f"contribution per {per} %{{z:.2e}}<extra></extra>"), 1, 2)
    for col in (1, 2):
        fig.update_xaxes(visible=False, row=1, col=col, scaleanchor=f"y{'' if col == 1 else col}")
        fig.update_yaxes(visible=False, autorange="reversed", row=1, col=col)
    height = int(110 + 100 + 380 * min(1.6, max(0.6, grey.shape[0] / max(grey.shape[1], 1))))
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 110, "b": 100},  # title rows; the bar below
                      title={"text": title or f"{expl.method}: what moved the model toward '{expl.target_display}'",
                             "y": 0.99, "yanchor": "top"})
    return fig


def figure(expl: Explanation, context: Context | None = None) -> go.Figure:
    """The figure for a stored explanation: the map over the stored (de-identified) picture the context gives, or on
    its own."""
    return heatmap(context.picture() if context is not None and context.picture is not None else None, expl)
