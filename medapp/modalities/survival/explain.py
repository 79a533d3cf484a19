"""Exact SHAP values for the additive survival models.

- Risk score (log relative hazard): the risk is offset + sum_j f_j(x_j), so the interventional SHAP
  value of feature j against the training rows is f_j(x_j) - mean f_j(X_j) (what shap's
  LinearExplainer computes for a linear model), and base + sum of values equals the risk exactly.
- Probability of the event by a horizon t, F(t | x) = 1 - exp(-H0(t) exp(risk(x))): not additive in
  the features, so its Shapley values over time (SurvSHAP(t)-style, at the card's horizons) are
  computed exactly by enumerating all 2^F coalitions against a fixed background sample (F is 8 or
  11 here, so 256 or 2,048 coalitions: a few milliseconds). The base is the mean event probability
  over the background rows, and base + sum of values equals this patient's F(t | x) exactly.
"""
from __future__ import annotations

from math import factorial

import numpy as np

from .additive import Ensemble

MAX_EXACT_FEATURES = 14  # 16,384 coalitions; beyond that exact enumeration is too slow for a click


def risk_shap(ens: Ensemble, X: np.ndarray, mean_terms: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """(n, F) SHAP values of the risk score and its base value (mean risk over the training rows)."""
    if mean_terms is None:
        mean_terms = ens.terms(ens.background).mean(axis=0)
    return ens.terms(X) - mean_terms, float(ens.main.offset + mean_terms.sum())


def _coalitions(n_features: int) -> tuple[np.ndarray, np.ndarray]:
    masks = (np.arange(2 ** n_features)[:, None] >> np.arange(n_features)[None, :]) & 1
    sizes = masks.sum(axis=1)
    return masks.astype(float), sizes


def event_probability_shap(ens: Ensemble, x: np.ndarray, horizons: np.ndarray,
                           background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(H, F) exact Shapley values of the event probability by each horizon, and (H,) base values."""
    n_features = len(ens.fill)
    if n_features > MAX_EXACT_FEATURES:
        raise ValueError(f"{n_features} features: too many for exact enumeration")
    fx = ens.terms(x[None, :])[0]  # (F,)
    fb = ens.terms(background)  # (N, F)
    masks, sizes = _coalitions(n_features)
    # risk of each coalition against each background row: patient's terms where in, background's where out
    risk = ens.main.offset + (masks @ fx)[:, None] + (1.0 - masks) @ fb.T  # (2^F, N)
    idx = np.clip(np.searchsorted(ens.grid, horizons, side="right") - 1, 0, len(ens.grid) - 1)
    h0 = ens.main.cum_hazard[idx]  # (H,)
    value = 1.0 - np.exp(-h0[:, None, None] * np.exp(risk)[None, :, :])  # (H, 2^F, N)
    v = value.mean(axis=2)  # (H, 2^F)
    weights = np.array([factorial(s) * factorial(n_features - s - 1) / factorial(n_features)
                        for s in range(n_features)])
    phi = np.zeros((len(horizons), n_features))
    codes = np.arange(2 ** n_features)
    for j in range(n_features):
        without = codes[(codes >> j) & 1 == 0]
        phi[:, j] = ((v[:, without | (1 << j)] - v[:, without]) * weights[sizes[without]]).sum(axis=1)
    return phi, v[:, 0]
