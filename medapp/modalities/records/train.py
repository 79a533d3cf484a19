"""Train a case-record model: model selection on cross-validation (the calibration nested), Platt calibration, card.

Every reported figure comes from out-of-fold predictions; the family is chosen on the same folds, so they are slightly
optimistic (the card's protocol says so). In each outer fold the
candidate is fitted on the training part and calibrated with Platt scaling fitted on that part's
inner-fold scores only, then scored on the held-out fold. The candidate with the best outer AUROC
is refitted on all rows, calibrated on its own 5-fold out-of-fold scores, and saved with skops.
"""
from __future__ import annotations

import platform
import time
from dataclasses import replace
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from ...types import ModelCard
from ..subgroups import binary_subgroups
from .cohort_checks import category_shares
from .estimators import CANDIDATES, Calibrated, Routed, raw_score
from .io import parse_value
from .persist import save_weights
from .schema import DATASETS, Dataset, read_dataset

WEIGHTS = "model.skops"
# Missing-value training: each training row gets MASK_COPIES extra copies in which each field is hidden
# with probability MASK_RATE (same label), so every field's "not measured" state is learnt from real
# patients whose other values are known, instead of being filled with a typical (often healthy) value.
MASK_COPIES, MASK_RATE = 1, 0.5
MASKED_TEST_RATE = 0.3
# Fallback sub-models are used when they do better in cross-validation with key fields hidden in the test
# folds (mean AUROC over each key field hidden alone and all together) and lose at most this on complete rows.
FALLBACK_COMPLETE_TOLERANCE = 0.01


def value_ranges(fields, X: np.ndarray) -> dict[str, list[float]]:
    """Each number's lowest and highest value in the rows given (a field with none left out)."""
    return {f.name: [float(np.nanmin(X[:, j])), float(np.nanmax(X[:, j]))]
            for j, f in enumerate(fields) if f.kind == "number" and not np.isnan(X[:, j]).all()}


def negative_ranges(fields, X: np.ndarray, y: np.ndarray) -> dict[str, list[float]]:
    """Each number's range among the training patients without the positive label: the model says beside a
    reassuring answer when a patient's value lies beyond all of them (RecordsModel.beyond_negatives)."""
    return value_ranges(fields, X[np.asarray(y) == 0])


def encode_training(dataset: Dataset, raw) -> np.ndarray:
    """Dataset rows to model rows; unlike user input, implausible training values are kept (trees cope)."""
    X = np.full((len(raw), len(dataset.fields)), np.nan)
    for j, f in enumerate(dataset.fields):
        lenient = replace(f, min=None, max=None)
        for i, value in enumerate(raw[f.name].to_numpy()):
            X[i, j] = parse_value(lenient, value)[0]
    return X


def augment_missing(X: np.ndarray, y: np.ndarray, seed: int, copies: int = MASK_COPIES,
                    rate: float = MASK_RATE) -> tuple[np.ndarray, np.ndarray]:
    """The rows plus `copies` copies of each with fields masked at random (never all of a row)."""
    rng = np.random.default_rng(seed)
    parts, labels = [X], [y]
    for _ in range(copies):
        mask = rng.random(X.shape) < rate
        mask[mask.all(axis=1), 0] = False
        parts.append(np.where(mask, np.nan, X))
        labels.append(y)
    return np.concatenate(parts), np.concatenate(labels)


def fit(make, fields, X: np.ndarray, y: np.ndarray, seed: int, hidden: tuple[int, ...] = ()):
    """A candidate fitted on the rows and their masked copies (see MASK_COPIES), without the `hidden` fields."""
    Xa, ya = augment_missing(X, y, seed)
    Xa[:, list(hidden)] = np.nan  # a linear model leaves them out; trees never split on an all-missing field
    return make(fields, seed, hidden).fit(Xa, ya)


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _oof_scores(make, fields, X, y, folds: int, seed: int, hidden: tuple[int, ...] = ()) -> np.ndarray:
    out = np.zeros(len(y))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        out[te] = raw_score(fit(make, fields, X[tr], y[tr], seed, hidden), X[te])
    return out


