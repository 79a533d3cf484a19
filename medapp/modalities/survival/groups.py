"""Curves of a scored cohort by predicted risk group: observed Kaplan-Meier (with its 95% band, the censored
patients and the numbers at risk) when the file carries outcomes, else the mean predicted curve.

What a biostatistician reads beside a Kaplan-Meier plot: who was censored when (a curve that stays flat because
everyone left follow-up is not one that stays flat because nobody died), how many are still at risk under each
time (the right of a curve rests on a few patients), and whether the groups differ beyond chance (log-rank).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import RISK_GROUPS


@dataclass(frozen=True)
class GroupCurve:
    times: np.ndarray  # step times, starting at 0
    survival: np.ndarray  # survival after each step, starting at 1
    n: int  # patients in the group
    lower: np.ndarray | None = None  # pointwise 95% band (log-log), observed curves only
    upper: np.ndarray | None = None
    follow_up: np.ndarray | None = None  # each patient's observed time (for numbers at risk), observed only
    censored: np.ndarray | None = None  # times at which a patient left follow-up alive, observed only

    @property
    def observed(self) -> bool:
        return self.follow_up is not None

    def at(self, t: float) -> float:
        """Survival at time t (the step function's value)."""
        return float(self.survival[np.searchsorted(self.times, t, side="right") - 1])

    def at_risk(self, t: float) -> int:
        """Patients still followed (neither dead nor censored) just before time t."""
        return int((self.follow_up >= t).sum()) if self.follow_up is not None else self.n


def risk_group_curves(groups: np.ndarray, predicted: np.ndarray, grid: np.ndarray,
                      time_: np.ndarray | None = None, event: np.ndarray | None = None) -> dict[str, GroupCurve]:
    """{group: curve} for the groups present, in RISK_GROUPS order. `predicted` holds each patient's predicted
    survival on `grid`; with outcomes (`time_`, `event`) the curves are the observed Kaplan-Meier ones."""
    from sksurv.nonparametric import kaplan_meier_estimator

    out = {}
    for g in RISK_GROUPS:
        sel = groups == g
        if not sel.any():
            continue
        if time_ is None:
            out[g] = GroupCurve(np.asarray(grid), predicted[sel].mean(axis=0), int(sel.sum()))
            continue
        died, followed = event[sel].astype(bool), np.asarray(time_[sel], dtype=float)
        t, s, (lo, hi) = kaplan_meier_estimator(died, followed, conf_type="log-log")
        out[g] = GroupCurve(np.concatenate([[0.0], t]), np.concatenate([[1.0], s]), int(sel.sum()),
                            np.concatenate([[1.0], lo]), np.concatenate([[1.0], hi]), followed,
                            np.sort(followed[~died]))
    return out


def logrank(groups: np.ndarray, time_: np.ndarray, event: np.ndarray, drawn: list[str]) -> tuple[float, float] | None:
    """(chi-square, p) of the log-rank test across the drawn groups; None with fewer than two or no events."""
    from sksurv.compare import compare_survival
    from sksurv.util import Surv

    sel = np.isin(groups, drawn)
    if len(drawn) < 2 or not event[sel].astype(bool).any():
        return None
    chisq, p = compare_survival(Surv.from_arrays(event[sel].astype(bool), np.asarray(time_[sel], dtype=float)),
                                groups[sel])
    return float(chisq), float(p)
