"""ROC and calibration plots from a model card's stored validation predictions; metric names in words."""
from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go

from ..types import ModelCard

# A card's metric and candidate keys as a clinician reads them (the Models page showed "c_index", "auroc_180d",
# "cox_ridge_alpha1"); a key not listed is shown with spaces for underscores, a horizon suffix in words.
METRIC_NAMES = {
    "accuracy": "accuracy", "auroc": "AUROC", "brier": "Brier score", "c_index": "C-index (Harrell)",
    "c_index_sd": "C-index, sd over folds",
    "c_index_nested": "C-index, nested CV (the choice of model family cross-validated too)", "errors": "errors", "log_loss": "log loss", "macro_f1": "macro F1",
    "sensitivity": "sensitivity", "specificity": "specificity", "cpu_s_per_audio_s": "CPU s per s of audio",
    "wer_librivox": "word error rate, LibriVox readings", "wer_clinical_clean": "word error rate, clinical, clean",
    "wer_clinical_noisy": "word error rate, clinical, noisy",
    "wer_clinical_clean_no_vocabulary": "word error rate, clinical, clean, no vocabulary prompt",
    "wer_clinical_noisy_no_vocabulary": "word error rate, clinical, noisy, no vocabulary prompt",
    "wer_dev_clean": "word error rate, development set, clean", "wer_dev_noisy": "word error rate, development set, noisy",
    "cox_ridge_alpha1": "ridge Cox (alpha 1)", "cox_ridge_alpha10": "ridge Cox (alpha 10)",
    "boosted_cox_stumps": "boosted Cox stumps", "boosted_cox_depth2": "boosted Cox trees of depth 2",
    "random_survival_forest": "random survival forest",
    "this_model_oof_auroc_death_event": "this model, out-of-fold AUROC for DEATH_EVENT",
    "boosted_cox_stumps_same_split_c_index": "boosted Cox stumps, C-index on the same split",
    "rsf_reproduced_c_index": "random survival forest, C-index reproduced", "target_accuracy": "target accuracy",
}
_HORIZON = re.compile(r"^(auroc|brier|calibration_gap)_(\d+)d$")
_HORIZON_WORDS = {"auroc": "time-dependent AUROC", "brier": "Brier score", "calibration_gap": "calibration gap"}


def metric_name(key: str) -> str:
    if key in METRIC_NAMES:
        return METRIC_NAMES[key]
    horizon = _HORIZON.match(key)
    if horizon:
        days = int(horizon.group(2))
        years = days // 365
        when = f"{years} year{'s' if years > 1 else ''}" if days >= 365 and days % 365 == 0 else f"{days} days"
        return f"{_HORIZON_WORDS[horizon.group(1)]} at {when}"
    return key.replace("_", " ")


def anchor_line(key: str, value) -> str:
    """One item of a card's published anchor: "Macro F1: 0.638", "Published: random forest ROC AUC 0.800 ..."."""
    name = metric_name(key)
    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
    return f"{name[:1].upper()}{name[1:]}: {shown}"


HEADLINE_METRICS = ("auroc", "c_index", "accuracy", "wer_clinical_clean")  # the first a card has is its headline


def _headline_key(summary: dict) -> str | None:
    """The first of HEADLINE_METRICS the card's summary has a number for."""
    return next((k for k in HEADLINE_METRICS if isinstance(summary.get(k), (int, float))), None)


def headline_metric(card: ModelCard) -> str | None:
    """One validation figure for a model's summary (Home): "validation AUROC 0.902", "validation C-index (Harrell)
    0.727", a word error rate as a percentage; None when the card has none of them."""
    summary = card.metrics.get("summary", {})
    key = _headline_key(summary)
    if key is None:
        return None
    if key.startswith("wer_"):  # measured on held-out recordings, not a validation split
        return f"{metric_name(key)} {summary[key]:.1%}"
    # the honest figure beside the headline where the headline's model family was chosen on its own folds
    nested = f" ({summary['c_index_nested']:.3f} nested)" if key == "c_index" and "c_index_nested" in summary else ""
    return f"validation {metric_name(key)} {summary[key]:.3f}{nested}"