class _Scores:
    """An estimator's raw score in the shape Calibrated expects (training needs no SHAP)."""

    method = ""

    def __init__(self, estimator):
        self.score = lambda X: raw_score(estimator, X)


def fallback_patterns(key: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every non-empty set of key fields that can be missing together: (ca,), (thal,), (ca, thal)."""
    return [c for r in range(1, len(key) + 1) for c in combinations(key, r)]


def fit_calibrated(make, fields, X, y, folds: int, seed: int, key: tuple[int, ...] = ()):
    """{hidden fields: (estimator, platt a, platt b)}: the full model, and with `key` a fallback sub-model per
    pattern of missing key fields, each calibrated on its own out-of-fold scores."""
    out = {}
    for hidden in [(), *fallback_patterns(key)]:
        a, b = _platt(_oof_scores(make, fields, X, y, folds, seed + 1, hidden), y)
        out[hidden] = (fit(make, fields, X, y, seed, hidden), a, b)
    return out


def calibrated_logits(models, X: np.ndarray, key: tuple[int, ...] = ()) -> np.ndarray:
    parts = {h: Calibrated(_Scores(est), a, b) for h, (est, a, b) in models.items()}
    full = parts.pop(())
    return (Routed(full, parts, key) if parts else full).logits(X)


def _nested_calibrated_oof(make, fields, X, y, folds: int, seed: int, X_test=None, key: tuple[int, ...] = ()):
    """Out-of-fold calibrated probabilities; X_test (same rows, e.g. with values hidden; one matrix or a dict
    of them) is what is scored. With `key`, rows lacking key fields are scored by fallback sub-models."""
    tests = {"": X if X_test is None else X_test} if not isinstance(X_test, dict) else X_test
    probs = {name: np.zeros(len(y)) for name in tests}
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        models = fit_calibrated(make, fields, X[tr], y[tr], folds, seed, key)
        for name, Z in tests.items():
            probs[name][te] = _sigmoid(calibrated_logits(models, Z[te], key))
    return probs if isinstance(X_test, dict) else probs[""]


def key_field_scenarios(X: np.ndarray, fields, key: tuple[int, ...], seed: int) -> dict[str, np.ndarray]:
    """The test rows as they are, with each key field hidden alone and all together, and 30% of values hidden."""
    out = {"complete": X}
    for hidden in fallback_patterns(key):
        Z = X.copy()
        Z[:, list(hidden)] = np.nan
        out[" and ".join(fields[j].name for j in hidden) + " hidden"] = Z
    hidden = np.random.default_rng(seed + 7).random(X.shape) < MASKED_TEST_RATE
    out["30% of values hidden"] = np.where(hidden, np.nan, X)
    return out


def band_table(y: np.ndarray, p: np.ndarray, bands) -> dict[str, dict[str, float]]:
    """Per risk band on validation: how many patients fall in it and how many of them had the outcome."""
    out, lower = {}, 0.0
    for upper, name in bands:
        sel = (p >= lower) & (p < upper)  # the probability itself, as the model's risk_band reads it
        out[name] = {"n": int(sel.sum()), "observed": round(float(y[sel].mean()), 3) if sel.any() else None}
        lower = upper
    return out


def calibration(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Calibration slope and intercept (logistic recalibration of the predicted log-odds; ideal 1 and 0)."""
    logit = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))
    a, b = _platt(logit, y)
    return {"slope": round(a, 3), "intercept": round(b, 3), "mean_predicted": round(float(p.mean()), 4),
            "observed": round(float(y.mean()), 4)}


def binary_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    pred = p >= threshold
    tp, tn = int(np.sum(pred & (y == 1))), int(np.sum(~pred & (y == 0)))
    return {"auroc": round(float(roc_auc_score(y, p)), 4), "accuracy": round(float(np.mean(pred == y)), 4),
            "sensitivity": round(tp / max(1, int(np.sum(y == 1))), 4),
            "specificity": round(tn / max(1, int(np.sum(y == 0))), 4),
            "brier": round(float(brier_score_loss(y, p)), 4)}


