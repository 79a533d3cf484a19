"""Figures by subgroup (sex, age band, menopausal status) from a model's out-of-fold predictions.

A model that ranks well on average can rank poorly for women or for the old; a card that gives one figure for all
patients hides that (Mitchell et al. 2019, "Model cards for model reporting": disaggregated evaluation; TRIPOD+AI
2024, item 23a: performance in key subgroups). Computed at training from the same out-of-fold predictions as the
card's headline, stored in the card (`metrics.subgroups`) and shown on the Models page. Each figure has a 95%
bootstrap interval: most subgroups here hold a few dozen patients, and the interval says how little that settles.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BOOTSTRAP = 1000
CAUTION_LEAD = "In validation this model"  # how a patient's caution from these figures begins (the page places it)
CALIBRATION_GAP = 0.05  # a group's mean prediction this far off its observed rate (and beyond chance) is said
MIN_EACH_CLASS = 5  # fewer positives or negatives (events or survivors) than this: no ranking figure for the group


@dataclass(frozen=True)
class Subgroup:
    """One way of splitting a dataset's patients: a category field, or a number field at `cuts` (band edges)."""
    field: str
    cuts: tuple[float, ...] = ()


def memberships(specs: tuple[Subgroup, ...], fields, X: np.ndarray) -> list[tuple[str, str, np.ndarray, dict]]:
    """(what splits, group name, row mask, rule) per group, in the declared order; rows without the value are a group
    of their own ("not recorded") where there are any. The rule (stored in the card) places one patient in the group
    at prediction time: {"field", "code"}, {"field", "from", "below"} (either may be None) or {"field", "missing"}."""
    names = [f.name for f in fields]
    out = []
    for spec in specs:
        field = fields[names.index(spec.field)]
        values = X[:, names.index(spec.field)]
        if field.kind == "category":
            groups = [(str(label), values == code, {"code": code}) for code, label in field.choices]
        else:
            edges = (-np.inf, *spec.cuts, np.inf)
            unit = f" {field.unit}" if field.unit and field.unit != "years" else ""
            groups = []
            for lo, hi in zip(edges[:-1], edges[1:]):
                name = (f"under {hi:g}{unit}" if lo == -np.inf else f"{lo:g}{unit} and over" if hi == np.inf
                        else f"{lo:g} to {hi - 1:g}{unit}" if field.step == 1 else f"{lo:g} to under {hi:g}{unit}")
                groups.append((name, (values >= lo) & (values < hi),
                               {"from": None if lo == -np.inf else float(lo), "below": None if hi == np.inf else float(hi)}))
        groups.append(("not recorded", np.isnan(values), {"missing": True}))
        out.extend((field.label, name, mask, {"field": field.name, **rule}) for name, mask, rule in groups if mask.any())
    return out


def in_group(rule: dict, names: list[str], values: np.ndarray) -> bool:
    """Whether one patient (values in the card's field order, NaN for not given) is in a group of `memberships`."""
    value = float(values[names.index(rule["field"])])
    if rule.get("missing"):
        return bool(np.isnan(value))
    if np.isnan(value):
        return False
    if "code" in rule:
        return value == rule["code"]
    return (rule["from"] is None or value >= rule["from"]) and (rule["below"] is None or value < rule["below"])


