"""Exact SHAP for the linear expression model, in the centred calibrated logit of a class.

The model's calibrated logits are z = W s + b, with s the expression standardised by the training
mean and standard deviation (missing genes set to the mean, s = 0). The explained output for class c
is the centred logit f_c(x) = z_c - mean_j z_j = log p_c - mean_j log p_j, which is linear in s with
weights w_c - mean_j w_j. For a linear model with independent features (interventional SHAP, the
training profiles as background) the Shapley value of gene i is exactly its weight times
(s_i - E[s_i]) = weight * s_i, because the training mean of s is 0. Base value: b_c - mean_j b_j.
"""
from __future__ import annotations

import numpy as np


def centred(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights and intercepts of the centred logits (rows: classes)."""
    return coef - coef.mean(axis=0, keepdims=True), intercept - intercept.mean()


def linear_shap(standardised: np.ndarray, coef_c: np.ndarray, intercept_c: float) -> tuple[np.ndarray, float]:
    """(n, genes) contributions toward one class and the base value; base + row sum = centred logit."""
    return np.atleast_2d(standardised) * coef_c[None, :], float(intercept_c)
