"""Figures by subgroup (sex, age band, menopausal status) from a model's out-of-fold predictions.

A model that ranks well on average can rank poorly for women or for the old; a card that gives one figure for all
patients hides that (Mitchell et al. 2019, "Model cards for model reporting": disaggregated evaluation; TRIPOD+AI
2024, item 23a: performance in key subgroups). Computed at training from the same out-of-fold predictions as the
card's headline, stored in the card (`metrics.subgroups`) and shown on the Models page. Each figure has a 95%
bootstrap interval: most subgroups here hold a few dozen patients, and the interval says how little that settles.

A statistician's review (2026-12-08) set how they are read. A group's AUROC or C-index is lower where its patients'
risks are closer together (a narrower range of the strongest input), whatever the model's accuracy, so an AUROC is
shown beside the one expected from the group's own predictions were they exactly right (model-based concordance, van
Klaveren et al. 2016), and no group is flagged for ranking. A group is flagged for calibration only when its gap
(mean predicted minus observed) differs from that of the other patients beyond chance, after Holm's correction over
the card's groups, by at least CALIBRATION_GAP, and the same way as its own gap of at least CALIBRATION_GAP: the whole
cohort can be off a little, and 22 groups are tested over the five cards.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BOOTSTRAP = 1000
CAUTION_LEAD = "In validation this model"  # how a patient's caution from these figures begins (the page places it)
CALIBRATION_GAP = 0.05  # a group's mean prediction at least this far off its observed rate (and beyond chance) is said
ALPHA = 0.05  # family-wise, over one card's groups (Holm)
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
                           "observed": round(pos / len(y), 4), "mean_predicted": round(float(p.mean()), 4),
                           **_binary_gap(y, p),
                           "true_positive": int((called & (y == 1)).sum()),
                           "true_negative": int((~called & (y == 0)).sum())}
    if min(pos, len(y) - pos) >= MIN_EACH_CLASS:
        row["auroc"] = round(_auroc(y, p), 4)
        row["auroc_ci"] = _auroc_interval(y, p, seed)
        row["expected_auroc"] = round(_expected_auroc(p), 4)
    return row


def _binary_gap(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Mean predicted minus observed rate, and its variance were the predictions right: sum p(1-p) / n^2 (not the
    observed rate's, which is 0 for a group of one outcome)."""
    return {"_gap": float(p.mean() - y.mean()), "_gap_var": float(np.sum(p * (1 - p))) / len(y) ** 2}


def _expected_auroc(p: np.ndarray) -> float:
    """The AUROC these predictions would reach on average if each were exactly right (outcomes drawn from them):
    the model-based c-statistic (van Klaveren D, et al. Stat Med 2016;35:3567-81), over pairs of distinct patients
    with ties counted a half."""
    order = np.argsort(p)
    q = p[order]
    # pairs (i positive, j negative) with q_i > q_j, weighted by q_i (1 - q_j); ties a half
    neg = 1.0 - q
    below = np.concatenate(([0.0], np.cumsum(neg)))[np.searchsorted(q, q, side="left")]
    tied = np.concatenate(([0.0], np.cumsum(neg)))[np.searchsorted(q, q, side="right")] - below - neg  # others tied
    concordant = float(np.sum(q * (below + 0.5 * tied)))
    total = float(np.sum(q) * np.sum(neg) - np.sum(q * neg))  # every ordered pair of distinct patients
    return concordant / total


