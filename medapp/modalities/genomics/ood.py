"""Is a profile like any training class? Distances in a PCA space of the model's genes.

Two distances, each divided by its threshold: the Mahalanobis distance (pooled within-class
covariance) to the nearest class centroid in the first principal components, and the part of the
profile the components do not explain (reconstruction residual). Thresholds are the 95th percentiles
of both on training profiles held out in cross-validation, so a score above 1 means "further from
every class than 19 in 20 unseen training-like profiles". Pure numpy at scoring time.
"""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold

PERCENTILE = 95.0


def _fit_space(X: np.ndarray, y: np.ndarray, n_components: int) -> dict[str, np.ndarray]:
    mean = X.mean(axis=0)
    sd = X.std(axis=0) + 1e-6
    Z = (X - mean) / sd
    # principal axes from the SVD of the centred, standardised profiles (deterministic up to sign)
    _, _, vt = np.linalg.svd(Z, full_matrices=False)
    comps = vt[:n_components]
    T = Z @ comps.T
    classes = np.unique(y)
    centroids = np.array([T[y == c].mean(axis=0) for c in classes])
    resid = T - centroids[np.searchsorted(classes, y)]
    cov = resid.T @ resid / max(1, len(y) - len(classes)) + 1e-6 * np.eye(n_components)
    return {"mean": mean, "sd": sd, "components": comps, "centroids": centroids,
            "precision": np.linalg.inv(cov), "threshold": np.array([1.0, 1.0])}


def _distances(space: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Z = (np.atleast_2d(X) - space["mean"]) / space["sd"]
    T = Z @ space["components"].T
    diff = T[:, None, :] - space["centroids"][None, :, :]
    maha = np.sqrt(np.einsum("nkc,cd,nkd->nk", diff, space["precision"], diff).min(axis=1))
    resid = np.linalg.norm(Z - T @ space["components"], axis=1) / np.sqrt(Z.shape[1])
    return maha, resid


def fit_ood(X: np.ndarray, y: np.ndarray, n_components: int, folds: int, seed: int) -> dict[str, np.ndarray]:
    """The check fitted on all of X, with thresholds from cross-validated (held-out) distances."""
    held = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        held.append(np.column_stack(_distances(_fit_space(X[tr], y[tr], n_components), X[te])))
    held = np.vstack(held)
    space = _fit_space(X, y, n_components)
    space["threshold"] = np.percentile(held, PERCENTILE, axis=0)
    return space


def ood_components(space: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """(n, 2): Mahalanobis distance and residual, each divided by its threshold."""
    return np.column_stack(_distances(space, X)) / space["threshold"]


def ood_scores(space: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """One score per profile; above 1 means unlike every training class."""
    return ood_components(space, X).max(axis=1)
