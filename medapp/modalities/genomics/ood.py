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
    """Mahalanobis distance to the nearest centroid and residual per gene, from the genes measured (NaN: missing).

    A profile with missing genes is projected by least squares on the components restricted to its measured genes,
    and its residual averaged over those genes. Filling missing genes with the training mean instead pulled every
    profile toward the centre: five genes removed turned a profile flagged unlike every class (1.105) into a
    confident call (0.939; a browser review)."""
    Z = (np.atleast_2d(X) - space["mean"]) / space["sd"]
    comps = space["components"]
    T, resid = np.empty((len(Z), len(comps))), np.empty(len(Z))
    measured = ~np.isnan(Z)
    complete = measured.all(axis=1)
    T[complete] = Z[complete] @ comps.T
    resid[complete] = np.linalg.norm(Z[complete] - T[complete] @ comps, axis=1) / np.sqrt(Z.shape[1])
    for i in np.flatnonzero(~complete):
        seen = measured[i]
        basis = comps[:, seen]
        T[i] = np.linalg.lstsq(basis.T, Z[i, seen], rcond=None)[0]
        resid[i] = np.linalg.norm(Z[i, seen] - T[i] @ basis) / np.sqrt(max(1, seen.sum()))
    diff = T[:, None, :] - space["centroids"][None, :, :]
    maha = np.sqrt(np.einsum("nkc,cd,nkd->nk", diff, space["precision"], diff).min(axis=1))
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
