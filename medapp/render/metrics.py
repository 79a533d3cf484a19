"""ROC and calibration plots from a model card's stored validation predictions."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from sklearn.metrics import roc_auc_score, roc_curve

from ..types import ModelCard


def _validation(card: ModelCard) -> tuple[np.ndarray, np.ndarray] | None:
    v = card.validation or {}
    if not v.get("y_true") or not v.get("probabilities"):
        return None
    return np.asarray(v["y_true"], dtype=int), np.asarray(v["probabilities"], dtype=float)


def roc_figure(card: ModelCard) -> go.Figure | None:
    """One ROC curve per label (one-vs-rest); a single curve for a binary model's positive label."""
    val = _validation(card)
    if val is None:
        return None
    y, P = val
    fig = go.Figure()
    targets = [card.labels.index(card.positive_label)] if card.positive_label and len(card.labels) == 2 \
        else range(len(card.labels))
    for k in targets:
        truth = (y == k).astype(int)
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = roc_curve(truth, P[:, k])
        fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines",
                                 name=f"{card.labels[k]} (AUROC {roc_auc_score(truth, P[:, k]):.3f})"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#999"},
                             name="chance", hoverinfo="skip"))
    fig.update_layout(title="ROC (validation predictions)", xaxis_title="1 - specificity",
                      yaxis_title="sensitivity", height=420, legend={"yanchor": "bottom", "y": 0.02, "x": 0.45},
                      margin={"t": 50, "b": 40, "l": 10, "r": 10})
    return fig


def calibration_figure(card: ModelCard, bins: int = 10) -> go.Figure | None:
    """Reliability diagram: mean predicted probability against observed frequency per bin."""
    val = _validation(card)
    if val is None:
        return None
    y, P = val
    if card.positive_label:  # the decision is P(positive) against a threshold, even with more labels
        k = card.labels.index(card.positive_label)
        conf, hit, what = P[:, k], (y == k).astype(float), f"P({card.labels[k]})"
    else:  # multi-class: confidence of the top label against whether it was right
        top = P.argmax(axis=1)
        conf, hit, what = P.max(axis=1), (top == y).astype(float), "confidence of the top label"
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges) - 1, 0, bins - 1)
    xs, ys, ns = [], [], []
    for b in range(bins):
        mask = idx == b
        if mask.any():
            xs.append(conf[mask].mean())
            ys.append(hit[mask].mean())
            ns.append(int(mask.sum()))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#999"},
                             name="perfect calibration", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", marker={"size": [6 + 14 * np.sqrt(n / max(ns)) for n in ns]},
                             text=[f"{n} cases" for n in ns], name="model",
                             hovertemplate="predicted %{x:.2f}<br>observed %{y:.2f}<br>%{text}<extra></extra>"))
    fig.update_layout(title=f"Calibration: {what}", xaxis_title="mean predicted probability",
                      yaxis_title="observed frequency", height=420, xaxis={"range": [0, 1]}, yaxis={"range": [0, 1]},
                      legend={"yanchor": "bottom", "y": 0.02, "x": 0.45}, margin={"t": 50, "b": 40, "l": 10, "r": 10})
    return fig
