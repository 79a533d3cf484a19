"""Candidate estimators for case records: what training fits and the loaded model scores with.

Both families output a raw log-odds score; Platt scaling maps it linearly (a*score + b) to the
calibrated log-odds (explain.py turns that into exact SHAP values).

- logistic regression (scaling, one-hot), an additive model in the original features. "Not
  measured" is a state of its own, never the value of a typical patient: a category gets a "not
  measured" column (code -1) and a number a missing-indicator column beside its median fill, both
  with their own weight learnt from training rows where the value was missing or masked
  (train.augment_missing).
- gradient-boosted trees (HistGradientBoosting, missing values native).
"""
from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .schema import Field

NOT_MEASURED = -1.0  # the category code a missing category value takes inside the logistic model


def logistic(fields: tuple[Field, ...], C: float, seed: int, hidden: tuple[int, ...] = ()) -> Pipeline:
    """`hidden`: fields the model does not use (a fallback sub-model for rows where they are not measured)."""
    # One transformer per original feature so each output column maps back to its feature.
    parts = []
    for j, f in enumerate(fields):
        if j in hidden:
            continue
        if f.kind == "category":
            step = make_pipeline(SimpleImputer(strategy="constant", fill_value=NOT_MEASURED),
                                 OneHotEncoder(handle_unknown="ignore", sparse_output=False))
        else:
            step = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
        parts.append((f"f{j}", step, [j]))
    pre = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=True)
    return Pipeline([("pre", pre), ("clf", LogisticRegression(C=C, max_iter=2000, random_state=seed))])


def boosted_trees(fields: tuple[Field, ...], seed: int, hidden: tuple[int, ...] = ()) -> HistGradientBoostingClassifier:
    # hidden fields are blanked (all NaN) before fitting by the caller, so no tree splits on them
    return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_depth=3, min_samples_leaf=10,
                                          l2_regularization=1.0, random_state=seed)


CANDIDATES = {
    "logistic_regression_C0.1": lambda fields, seed, hidden=(): logistic(fields, 0.1, seed, hidden),
    "logistic_regression_C1": lambda fields, seed, hidden=(): logistic(fields, 1.0, seed, hidden),
    "gradient_boosted_trees": boosted_trees,
}


def raw_score(estimator, X: np.ndarray) -> np.ndarray:
    return np.asarray(estimator.decision_function(X), dtype=float).ravel()


class Calibrated:
    """An explainer (score, SHAP) mapped through Platt scaling: calibrated log-odds and their SHAP values."""

    def __init__(self, explainer, a: float, b: float):
        self.explainer, self.a, self.b = explainer, float(a), float(b)
        self.method = explainer.method

    def logits(self, X: np.ndarray) -> np.ndarray:
        return self.a * self.explainer.score(X) + self.b

    def __call__(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        values, base = self.explainer(X)
        return values * self.a, self.a * base + self.b


class Routed:
    """The full model for rows with every key field measured; otherwise the fallback sub-model fitted
    without the key fields that row lacks (its own Platt calibration), so the other findings carry
    the weight they have when those tests were not done, instead of a filled-in value.

    Explanation: one base for every row (the full model's average patient). A sub-model's
    contributions are its exact linear SHAP values over the fields it uses; the difference between
    its average patient and the full model's is the contribution of "not measured", shared equally
    by the key fields that are missing. So base + sum(values) is the row's calibrated log-odds.
    """

    def __init__(self, full: Calibrated, fallbacks: dict[tuple[int, ...], Calibrated], key: tuple[int, ...]):
        self.full, self.fallbacks, self.key = full, fallbacks, tuple(key)
        self.method = full.method

    def _groups(self, X: np.ndarray):
        missing = np.isnan(X[:, list(self.key)])
        for hidden in [(), *self.fallbacks]:
            want = np.array([j in hidden for j in self.key])
            rows = np.flatnonzero((missing == want).all(axis=1))
            if len(rows):
                yield hidden, (self.fallbacks[hidden] if hidden else self.full), rows

    def logits(self, X: np.ndarray) -> np.ndarray:
        out = np.empty(len(X))
        for _, part, rows in self._groups(X):
            out[rows] = part.logits(X[rows])
        return out

    def __call__(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        _, base = self.full(X[:1])
        out = np.zeros(X.shape)
        for hidden, part, rows in self._groups(X):
            values, part_base = part(X[rows])
            if hidden:
                values[:, list(hidden)] += (part_base - base) / len(hidden)
            out[rows] = values
        return out, base