class NotMeasuredChoice(NamedTuple):
    use_fallbacks: bool
    variant: str  # "single model" or "fallback sub-models"
    scenario_metrics: dict[str, dict[str, dict[str, float]]]  # variant -> scenario -> metrics
    validation_probs: np.ndarray  # the chosen variant's out-of-fold probabilities on complete rows


def _not_measured_choice(make, fields, X: np.ndarray, y: np.ndarray, folds: int, seed: int, key: tuple[int, ...],
                         threshold: float) -> NotMeasuredChoice:
    """How the chosen family copes when values are not measured: the same folds, test patients with key fields
    or 30% of values hidden; with and without fallback sub-models for rows lacking key fields."""
    scenarios = key_field_scenarios(X, fields, key, seed)
    variants = {"single model": ()} | ({"fallback sub-models": key} if key else {})
    scenario_probs = {v: _nested_calibrated_oof(make, fields, X, y, folds, seed, scenarios, k)
                      for v, k in variants.items()}
    scenario_metrics = {v: {sc: binary_metrics(y, p, threshold) for sc, p in probs.items()}
                        for v, probs in scenario_probs.items()}

    def key_auroc(v):  # mean AUROC over the scenarios with key fields hidden
        return float(np.mean([m["auroc"] for sc, m in scenario_metrics[v].items() if sc not in
                              ("complete", "30% of values hidden")]))

    use_fallbacks = bool(key) and key_auroc("fallback sub-models") > key_auroc("single model") and (
        scenario_metrics["fallback sub-models"]["complete"]["auroc"]
        >= scenario_metrics["single model"]["complete"]["auroc"] - FALLBACK_COMPLETE_TOLERANCE)
    variant = "fallback sub-models" if use_fallbacks else "single model"
    return NotMeasuredChoice(use_fallbacks, variant, scenario_metrics, scenario_probs[variant]["complete"])


def _save(out_dir: Path, models, X: np.ndarray, fallbacks_of: Dataset | None) -> None:
    """The weights file: the full model with its Platt line, shap's background, the training means and, when
    fallback sub-models were chosen (`fallbacks_of` given), each with the key fields it was fitted without."""
    import shap

    estimator, a, b = models[()]
    # Background for shap: k-means summary (weighted centroids), not patient rows, to stay small.
    X_imputed = np.where(np.isnan(X), np.nanmedian(X, axis=0), X)
    background = shap.kmeans(X_imputed, min(10, len(X))).data
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = {"estimator": estimator, "platt_a": a, "platt_b": b, "background": background,
               "training_mean": np.nanmean(X, axis=0)}
    if fallbacks_of is not None:
        names = [f.name for f in fallbacks_of.fields]
        weights["key_fields"] = list(fallbacks_of.key_fields)
        weights["fallbacks"] = [{"hidden": [names[j] for j in hidden], "estimator": est, "platt_a": fa,
                                 "platt_b": fb} for hidden, (est, fa, fb) in models.items() if hidden]
    save_weights(weights, out_dir / WEIGHTS)


def _external_metrics(dataset: Dataset, data_dir: Path, models, key: tuple[int, ...]) -> dict[str, Any]:
    """The external site's figures, scored after every choice was made (never used to choose)."""
    ext_raw, ext_y, _ = read_dataset(dataset, data_dir, dataset.external)
    ext_X = encode_training(dataset, ext_raw)
    ext_p = _sigmoid(calibrated_logits(models, ext_X, key))
    return {
        "site": dataset.external_site,
        "n": int(len(ext_y)), "n_positive": int(ext_y.sum()), **binary_metrics(ext_y, ext_p, dataset.threshold),
        "not_measured": {f.name: int(np.isnan(ext_X[:, j]).sum()) for j, f in enumerate(dataset.fields)
                         if np.isnan(ext_X[:, j]).any()},
        "note": dataset.external_note,
        "before_not_measured_handling": dataset.previous_external[0] if dataset.previous_external else None,
        "previous_versions": list(dataset.previous_external) or None,
    }