def headline_caveat(card: ModelCard) -> str | None:
    """Beside a near-perfect headline (0.99 or more): it says so, and where the card says why. Home showed
    "validation AUROC 1.000" bare while the caveat (classes almost separable) was only on the card (a clinicians'
    review)."""
    summary = card.metrics.get("summary", {})
    key = _headline_key(summary)
    if key is None or key.startswith("wer_") or summary[key] < 0.99:
        return None
    n = len((card.validation or {}).get("y_true") or [])
    return (f"Near-perfect on its own validation data{f' ({n} cases)' if n else ''}: expect less on other "
            "hospitals' patients (its card on *Models* says why).")


def _validation(card: ModelCard) -> tuple[np.ndarray, np.ndarray] | None:
    v = card.validation or {}
    if not v.get("y_true") or not v.get("probabilities"):
        return None
    return np.asarray(v["y_true"], dtype=int), np.asarray(v["probabilities"], dtype=float)


def roc_figure(card: ModelCard) -> go.Figure | None:
    """One ROC curve per label (one-vs-rest); a single curve for a binary model's positive label."""
    from sklearn.metrics import roc_auc_score, roc_curve  # here: importing sklearn costs the sign-in page ~1 s

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
                                 name=f"{card.display(card.labels[k])} (AUROC {roc_auc_score(truth, P[:, k]):.3f})"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#999"},
                             name="chance", hoverinfo="skip"))
    # a survival card's predictions are "event by the main horizon" for the patients whose status then is known:
    # a plain AUROC, not the table's time-dependent one (weighted for censoring), so the two differ a little
    title = "ROC (validation predictions)" if card.modality != "survival" else \
        "ROC (validation: patients with known status; plain AUROC)"
    fig.update_layout(title=title, xaxis_title="1 - specificity",
                      yaxis_title="sensitivity", height=420, legend={"yanchor": "bottom", "y": 0.02, "x": 0.45},
                      margin={"t": 50, "b": 40, "l": 10, "r": 10})
    if len(fig.data) > 8:  # many classes: beside the plot, in a figure tall enough for every entry (24 were cut)
        fig.update_layout(height=max(420, 110 + 19 * len(fig.data)), margin={"r": 10},
                          legend={"yanchor": "top", "y": 1, "x": 1.02, "xanchor": "left", "font": {"size": 11}})
    return fig


def _survival_calibration(card: ModelCard) -> go.Figure | None:
    """A time-to-event card's calibration at its main horizon: the mean predicted probability of the event against
    the Kaplan-Meier estimate, per group of out-of-fold risk, as the card's own metrics give it. Binned over the
    patients whose status at the horizon is known (the validation predictions), it left the censored out, and the
    observed fraction of events read too high: the plot showed a model under-predicting that its card calls
    calibrated (a review)."""
    main = (card.input or {}).get("main_horizon_days")
    at = ((card.metrics or {}).get("horizons") or {}).get(f"{main}d") or {}
    groups = (at.get("calibration") or {}).get("groups")
    if not groups:
        return None
    xs, ys, ns = ([g[k] for g in groups] for k in ("predicted", "observed_km", "n"))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "#999"},
                             name="perfect calibration", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", marker={"size": 14},
                             text=[f"{n} patients" for n in ns], name="model (out-of-fold, by risk group)",
                             hovertemplate="predicted %{x:.2f}<br>observed (Kaplan-Meier) %{y:.2f}<br>%{text}"
                                           "<extra></extra>"))
    event = card.display(card.positive) if card.positive_label else "event"
    fig.update_layout(title=f"Calibration: P({event}), Kaplan-Meier observed", xaxis_title="mean predicted probability",
                      yaxis_title="observed (Kaplan-Meier, censoring accounted for)", height=420,
                      xaxis={"range": [0, 1]}, yaxis={"range": [0, 1]},
                      legend={"yanchor": "bottom", "y": 0.02, "x": 0.3}, margin={"t": 50, "b": 40, "l": 10, "r": 10})
    return fig


def calibration_figure(card: ModelCard, bins: int = 10) -> go.Figure | None:
    """Reliability diagram: mean predicted probability against observed frequency per bin."""
    if card.modality == "survival":
        return _survival_calibration(card)
    val = _validation(card)
    if val is None:
        return None
    y, P = val
    if card.positive_label:  # the decision is P(positive) against a threshold, even with more labels
        k = card.labels.index(card.positive_label)
        conf, hit, what = P[:, k], (y == k).astype(float), f"P({card.display(card.labels[k])})"
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
