"""ROC and calibration plots from a model card's stored validation predictions; metric names in words."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
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


BOOTSTRAP_RESAMPLES = 2000


def _bootstrap_auroc(truth: np.ndarray, score: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """AUROC of each resample (rows of `idx`), by the rank-sum formula with ties averaged; NaN where a resample
    holds one class only."""
    from scipy.stats import rankdata

    y, s = truth[idx], score[idx]
    ranks = rankdata(s, axis=1)
    n1 = y.sum(axis=1)
    n0 = y.shape[1] - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((ranks * y).sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)


def validation_intervals(card: ModelCard) -> dict[str, str]:
    """95% intervals of a card's headline figures from its stored validation predictions: "auroc" -> "0.858-0.940".
    No card gave an interval beside its figures (a quality auditor's review, against TRIPOD+AI). A model with a
    positive label (yes/no, or one class against the rest: malignant): AUROC by bootstrap (2,000 resamples, seed
    0), and sensitivity, specificity and accuracy at the card's threshold by the exact binomial (Clopper-Pearson:
    63 of 63 right is 0.943-1.000, where a bootstrap says 1.000-1.000); others: accuracy of the most probable class.
    They measure the sampling spread of these predictions only, not the optimism of a choice made on them nor how
    another hospital's patients differ. {} where the card stores no validation predictions (survival cards give the
    C-index's spread over folds instead). Kept per card text: the Models page asks on every run."""
    val = _validation(card)
    if val is None or card.modality == "survival":
        return {}
    key = card.text()
    if key not in _INTERVALS:
        _INTERVALS[key] = _intervals(card, *val)
    return _INTERVALS[key]


_INTERVALS: dict[str, dict[str, str]] = {}


def _exact(k: int, n: int) -> str:
    from scipy.stats import binomtest

    if n == 0:
        return ""
    ci = binomtest(int(k), int(n)).proportion_ci(0.95, method="exact")
    return f"{ci.low:.3f}-{ci.high:.3f}"


def _intervals(card: ModelCard, y: np.ndarray, P: np.ndarray) -> dict[str, str]:
    out = {}
    if card.positive_label in card.labels and "threshold" in card.metrics:
        k = card.labels.index(card.positive_label)
        truth, score = (y == k).astype(int), P[:, k]
        idx = np.random.default_rng(0).integers(0, len(y), size=(BOOTSTRAP_RESAMPLES, len(y)))
        lo, hi = np.nanpercentile(_bootstrap_auroc(truth, score, idx), [2.5, 97.5])
        out["auroc"] = f"{lo:.3f}-{hi:.3f}"
        called = score >= card.threshold
        out["sensitivity"] = _exact(np.sum(called & (truth == 1)), np.sum(truth == 1))
        out["specificity"] = _exact(np.sum(~called & (truth == 0)), np.sum(truth == 0))
        out["accuracy"] = _exact(np.sum(called == (truth == 1)), len(truth))
    else:
        out["accuracy"] = _exact(np.sum(P.argmax(axis=1) == y), len(y))
    return {k: v for k, v in out.items() if v}


INTERVALS_CAPTION = ("95% intervals from the validation predictions stored in the card: AUROC by bootstrap (2,000 "
                     "resamples), sensitivity, specificity and accuracy exact binomial (Clopper-Pearson); for a model "
                     "with a positive label, of that label against the rest at the card's threshold. They give the "
                     "spread of these predictions only: not the optimism of choices made on them, nor how another "
                     "hospital's patients differ; each image or patient counts alone, so they are too narrow where "
                     "one patient gave several images; 1.000-1.000 means every resample was separated perfectly, not "
                     "that the model is certain.")


def summary_table(card: ModelCard) -> pd.DataFrame:
    """A card's validation figures in words, one row, and their 95% intervals as a second where the card's
    predictions give them (`validation_intervals`)."""
    summary = card.metrics.get("summary", {})
    shown = {metric_name(k): (f"{v:.4g}" if isinstance(v, float) else str(v)) for k, v in summary.items()}
    intervals = validation_intervals(card)
    if not intervals:
        return pd.DataFrame([shown], index=["validation"])
    return pd.DataFrame([shown, {metric_name(k): intervals.get(k, "") for k in summary}],
                        index=["validation", "95% interval"])
