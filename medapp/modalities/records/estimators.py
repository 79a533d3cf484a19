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


def logistic(fields: tuple[Field, ...], C: float, seed: int) -> Pipeline:
    # One transformer per original feature so each output column maps back to its feature.
    parts = []
    for j, f in enumerate(fields):
        if f.kind == "category":
            step = make_pipeline(SimpleImputer(strategy="constant", fill_value=NOT_MEASURED),
                                 OneHotEncoder(handle_unknown="ignore", sparse_output=False))
        else:
            step = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
        parts.append((f"f{j}", step, [j]))
    pre = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=True)
    return Pipeline([("pre", pre), ("clf", LogisticRegression(C=C, max_iter=2000, random_state=seed))])


def boosted_trees(fields: tuple[Field, ...], seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_depth=3, min_samples_leaf=10,
                                          l2_regularization=1.0, random_state=seed)


CANDIDATES = {
    "logistic_regression_C0.1": lambda fields, seed: logistic(fields, 0.1, seed),
    "logistic_regression_C1": lambda fields, seed: logistic(fields, 1.0, seed),
    "gradient_boosted_trees": boosted_trees,
}


def raw_score(estimator, X: np.ndarray) -> np.ndarray:
    return np.asarray(estimator.decision_function(X), dtype=float).ravel()
