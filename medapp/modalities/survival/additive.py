"""Additive time-to-event models compiled to numpy: a risk score that is a sum of one function per
feature, and a Breslow baseline hazard, S(t | x) = exp(-H0(t) * exp(risk(x))).

Both deployable families have this form: a ridge-penalised Cox model (each term w * (g(x) - mean),
g = log(1 + x) for skewed laboratory values) and gradient-boosted Cox regression with stumps (trees
of depth one: each tree splits one feature, so the sum of trees is a step function per feature).
Because the risk is additive, its SHAP values are exact and instant (see explain.py), and scoring a
patient is a handful of array operations instead of a call into scikit-survival.

A saved model holds several members: member 0 is fitted on all rows; members 1..B on bootstrap
resamples, to draw a percentile band around the survival curve.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file


@dataclass(frozen=True)
class Member:
    """One fitted model: terms of the risk and the cumulative baseline hazard on the time grid."""

    kind: str  # "cox" | "stumps"
    offset: float
    weights: np.ndarray | None = None  # cox: (F,) per transformed unit
    centre: np.ndarray | None = None  # cox: (F,) mean of g(x) in training
    thresholds: np.ndarray | None = None  # stumps: (F, K) sorted, +inf padded
    steps: np.ndarray | None = None  # stumps: (F, K + 1) value of the term between thresholds
    cum_hazard: np.ndarray | None = None  # (G,) Breslow H0 on the grid


def transform(X: np.ndarray, log_mask: np.ndarray) -> np.ndarray:
    return np.where(log_mask, np.log1p(np.maximum(X, 0.0)), X)


def member_terms(m: Member, X: np.ndarray, log_mask: np.ndarray) -> np.ndarray:
    """(n, F) value of each feature's term of the risk for each row (X already imputed)."""
    if m.kind == "cox":
        return (transform(X, log_mask) - m.centre) * m.weights
    out = np.empty(X.shape)
    X32 = X.astype(np.float32).astype(np.float64)  # scikit-learn's trees compare float32 values with the cuts
    for j in range(X.shape[1]):
        out[:, j] = m.steps[j][np.searchsorted(m.thresholds[j], X32[:, j], side="left")]
    return out