def _auroc(y: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def _harrell(t: np.ndarray, e: np.ndarray, risk: np.ndarray) -> float:
    from sksurv.metrics import concordance_index_censored

    return float(concordance_index_censored(e.astype(bool), t, risk)[0])


def _percentiles(values: list[float] | np.ndarray) -> list[float] | None:
    """The 2.5th and 97.5th percentiles of bootstrap values; None when under half the resamples gave one."""
    if len(values) < BOOTSTRAP // 2:
        return None
    lo, hi = np.percentile(values, [2.5, 97.5])
    return [round(float(lo), 3), round(float(hi), 3)]


def _auroc_interval(y: np.ndarray, p: np.ndarray, seed: int) -> list[float] | None:
    """AUROC over bootstrap resamples of the rows, all at once by the rank-sum formula (ties averaged, as
    scikit-learn's); resamples with fewer than 2 of either outcome are skipped."""
    from scipy.stats import rankdata

    idx = np.random.default_rng(seed).integers(0, len(y), size=(BOOTSTRAP, len(y)))
    ys, ranks = y[idx], rankdata(p[idx], axis=1)
    n1 = ys.sum(axis=1)
    n0 = len(y) - n1
    keep = (n1 >= 2) & (n0 >= 2)
    auc = ((ranks * ys).sum(axis=1)[keep] - n1[keep] * (n1[keep] + 1) / 2) / (n1[keep] * n0[keep])
    return _percentiles(auc)


def _harrell_interval(t: np.ndarray, e: np.ndarray, risk: np.ndarray, seed: int) -> list[float] | None:
    """Harrell's C over bootstrap resamples of the rows; resamples with fewer than 2 events or no patient without
    one are skipped."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, len(t), len(t))
        if e[idx].sum() >= 2 and (e[idx] == 0).any():
            values.append(_harrell(t[idx], e[idx], risk[idx]))
    return _percentiles(values)


def _binary_row(y: np.ndarray, p: np.ndarray, threshold: float, seed: int) -> dict[str, Any]:
    pos = int(y.sum())
    called = p >= threshold
    row: dict[str, Any] = {"n": int(len(y)), "n_positive": pos,
                           "observed": round(pos / len(y), 4),
                           "observed_se": round(float(np.sqrt(pos * (len(y) - pos) / len(y) ** 3)), 4),
                           "mean_predicted": round(float(p.mean()), 4),
                           "true_positive": int((called & (y == 1)).sum()),
                           "true_negative": int((~called & (y == 0)).sum())}
    if min(pos, len(y) - pos) >= MIN_EACH_CLASS:
        row["auroc"] = round(_auroc(y, p), 4)
        row["auroc_ci"] = _auroc_interval(y, p, seed)
    return row


def binary_subgroups(specs: tuple[Subgroup, ...], fields, X: np.ndarray, y: np.ndarray, p: np.ndarray,
                     threshold: float, positive: str, seed: int = 0) -> dict[str, Any]:
    """AUROC (95% bootstrap interval), sensitivity and specificity at the card's threshold, and mean predicted
    against observed rate, for all patients and each subgroup, from out-of-fold probabilities `p` of `positive`."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    rows = [{"by": "All patients", "group": "all", **_binary_row(y, p, threshold, seed)}]
    rows += [{"by": by, "group": name, "rule": rule, **_binary_row(y[mask], p[mask], threshold, seed)}
             for by, name, mask, rule in memberships(specs, fields, X)]
    _flag(rows, "auroc")
    return {"kind": "binary", "positive": positive, "threshold": threshold, "groups": rows,
            "protocol": (f"the card's out-of-fold probabilities of {positive}, split by group; AUROC with a 95% "
                         f"bootstrap interval ({BOOTSTRAP} resamples of the group's patients, seed {seed}), given "
                         f"where the group has at least {MIN_EACH_CLASS} patients of each outcome; sensitivity and "
                         f"specificity at the card's threshold ({threshold:g})"),
            "notes": _notes(rows, "auroc", "AUROC", "an", "")}


def _km_event(t: np.ndarray, e: np.ndarray, horizon: float) -> tuple[float, float]:
    """Kaplan-Meier probability of the event by `horizon`, and its standard error (Greenwood's formula)."""
    surv, greenwood = 1.0, 0.0
    for time_ in np.unique(t[(e == 1) & (t <= horizon)]):
        at_risk = np.sum(t >= time_)
        deaths = np.sum((t == time_) & (e == 1))
        surv *= 1.0 - deaths / at_risk
        greenwood += deaths / (at_risk * (at_risk - deaths)) if at_risk > deaths else 0.0
    return 1.0 - surv, surv * np.sqrt(greenwood)


def _survival_row(t, e, risk, p_main, horizon, seed) -> dict[str, Any]:
    events = int(e.sum())
    row: dict[str, Any] = {"n": int(len(t)), "n_events": events,
                           **dict(zip(("observed", "observed_se"), np.round(_km_event(t, e, horizon), 4).tolist())),
                           "mean_predicted": round(float(p_main.mean()), 4)}
    if events >= MIN_EACH_CLASS and len(t) - events >= MIN_EACH_CLASS:
        row["c_index"] = round(_harrell(t, e, risk), 4)
        row["c_index_ci"] = _harrell_interval(t, e, risk, seed)
    return row


def survival_subgroups(specs: tuple[Subgroup, ...], fields, X: np.ndarray, t: np.ndarray, e: np.ndarray,
                       risk: np.ndarray, p_main: np.ndarray, horizon: int, event: str, seed: int = 0) -> dict[str, Any]:
    """Harrell's C-index (95% bootstrap interval) and Kaplan-Meier observed against mean predicted probability of the
    event by the main horizon, for all patients and each subgroup, from out-of-fold risk scores and probabilities."""
    t, e = np.asarray(t, dtype=float), np.asarray(e, dtype=int)
    rows = [{"by": "All patients", "group": "all", **_survival_row(t, e, risk, p_main, horizon, seed)}]
    rows += [{"by": by, "group": name, "rule": rule, **_survival_row(t[m], e[m], risk[m], p_main[m], horizon, seed)}
             for by, name, m, rule in memberships(specs, fields, X)]
    _flag(rows, "c_index")
    return {"kind": "survival", "event": event, "horizon_days": horizon, "groups": rows,
            "protocol": (f"out-of-fold risk scores and probabilities of {event} by {horizon} days of the card's first "
                         "cross-validation repeat (every patient once), split by group; Harrell's C-index pooled over "
                         f"the folds with a 95% bootstrap interval ({BOOTSTRAP} resamples of the group's patients, seed "
                         f"{seed}), given where the group has at least {MIN_EACH_CLASS} events and {MIN_EACH_CLASS} "
                         f"patients without; observed is the Kaplan-Meier probability of {event} by {horizon} days"),
            "notes": _notes(rows, "c_index", "C-index", "a", f" by {_days(horizon)}")}


def _days(days: int) -> str:
    return f"{days // 365} years" if days >= 730 and days % 365 == 0 else f"{days} days"


def _flag(rows: list[dict], key: str) -> None:
    """Mark, in place, the groups ranked worse than all patients (the group's interval wholly below the all-patients
    figure: beyond what chance alone gives) and those whose average prediction is off what was observed by at least
    CALIBRATION_GAP and by more than two standard errors of the observed rate."""
    overall = rows[0].get(key)
    for r in rows[1:]:
        interval = r.get(f"{key}_ci")
        r["ranks_worse"] = bool(overall is not None and interval and interval[1] < overall)
        gap = r["mean_predicted"] - r["observed"]
        r["miscalibrated"] = bool(abs(gap) >= CALIBRATION_GAP and abs(gap) > 2 * r["observed_se"])


def _group_words(r: dict) -> str:
    return f"{r['by'][:1].lower()}{r['by'][1:]}: {r['group']}"  # "age: under 50", "menopausal status: pre"


def _ranking_words(r: dict, key: str, name: str, overall: float) -> str:
    return f"{name} {r[key]:.2f} ({r[f'{key}_ci'][0]:.2f}-{r[f'{key}_ci'][1]:.2f}) against {overall:.2f} for all patients"


def _calibration_words(r: dict, by_when: str) -> str:
    return (f"{100 * r['mean_predicted']:.0f}% predicted on average against {100 * r['observed']:.0f}% observed"
            f"{by_when} ({r['n']} patients)")


def _notes(rows: list[dict], key: str, name: str, article: str, by_when: str) -> list[str]:
    """Plain sentences for the card: groups too small for a ranking figure, and the flagged groups (`_flag`)."""
    overall = rows[0].get(key)
    notes = []
    for r in rows[1:]:
        label = f"{r['by']} {r['group']}"
        if key not in r:
            notes.append(f"{label}: too few patients of one outcome ({r['n']} patients) for {article} {name}.")
        elif r["ranks_worse"]:
            notes.append(f"{label}: {_ranking_words(r, key, name, overall)}: the model ranks these patients less well.")
        if r["miscalibrated"]:
            notes.append(f"{label}: {_calibration_words(r, by_when)}: the model "
                         f"{'overstates' if r['mean_predicted'] > r['observed'] else 'understates'} their risk.")
    return notes


def patient_cautions(subgroups: dict | None, names: list[str], values: np.ndarray) -> tuple[str, ...]:
    """What the card's figures by subgroup say about a patient in a flagged group, beside that patient's result: a
    card note on the Models page does not reach the clinician reading one estimate (the GBSG2 model overstates a
    younger woman's 5-year risk by ten points on average). At most one sentence on ranking and one on calibration,
    naming every flagged group the patient is in and the figures of the group most off."""
    if not subgroups:
        return ()
    rows = [r for r in subgroups["groups"][1:] if "rule" in r and in_group(r["rule"], names, values)]
    survival = subgroups["kind"] == "survival"
    key, name = ("c_index", "C-index") if survival else ("auroc", "AUROC")
    by_when = f" by {_days(subgroups['horizon_days'])}" if survival else ""
    out = []
    worse = [r for r in rows if r.get("ranks_worse")]
    if worse:
        r = min(worse, key=lambda r: r[key])
        out.append(f"{CAUTION_LEAD} ranked patients like this one ({'; '.join(map(_group_words, worse))}) "
                   f"less well than patients overall: {_ranking_words(r, key, name, subgroups['groups'][0][key])}.")
    off = [r for r in rows if r.get("miscalibrated")]
    if off:
        r = max(off, key=lambda r: abs(r["mean_predicted"] - r["observed"]))
        high = r["mean_predicted"] > r["observed"]
        out.append(f"{CAUTION_LEAD}'s estimates for patients like this one ({'; '.join(map(_group_words, off))}) "
                   f"were too {'high' if high else 'low'} on average: for {_group_words(r).replace(':', '')}, "
                   f"{_calibration_words(r, by_when)}. Read this estimate as likely {'too high' if high else 'too low'}.")
    return tuple(out)