def train(model_id: str, data_dir: Path, out_dir: Path, *, quick: bool = False, seed: int = 0) -> ModelCard:
    # One OpenMP thread: these tables have 80-800 rows, so the boosted-tree candidates' threads cost more than
    # they save (diabetes, heart-disease and kidney-disease quick runs: 13.9 s with two threads, 7.8 s with one,
    # the same probabilities), and threads spinning beside another busy process slowed training 20-fold.
    with threadpool_limits(limits=1, user_api="openmp"):
        return _train(model_id, data_dir, out_dir, quick=quick, seed=seed)


def _train(model_id: str, data_dir: Path, out_dir: Path, *, quick: bool, seed: int) -> ModelCard:
    dataset = DATASETS[model_id]
    started = time.time()
    raw, y, without_target = read_dataset(dataset, data_dir)
    X = encode_training(dataset, raw)
    fields = dataset.fields
    folds = 5
    candidates = dict(CANDIDATES)
    if quick:  # a small, fast run for tests: 80 rows, 2 folds (45 fits instead of 100 with 3: heart-disease 6.3
        # CPU-seconds instead of 13.2) and two candidates; every step of a full run is still taken
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(y), size=min(len(y), 80), replace=False))
        X, y, folds = X[keep], y[keep], 2
        candidates = {k: candidates[k] for k in list(candidates)[:1] + list(candidates)[-1:]}

    selection = {name: binary_metrics(y, _nested_calibrated_oof(make, fields, X, y, folds, seed), dataset.threshold)
                 for name, make in candidates.items()}
    best = max(selection, key=lambda n: selection[n]["auroc"])
    make = candidates[best]
    names = [f.name for f in fields]
    key = tuple(names.index(n) for n in dataset.key_fields)
    choice = _not_measured_choice(make, fields, X, y, folds, seed, key, dataset.threshold)
    use_fallbacks = choice.use_fallbacks
    scenario_metrics, chosen_variant = choice.scenario_metrics, choice.variant
    validation_probs = choice.validation_probs
    masked_metrics = scenario_metrics[chosen_variant]["30% of values hidden"]

    models = fit_calibrated(make, fields, X, y, folds, seed, key if use_fallbacks else ())
    out_dir = Path(out_dir)
    _save(out_dir, models, X, dataset if use_fallbacks else None)

    training_range = value_ranges(fields, X)
    negative_range = negative_ranges(fields, X, y)
    typical = {f.name: (float(np.nanmedian(X[:, j])) if f.kind == "number" else
                        float(np.bincount(X[~np.isnan(X[:, j]), j].astype(int)).argmax()))
               for j, f in enumerate(fields)}
    bands = [list(b) for b in dataset.risk_bands]
    metrics = {
        "summary": binary_metrics(y, validation_probs, dataset.threshold),
        "protocol": (f"{folds}-fold stratified cross-validation (seed {seed}), nested Platt calibration; "
                     f"out-of-fold predictions on {len(y)} patients ({int(y.sum())} {dataset.labels[1]}). "
                     "The family was chosen on the same folds, so figures may be slightly optimistic."
                     + (f" {without_target} row{'s' if without_target != 1 else ''} with no {dataset.target} left out."
                        if without_target else "")),
        "threshold": dataset.threshold,
        "candidates": selection,
        "chosen": best,
        "calibration": calibration(y, validation_probs),
        "risk_bands_on_validation": band_table(y, validation_probs, bands),
        "not_measured": {
            "handling": ("'Not measured' is its own state: a category has a 'not measured' level and a number a "
                         "missing-indicator beside its median fill, each with its own weight. Training adds one copy "
                         f"of every patient with each value hidden at random (probability {MASK_RATE}), so those "
                         "weights are learnt from real patients whose other values are known."
                         + (" A patient lacking a key field (" + ", ".join(dataset.key_fields) + ") is scored by a "
                            "fallback sub-model fitted and calibrated without the key fields that patient lacks, "
                            "so the other findings carry the weight they have when those tests were not done; its "
                            "explanation covers the fields it uses, and the shift from the full model's average "
                            "patient is shown as the contribution of 'not measured'." if use_fallbacks else "")),
            "cv_with_values_hidden": {"hidden_rate": MASKED_TEST_RATE, **masked_metrics},
            **({"key_fields": list(dataset.key_fields), "chosen": chosen_variant,
                "rule": ("fallback sub-models if their mean CV AUROC over the key-field-hidden scenarios beats the "
                         "single model's and complete-row AUROC drops by at most "
                         f"{FALLBACK_COMPLETE_TOLERANCE}; chosen on the training folds only"),
                "cv_scenarios": scenario_metrics} if key else {}),
        },
        "n": int(len(y)), "n_positive": int(y.sum()),
    }
    if dataset.subgroups:
        metrics["subgroups"] = binary_subgroups(dataset.subgroups, fields, X, y, validation_probs, dataset.threshold,
                                                dataset.positive_meaning, seed)
    if dataset.external and not quick:
        metrics["external"] = _external_metrics(dataset, data_dir, models, key if use_fallbacks else ())
    kind = "TreeSHAP (path-dependent)" if best.startswith("gradient") else "Exact linear SHAP (interventional)"
    card = ModelCard(
        id=model_id, name=dataset.name, version=dataset.version, modality="records",
        display_labels=dict(dataset.display_labels),
        framework=f"scikit-learn {sklearn.__version__}", task=dataset.task,
        labels=dataset.labels, positive_label=dataset.labels[1], weights=WEIGHTS,
        input={"features": [f.to_dict() for f in fields], "training_range": training_range,
               "negative_range": negative_range, "typical": typical,
               "category_shares": category_shares(fields, X),
               "positive_meaning": dataset.positive_meaning,
               "risk_bands": bands},
        data={"name": dataset.name, "citation": dataset.citation, "licence": dataset.licence, "url": dataset.url,
              "source_path": dataset.path, "external_path": dataset.external, "target": dataset.target},
        metrics=metrics,
        intended_use=("Demonstration of an explainable risk estimate for teaching and case discussion. It shows how "
                      "routinely recorded findings move a calibrated probability; it is not a diagnostic device and "
                      "must not guide the care of a patient."),
        limitations=(
            "Demonstration model trained on a small public research dataset; not validated for clinical use.",
            f"Trained on {len(y)} patients from one historical source; other populations, eras and measurement "
            "practices may differ (see the external-site figures where given).",
            "Probabilities are calibrated by Platt scaling on this dataset only; recalibrate before use elsewhere.",
            "SHAP values show how this model uses each value, not causal effects of changing it.",
            "Values outside the training range are flagged; the model's behaviour there is extrapolation.",
            *dataset.limitations,
        ),
        explanation={"method": kind, "output": "calibrated log-odds",
                     "why": ("The chosen model family admits an exact SHAP algorithm, so no sampling approximation "
                             "is needed. Platt calibration is linear in log-odds, so contributions stay exact and "
                             "add up to the calibrated logit.")},
        training={"seed": seed, "folds": folds, "quick": quick, "command": f"python -m medapp train {model_id}",
                  "seconds": round(time.time() - started, 1), "date": date.today().isoformat(),
                  "python": platform.python_version(), "candidates": list(candidates)},
        validation={"y_true": y.astype(int).tolist(),
                    "probabilities": [[round(1 - p, 5), round(p, 5)] for p in validation_probs],
                    "protocol": "out-of-fold calibrated predictions from nested cross-validation"},
    )
    card.write(out_dir)
    return ModelCard.read(out_dir / "card.json")