def breslow(risk: np.ndarray, time: np.ndarray, event: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Breslow's cumulative baseline hazard for the given risk scores, evaluated on the grid."""
    order = np.argsort(time, kind="stable")
    t, e, r = time[order], event[order].astype(bool), np.exp(risk[order])
    at_risk = np.cumsum(r[::-1])[::-1]  # sum of exp(risk) over rows with time >= t_i
    uniq = np.unique(t[e])
    first = np.searchsorted(t, uniq, side="left")
    deaths = np.array([np.sum(e & (t == u)) for u in uniq], dtype=float)
    cum = np.cumsum(deaths / at_risk[first])
    idx = np.searchsorted(uniq, grid, side="right") - 1
    return np.where(idx >= 0, cum[np.clip(idx, 0, None)], 0.0)


def cox_member(X: np.ndarray, time: np.ndarray, event: np.ndarray, log_mask: np.ndarray, alpha: float,
               grid: np.ndarray) -> Member:
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    G = transform(X, log_mask)
    centre, scale = G.mean(axis=0), G.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    model = CoxPHSurvivalAnalysis(alpha=alpha, ties="breslow").fit((G - centre) / scale,
                                                                 Surv.from_arrays(event.astype(bool), time))
    m = Member("cox", 0.0, weights=model.coef_ / scale, centre=centre)
    return _with_hazard(m, X, time, event, log_mask, grid)


def stumps_member(X: np.ndarray, time: np.ndarray, event: np.ndarray, log_mask: np.ndarray, seed: int,
                  grid: np.ndarray, n_estimators: int = 200, learning_rate: float = 0.05) -> Member:
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis
    from sksurv.util import Surv

    model = GradientBoostingSurvivalAnalysis(loss="coxph", n_estimators=n_estimators, learning_rate=learning_rate,
                                             max_depth=1, subsample=0.8, random_state=seed)
    model.fit(X, Surv.from_arrays(event.astype(bool), time))
    n_features = X.shape[1]
    splits: list[list[tuple[float, float, float]]] = [[] for _ in range(n_features)]
    for tree in np.ravel(model.estimators_):
        t = tree.tree_
        if t.node_count == 1:
            continue  # a tree without a split only shifts the offset (found below)
        left, right = t.children_left[0], t.children_right[0]
        splits[t.feature[0]].append((float(t.threshold[0]), learning_rate * float(t.value[left].ravel()[0]),
                                     learning_rate * float(t.value[right].ravel()[0])))
    width = max(1, max(len({s[0] for s in sp}) for sp in splits))
    thresholds = np.full((n_features, width), np.inf)
    steps = np.zeros((n_features, width + 1))
    for j, sp in enumerate(splits):
        cuts = np.array(sorted({s[0] for s in sp}))
        thresholds[j, :len(cuts)] = cuts
        # The term's value on each interval between cuts: a point just above the lower cut represents it.
        points = np.concatenate([[-np.inf], cuts]) if len(cuts) else np.array([-np.inf])
        for k, lower in enumerate(points):
            probe = lower if np.isinf(lower) else np.nextafter(lower, np.inf)
            steps[j, k] = sum(lv if probe <= thr else rv for thr, lv, rv in sp)
        steps[j, len(points):] = steps[j, len(points) - 1]
    m = Member("stumps", 0.0, thresholds=thresholds, steps=steps)
    raw = np.asarray(model.predict(X), dtype=float)
    offset = float(np.mean(raw - member_terms(m, X, log_mask).sum(axis=1)))
    m = Member("stumps", offset, thresholds=thresholds, steps=steps)
    gap = np.max(np.abs(member_terms(m, X, log_mask).sum(axis=1) + offset - raw))
    assert gap < 1e-8, f"compiled stumps differ from scikit-survival by {gap}"
    return _with_hazard(m, X, time, event, log_mask, grid)


def _with_hazard(m: Member, X, time, event, log_mask, grid) -> Member:
    risk = member_terms(m, X, log_mask).sum(axis=1) + m.offset
    return Member(m.kind, m.offset, m.weights, m.centre, m.thresholds, m.steps, breslow(risk, time, event, grid))


@dataclass(frozen=True)
class Ensemble:
    """Member 0 (all rows) and bootstrap members; imputation values, log mask and time grid."""

    members: tuple[Member, ...]
    fill: np.ndarray  # (F,) training median / mode, used for values not given
    log_mask: np.ndarray  # (F,) bool
    grid: np.ndarray  # (G,) days
    background: np.ndarray  # (N, F) training rows (imputed) for SHAP baselines

    @property
    def main(self) -> Member:
        return self.members[0]

    def impute(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        return np.where(np.isnan(X), self.fill, X)

    def terms(self, X: np.ndarray, member: int = 0) -> np.ndarray:
        return member_terms(self.members[member], self.impute(X), self.log_mask)

    def risk(self, X: np.ndarray, member: int = 0) -> np.ndarray:
        return self.terms(X, member).sum(axis=1) + self.members[member].offset

    def survival(self, X: np.ndarray, member: int = 0) -> np.ndarray:
        """(n, G) survival probabilities on the grid."""
        h = np.exp(self.risk(X, member))[:, None] * self.members[member].cum_hazard[None, :]
        return np.exp(-h)

    @cached_property
    def _stacked(self) -> dict[str, np.ndarray]:
        """Every member's parameters in arrays with a leading member axis (one vectorised pass per patient)."""
        ms = self.members
        out = {"offset": np.array([m.offset for m in ms]), "cum_hazard": np.stack([m.cum_hazard for m in ms])}
        if self.main.kind == "cox":
            out["weights"], out["centre"] = np.stack([m.weights for m in ms]), np.stack([m.centre for m in ms])
        else:
            width = max(m.thresholds.shape[1] for m in ms)
            thr = np.full((len(ms), len(self.fill), width), np.inf)
            stp = np.zeros((len(ms), len(self.fill), width + 1))
            for b, m in enumerate(ms):
                k = m.thresholds.shape[1]
                thr[b, :, :k], stp[b, :, :k + 1], stp[b, :, k + 1:] = m.thresholds, m.steps, m.steps[:, -1:]
            out["thresholds"], out["steps"] = thr, stp
        return out

    def survival_all(self, x: np.ndarray) -> np.ndarray:
        """(members, G) survival of one patient from every member (for the bootstrap band)."""
        a = self._stacked
        x = self.impute(x)[0]
        if self.main.kind == "cox":
            terms = (transform(x, self.log_mask)[None, :] - a["centre"]) * a["weights"]
        else:
            x32 = x.astype(np.float32).astype(np.float64)
            index = (a["thresholds"] < x32[None, :, None]).sum(axis=2)  # same as searchsorted(side="left")
            terms = np.take_along_axis(a["steps"], index[:, :, None], axis=2)[:, :, 0]
        risk = terms.sum(axis=1) + a["offset"]
        return np.exp(-np.exp(risk)[:, None] * a["cum_hazard"])

    # -- safetensors round trip -----------------------------------------------------------------
    def save(self, path: Path) -> None:
        kind = self.main.kind
        arrays = {"fill": self.fill, "log_mask": self.log_mask.astype(np.float64), "grid": self.grid,
                  "background": self.background,
                  "offset": np.array([m.offset for m in self.members]),
                  "cum_hazard": np.stack([m.cum_hazard for m in self.members])}
        if kind == "cox":
            arrays["weights"] = np.stack([m.weights for m in self.members])
            arrays["centre"] = np.stack([m.centre for m in self.members])
        else:
            width = max(m.thresholds.shape[1] for m in self.members)
            F = len(self.fill)
            thr = np.full((len(self.members), F, width), np.inf)
            stp = np.zeros((len(self.members), F, width + 1))
            for b, m in enumerate(self.members):
                k = m.thresholds.shape[1]
                thr[b, :, :k] = m.thresholds
                stp[b, :, :k + 1] = m.steps
                stp[b, :, k + 1:] = m.steps[:, -1:]
            arrays["thresholds"], arrays["steps"] = thr, stp
        save_file({k: np.ascontiguousarray(v, dtype=np.float64) for k, v in arrays.items()}, str(path),
                  metadata={"kind": kind})

    @classmethod
    def load(cls, path: Path) -> Ensemble:
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as fh:
            kind = fh.metadata()["kind"]
        a = load_file(str(path))
        members = []
        for b in range(len(a["offset"])):
            if kind == "cox":
                members.append(Member("cox", float(a["offset"][b]), weights=a["weights"][b], centre=a["centre"][b],
                                      cum_hazard=a["cum_hazard"][b]))
            else:
                members.append(Member("stumps", float(a["offset"][b]), thresholds=a["thresholds"][b],
                                      steps=a["steps"][b], cum_hazard=a["cum_hazard"][b]))
        return cls(tuple(members), a["fill"], a["log_mask"].astype(bool), a["grid"], a["background"])
