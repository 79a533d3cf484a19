"""Candidate estimators for case records and their exact SHAP values in calibrated log-odds.

Both families output a raw log-odds score; Platt scaling maps it linearly (a*score + b) to the
calibrated log-odds. Because that map is linear, SHAP values of the raw score times `a` are exact
SHAP values of the calibrated log-odds, and base + sum(values) equals the calibrated logit exactly.

- logistic regression (median/mode imputation, scaling, one-hot): an additive model in the
  original features, so its interventional SHAP value per feature is the sum over that feature's
  transformed columns of w * (z - E[z]) (what shap.LinearExplainer computes), exact and instant.
- gradient-boosted trees (HistGradientBoosting, missing values native): shap.TreeExplainer
  (path-dependent TreeSHAP), exact for the tree ensemble.
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


def logistic(fields: tuple[Field, ...], C: float, seed: int) -> Pipeline:
    # One transformer per original feature so each output column maps back to its feature.
    parts = []
    for j, f in enumerate(fields):
        if f.kind == "category":
            step = make_pipeline(SimpleImputer(strategy="most_frequent"),
                                 OneHotEncoder(handle_unknown="ignore", sparse_output=False))
        else:
            step = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
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


class LinearShap:
    """Exact SHAP for the logistic pipeline, summed back onto the original features."""

    method = "Exact linear SHAP (interventional)"

    def __init__(self, pipeline: Pipeline, X_background: np.ndarray):
        pre, clf = pipeline.named_steps["pre"], pipeline.named_steps["clf"]
        self.pre, self.w = pre, clf.coef_.ravel()
        names = pre.get_feature_names_out()
        n_features = len(pre.transformers_) - (1 if pre.transformers_[-1][0] == "remainder" else 0)
        self.groups = np.array([int(n.split("__")[0][1:]) for n in names])
        self.n_features = n_features
        self.mean_z = pre.transform(X_background).mean(axis=0)
        self.base = float(self.w @ self.mean_z + clf.intercept_[0])

    def __call__(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        contrib = (self.pre.transform(X) - self.mean_z) * self.w
        out = np.zeros((X.shape[0], self.n_features))
        np.add.at(out.T, self.groups, contrib.T)
        return out, self.base


class TreeShap:
    method = "TreeSHAP (path-dependent)"

    def __init__(self, model: HistGradientBoostingClassifier):
        import shap  # imported here: loading a linear model should not pay for shap's import

        self.explainer = shap.TreeExplainer(model)
        self.base = float(np.ravel(self.explainer.expected_value)[0])

    def __call__(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        values = self.explainer.shap_values(X, check_additivity=False)
        values = np.asarray(values[1] if isinstance(values, list) else values, dtype=float)
        return values.reshape(X.shape[0], -1), self.base


def shap_for(estimator, X_background: np.ndarray):
    if isinstance(estimator, Pipeline):
        return LinearShap(estimator, X_background)
    return TreeShap(estimator)