def binary_subgroups(specs: tuple[Subgroup, ...], fields, X: np.ndarray, y: np.ndarray, p: np.ndarray,
                     threshold: float, positive: str, seed: int = 0) -> dict[str, Any]:
    """AUROC (95% bootstrap interval) beside the AUROC expected from the group's own predictions, sensitivity and
    specificity at the card's threshold, and mean predicted against observed rate, for all patients and each
    subgroup, from out-of-fold probabilities `p` of `positive`."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    groups = memberships(specs, fields, X)
    rows = [{"by": "All patients", "group": "all", **_binary_row(y, p, threshold, seed)}]
    rows += [{"by": by, "group": name, "rule": rule, **_binary_row(y[mask], p[mask], threshold, seed)}
             for by, name, mask, rule in groups]
    rest = [_binary_gap(y[~mask], p[~mask]) if (~mask).any() else None for *_, mask, _ in groups]
    _flag(rows, rest)
    return {"kind": "binary", "positive": positive, "threshold": threshold, "groups": rows,
            "protocol": (f"the card's out-of-fold probabilities of {positive}, split by group; AUROC with a 95% "
                         f"bootstrap interval ({BOOTSTRAP} resamples of the group's patients, seed {seed}), given "
                         f"where the group has at least {MIN_EACH_CLASS} patients of each outcome, beside the AUROC "
                         "expected from the group's own predictions were they exactly right (model-based "
                         "concordance); sensitivity and specificity at the card's threshold "
                         f"({threshold:g}); {CALIBRATION_RULE}"),
            "notes": _notes(rows, "AUROC", "an", "")}


def _km_event(t: np.ndarray, e: np.ndarray, horizon: float) -> tuple[float, float]:
    """Kaplan-Meier probability of the event by `horizon`, and its standard error (Greenwood's formula)."""
    surv, greenwood = 1.0, 0.0
    for time_ in np.unique(t[(e == 1) & (t <= horizon)]):
        at_risk = np.sum(t >= time_)
        deaths = np.sum((t == time_) & (e == 1))
        surv *= 1.0 - deaths / at_risk
        greenwood += deaths / (at_risk * (at_risk - deaths)) if at_risk > deaths else 0.0
    return 1.0 - surv, surv * np.sqrt(greenwood)


def _survival_gap(t: np.ndarray, e: np.ndarray, p_main: np.ndarray, horizon: int) -> dict[str, float]:
    """Mean predicted minus Kaplan-Meier probability of the event by `horizon`, and its variance (Greenwood)."""
    observed, se = _km_event(t, e, horizon)
    return {"_observed": observed, "_gap": float(p_main.mean() - observed), "_gap_var": float(se) ** 2}


def _survival_row(t, e, risk, p_main, horizon, seed) -> dict[str, Any]:
    events = int(e.sum())
    row: dict[str, Any] = {"n": int(len(t)), "n_events": events, **_survival_gap(t, e, p_main, horizon),
                           "mean_predicted": round(float(p_main.mean()), 4)}
    row["observed"] = round(row.pop("_observed"), 4)
    if events >= MIN_EACH_CLASS and len(t) - events >= MIN_EACH_CLASS:
        row["c_index"] = round(_harrell(t, e, risk), 4)
        row["c_index_ci"] = _harrell_interval(t, e, risk, seed)
    return row


def survival_subgroups(specs: tuple[Subgroup, ...], fields, X: np.ndarray, t: np.ndarray, e: np.ndarray,
                       risk: np.ndarray, p_main: np.ndarray, horizon: int, event: str, seed: int = 0) -> dict[str, Any]:
    """Harrell's C-index (95% bootstrap interval) and Kaplan-Meier observed against mean predicted probability of the
    event by the main horizon, for all patients and each subgroup, from out-of-fold risk scores and probabilities.
    No expected C-index is given: the model-based one (complete follow-up) and Harrell's (the pairs censoring lets
    compare) are not on the same footing, and heart failure's observed C stood above its expected in most groups."""
    t, e, risk = np.asarray(t, dtype=float), np.asarray(e, dtype=int), np.asarray(risk, dtype=float)
    groups = memberships(specs, fields, X)
    rows = [{"by": "All patients", "group": "all", **_survival_row(t, e, risk, p_main, horizon, seed)}]
    rows += [{"by": by, "group": name, "rule": rule, **_survival_row(t[m], e[m], risk[m], p_main[m], horizon, seed)}
             for by, name, m, rule in groups]
    rest = [_survival_gap(t[~m], e[~m], p_main[~m], horizon) if (~m).any() else None for *_, m, _ in groups]
    _flag(rows, rest)
    return {"kind": "survival", "event": event, "horizon_days": horizon, "groups": rows,
            "protocol": (f"out-of-fold risk scores and probabilities of {event} by {_days(horizon)} of the card's first "
                         "cross-validation repeat (every patient once), split by group; Harrell's C-index pooled over "
                         f"the folds with a 95% bootstrap interval ({BOOTSTRAP} resamples of the group's patients, seed "
                         f"{seed}), given where the group has at least {MIN_EACH_CLASS} events and {MIN_EACH_CLASS} "
                         f"patients without; observed is the Kaplan-Meier probability of {event} by {_days(horizon)}; "
                         f"{CALIBRATION_RULE}"),
            "notes": _notes(rows, "C-index", "a", f" by {_days(horizon)}")}


CALIBRATION_RULE = (f"a group is said to be over- or under-estimated when its gap (mean predicted minus observed) "
                    "differs from the other patients' beyond chance (two-sided z test, Holm's correction over the "
                    f"card's groups, family-wise {ALPHA:g}) and is at least {100 * CALIBRATION_GAP:g} points")


def _days(days: int) -> str:
    return f"{days // 365} years" if days >= 730 and days % 365 == 0 else f"{days} days"


def _flag(rows: list[dict], rest: list[dict | None]) -> None:
    """Test, in place, each group's calibration gap against the other patients' (`rest`, in the groups' order): the
    difference with its 95% interval and p value, Holm-adjusted over the card's groups; mark the groups over- or
    under-estimated beyond chance by at least CALIBRATION_GAP. Drops the working `_gap` fields."""
    from scipy.stats import norm

    tested = []
    for r, other in zip(rows[1:], rest):
        r["miscalibrated"] = False
        if other is None or r["_gap_var"] + other["_gap_var"] <= 0:
            continue
        diff, se = r["_gap"] - other["_gap"], float(np.sqrt(r["_gap_var"] + other["_gap_var"]))
        own_se = float(np.sqrt(r["_gap_var"]))
        r["gap"] = round(r["_gap"], 4)  # the group's own: mean predicted minus observed
        r["gap_ci"] = [round(r["_gap"] - 1.96 * own_se, 4), round(r["_gap"] + 1.96 * own_se, 4)]
        r["others_gap"] = round(other["_gap"], 4)
        r["gap_vs_others"] = round(diff, 4)
        r["gap_vs_others_ci"] = [round(diff - 1.96 * se, 4), round(diff + 1.96 * se, 4)]
        r["p_vs_others"] = float(f"{2 * norm.sf(abs(diff) / se):.4g}")
        tested.append(r)
    # Holm: the k-th smallest of m p values times (m - k), never below the one before
    running = 0.0
    for k, r in enumerate(sorted(tested, key=lambda r: r["p_vs_others"])):
        running = max(running, min(1.0, r["p_vs_others"] * (len(tested) - k)))
        r["p_vs_others_holm"] = float(f"{running:.4g}")
        # the group's own gap and its distance from the others' both this large and the same way (a re-check: +6
        # against +15 would have read "too high" and "further below"; +5.5 against +3.5 was a 2-point difference)
        r["miscalibrated"] = (running < ALPHA and abs(r["_gap"]) >= CALIBRATION_GAP
                              and abs(r["gap_vs_others"]) >= CALIBRATION_GAP and r["_gap"] * r["gap_vs_others"] > 0)
    for r in rows:
        r.pop("_gap", None)
        r.pop("_gap_var", None)


def _group_words(r: dict) -> str:
    """The group as a sentence names it: "patients aged under 50", "female patients", "patients whose menopausal
    status is pre"."""
    if r["rule"]["field"] == "age":
        return f"patients aged {r['group']}"
    if r["rule"]["field"] == "sex":
        return f"{r['group']} patients"
    return f"patients whose {r['by'][:1].lower()}{r['by'][1:]} is {r['group']}"


def _calibration_words(r: dict, by_when: str) -> str:
    """"54% predicted on average against 44% observed by 5 years (268 patients): about 10 points too high (95%
    interval 3 to 17), where the other patients' estimates were 3 points too low": the group's own gap, with the
    others' beside it (the difference of the two, 13 points, is what was tested, but 3 of them were the others')."""
    gap, others = 100 * r["gap"], 100 * r["others_gap"]
    sign = 1 if gap > 0 else -1
    lo, hi = sorted(sign * 100 * v for v in r["gap_ci"])
    word = "high" if gap > 0 else "low"
    other_word = "high" if others > 0 else "low"
    return (f"{100 * r['mean_predicted']:.0f}% predicted on average against {100 * r['observed']:.0f}% observed"
            f"{by_when} ({r['n']} patients): about {abs(gap):.0f} points too {word} (95% interval {lo:.0f} to "
            f"{hi:.0f}), where the other patients' estimates were {abs(others):.0f} point{'' if round(abs(others)) == 1 else 's'} "
            f"too {other_word}")


def _notes(rows: list[dict], name: str, article: str, by_when: str) -> list[str]:
    """Plain sentences for the card: groups too small for a ranking figure, and groups over- or under-estimated."""
    key = "auroc" if name == "AUROC" else "c_index"
    notes = []
    for r in rows[1:]:
        label = f"{r['by']} {r['group']}"
        if key not in r:
            notes.append(f"{label}: too few patients of one outcome ({r['n']} patients) for {article} {name}.")
        if r["miscalibrated"]:
            notes.append(f"{label}: {_calibration_words(r, by_when)}: the model "
                         f"{'overstates' if r['mean_predicted'] > r['observed'] else 'understates'} their risk.")
    return notes


def patient_cautions(subgroups: dict | None, names: list[str], values: np.ndarray) -> tuple[str, ...]:
    """What the card's figures by subgroup say about a patient in a group it over- or under-estimated, beside that
    patient's result: a card note on the Models page does not reach the clinician reading one estimate. Said of the
    group, with its interval, not of the patient: a group's average gap does not say how far off one estimate is.
    Nothing is said of ranking: AUROC and C-index order pairs of patients and say nothing of one."""
    if not subgroups:
        return ()
    rows = [r for r in subgroups["groups"][1:] if r.get("miscalibrated") and in_group(r["rule"], names, values)]
    if not rows:
        return ()
    survival = subgroups["kind"] == "survival"
    by_when = f" by {_days(subgroups['horizon_days'])}" if survival else ""
    said = []
    for r in rows:
        high = r["mean_predicted"] > r["observed"]
        said.append(f"{CAUTION_LEAD}'s estimates for {_group_words(r)} were too "
                    f"{'high' if high else 'low'} on average: {_calibration_words(r, by_when)}. This patient is in "
                    "that group: read the estimate with that in mind.")
    return tuple(said)
