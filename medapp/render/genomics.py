"""Gene-expression explanations as plotly figures: top genes for one sample, a cohort beeswarm and a
samples-by-genes heatmap. Contributions are in the centred calibrated logit of the explained class."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from ..types import Explanation
from .tabular import beeswarm as _tabular_beeswarm
from .tabular import contribution_waterfall, wrapped_label

if TYPE_CHECKING:
    from .context import Context

UNIT = "centred logit"


def top_genes(expl: Explanation, max_genes: int = 12, title: str | None = None) -> go.Figure:
    """Waterfall from the training-average profile to this sample, the genes moving it most on top."""
    sample = f"this sample ({(expl.data or {}).get('sample', '')})".replace(" ()", "")
    return contribution_waterfall(
        expl, max_items=max_genes, rest="other genes", ends=("training average", sample),
        title=title or f"Top genes: toward '{expl.target_display}' (red) or away (blue)",
        axis_title=f"contribution ({UNIT} of {expl.target_display})", bar_px=30, font_size=13)


def beeswarm(explanations: Sequence[Explanation], max_genes: int = 15) -> go.Figure:
    """One dot per sample and gene: its contribution toward the explained class, coloured by its expression
    (z-score against the training profiles)."""
    target = explanations[0].target_display if explanations else ""
    fig = _tabular_beeswarm(explanations, max_features=max_genes, colour_by="z")
    fig.update_layout(title=f"Cohort: how each gene moved the samples toward '{target}'",
                      xaxis_title=f"contribution ({UNIT} of {target})")
    fig.update_traces(marker_colorbar_title="expression")
    return fig


def heatmap(Z: np.ndarray, samples: list[str], genes: list[str], groups: list[str] | None = None,
            title: str = "Samples by top genes", colour_title: str = "expression (z)") -> go.Figure:
    """Samples (rows, grouped by predicted class when given) by genes, diverging colours centred on 0."""
    Z = np.asarray(Z, dtype=float)
    order = np.arange(len(samples))
    if groups is not None:
        order = np.array(sorted(order, key=lambda i: (groups[i], i)))
    rows = [f"{samples[i]} · {groups[i]}" if groups is not None else samples[i] for i in order]
    lim = float(np.nanpercentile(np.abs(Z), 98)) if Z.size else 1.0
    fig = go.Figure(go.Heatmap(
        z=Z[order], x=genes, y=rows, colorscale="RdBu_r", zmid=0, zmin=-lim, zmax=lim,
        colorbar={"title": colour_title},
        hovertemplate="%{y}<br>%{x}: %{z:.2f}<extra></extra>"))
    # long row names on two lines: "simulated: genes shuffled · not classified: unlike every training class" took
    # the margin and left the map about 90 px of a 560 px figure at 1024 px (a layout review); rows then taller,
    # so two-line names do not run into their neighbours
    names = [wrapped_label(r) for r in rows]
    row_px = 30 if any("<br>" in n for n in names) else 22
    fig.update_layout(title=title, height=160 + row_px * len(rows), margin={"l": 10, "r": 10, "t": 60, "b": 80},
                      # every gene named: plotly labelled every other one of 20 at 1024 px (a review)
                      xaxis={"tickangle": -60, "tickmode": "array", "tickvals": genes, "ticktext": genes})
    fig.update_yaxes(autorange="reversed", automargin=True, tickvals=rows, ticktext=names)
    return fig


def figure(expl: Explanation, context: Context | None = None) -> go.Figure:
    """The figure for a stored gene-expression explanation (cases, meeting mode)."""
    return top_genes(expl)
