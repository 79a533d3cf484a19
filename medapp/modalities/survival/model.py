"""A loaded time-to-event model: survival curve with a bootstrap band, event probabilities by
horizon, a risk score, and exact SHAP of the risk and of the event probability over time."""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ...types import Explanation, InputError, ModelCard, Prediction, SurvivalCurve
from ..base import CardModel, kernel_shap
from ..records.io import PatientInputs, Record, records_in_file
from ..records.schema import Field, fields_from_card, format_value
from ..subgroups import patient_cautions
from .additive import Ensemble
from .explain import event_probability_shap, risk_shap
from .io import MEDIAN_FILL, SurvivalCohort, cohort, patient

BACKGROUND_ROWS = 48  # background sample for the exact Shapley values over time
RISK_GROUPS = ("low", "intermediate", "high")


class SurvivalModel(PatientInputs, CardModel):
    def __init__(self, card: ModelCard):
        if len(card.labels) != 2 or card.positive != card.labels[1]:  # refused at load, not at the first patient
            raise ValueError(f"model card {card.id}: a survival model has two labels, the second its positive label")
        self.card = card
        self.fields: tuple[Field, ...] = fields_from_card(card.input["features"])
        self._names = [f.name for f in self.fields]
        self.training_range: dict[str, list[float]] = card.input.get("training_range", {})
        self.ensemble = Ensemble.load(card.weights_path)
        self.horizons = np.asarray(card.input["horizons_days"], dtype=float)
        self.main_horizon = float(card.input["main_horizon_days"])
        self.event = card.input["event"]
        self.outcome_columns = list(card.input.get("outcome_columns", ()))
        self.cuts = np.asarray(card.input["risk_group_cuts"], dtype=float)
        bg = self.ensemble.background
        self.shap_background = bg[np.linspace(0, len(bg) - 1, min(BACKGROUND_ROWS, len(bg))).astype(int)]
        self._h_idx = np.clip(np.searchsorted(self.ensemble.grid, self.horizons, side="right") - 1, 0, None)
        self._mean_terms = self.ensemble.terms(bg).mean(axis=0)  # SHAP baseline of the risk: training mean
        self.method = "Exact SHAP (additive risk)"

    # -- scoring -------------------------------------------------------------------------------
    def risk_group(self, risk: np.ndarray) -> np.ndarray:
        return np.asarray(RISK_GROUPS)[np.searchsorted(self.cuts, risk, side="right")]

    def curve(self, values: np.ndarray) -> SurvivalCurve:
        ens = self.ensemble
        x = values[None, :]
        every = ens.survival_all(x)  # (members, G)
        s = every[0]
        boot = every[1:] if len(every) > 1 else every
        lower, upper = np.percentile(boot, [2.5, 97.5], axis=0)
        lower, upper = np.minimum(lower, s), np.maximum(upper, s)  # the estimate always lies in its band
        risk = float(ens.risk(x)[0])
        i = self._h_idx
        return SurvivalCurve(
            event=self.event, times=ens.grid, survival=s, lower=lower, upper=upper,
            horizons=tuple(float(h) for h in self.horizons), at_horizons=s[i], at_horizons_lower=lower[i],
            at_horizons_upper=upper[i], main_horizon=self.main_horizon, risk_score=risk,
            risk_group=str(self.risk_group(np.array([risk]))[0]),
            band=f"95% bootstrap percentile band ({len(boot)} refits on resampled patients)")

    def predict(self, x: Record) -> Prediction:
        curve = self.curve(x.values)
        main = list(curve.horizons).index(self.main_horizon)
        p_event = 1.0 - float(curve.at_horizons[main])
        # the more likely of the two outcomes at the main horizon (what `predict --json`'s label promises): by its
        # definition a half, not a threshold tuned on validation
        label = self.card.positive if p_event >= 0.5 else self.card.labels[0]
        warnings = x.warnings
        missing = np.isnan(x.values)
        if missing.any():
            warnings = (*warnings, self.missing_range_text(x.values, missing, p_event))
        # the widest band of any horizon, not only the main one's: a woman of 30 read 99.9% by 5 years with 16% to
        # 77% by 1 year and not a word (a review); a CPK of 7861 gave 20% (15% to 92%) and not a word about it
        width, horizon, low, high = max(
            (float(hi_s - lo_s), float(h), 1.0 - float(hi_s), 1.0 - float(lo_s))
            for h, lo_s, hi_s in zip(curve.horizons, curve.at_horizons_lower, curve.at_horizons_upper))
        if width > WIDE_BAND:
            warnings = (*warnings, wide_band_text(self.event, horizon, low, high, self.rare_values(x.values)))
        warnings = (*warnings, *patient_cautions(self.card.metrics.get("subgroups"), self._names, x.values))
        return Prediction(self.card.id, self.card.version, self.card.labels, np.array([1.0 - p_event, p_event]),
                          label, warnings, details={"risk_group": curve.risk_group}, survival=curve)

    def rare_values(self, values: np.ndarray) -> list[str]:
        """The given numbers that fewer than RARE of the training patients reach (at or beyond them, either way), as
        "Creatine phosphokinase (CPK) 7861 mcg/L": where the refits on resampled patients disagree most. The
        explanation's bar for such a value can be small (CPK 7861 got +0.01, as 253 did), so the warning names it."""
        bg, named = self.ensemble.background, []
        for i, f in enumerate(self.fields):
            v = values[i]
            if f.kind == "category" or math.isnan(v):
                continue
            seen = bg[:, i][~np.isnan(bg[:, i])]
            if len(seen) and min(np.mean(seen <= v), np.mean(seen >= v)) < RARE:
                named.append(f"{f.label} {format_value(f, v)}")
        return named

    def filled_rows(self, values: np.ndarray, missing: np.ndarray) -> np.ndarray:
        """The patient once per training patient, the values not measured taking, together, that patient's."""
        rows = np.repeat(values[None, :], len(self.ensemble.background), axis=0)
        rows[:, missing] = self.ensemble.background[:, missing]
        return rows

    def filled_probabilities(self, rows: np.ndarray) -> np.ndarray:
        """The probability of the event by the main horizon for each of `filled_rows` (the estimate itself uses the
        median)."""
        at = self._h_idx[list(self.horizons).index(self.main_horizon)]
        return 1.0 - self.ensemble.survival(rows)[:, at]

    def missing_range_text(self, values: np.ndarray, missing: np.ndarray, estimate: float) -> str:
        """What not knowing the values costs, in the estimate's own terms: a missing ejection fraction gave the
        same estimate and band as a measured median one, beside a warning that the estimate was "less certain"
        (a browser review)."""
        from ...render.numbers import headline_percent
        from ...render.survival import horizon_text

        rows = self.filled_rows(values, missing)  # built once: the range and the risk groups below both read them
        filled = self.filled_probabilities(rows)
        lo, hi = (float(v) for v in np.percentile(filled, [10, 90]))
        # the values named, not "them", which had nothing to refer to after "9 of 11 values not measured" (a re-check)
        what = "value" if missing.sum() == 1 else "values"
        # which way the median leans: 52% beside 51% to 73% read as the middle of the range (a review)
        higher = float(np.mean(filled > estimate + 0.005))  # half a point either way counts as the same estimate
        lower = float(np.mean(filled < estimate - 0.005))

        def share(x: float) -> str:
            return "none" if x == 0 else f"{x:.0%}"
        more, less, way = (higher, lower, "understate") if higher >= lower else (lower, higher, "overstate")
        lean = ""
        if more >= LEANS and more >= 3 * less:
            lean = (f" {share(higher).capitalize()} of the training patients' values would give an estimate higher and "
                    f"{share(lower)} one lower by more than half a point than the median's {headline_percent(estimate)}: "
                    f"it may {way} the probability.")
        return (f"{MEDIAN_FILL}. Had the missing {what} been each training patient's instead, the probability of "
                f"{self.event} by "
                f"{horizon_text(self.main_horizon)} would be {headline_percent(lo)} to {headline_percent(hi)} "
                "(10th-90th percentile). The estimate uses the median, and its 95% band does not account for this "
                "uncertainty." + lean + self._groups_spanned(rows))

    def _groups_spanned(self, rows: np.ndarray) -> str:
        """" With those values its risk group could be anywhere from ...", where the values not given could
        move it out of the group shown: "lowest third" stood unqualified beside a missing node count that could
        make it the highest (a tumour-board review)."""
        from ...render.survival import GROUP_WORDS

        low, high = self.risk_group(np.percentile(self.ensemble.risk(rows), [10, 90]))
        if low == high:
            return ""
        return (f" With those values its risk group could be anywhere from the {GROUP_WORDS[str(low)]} to the "
                f"{GROUP_WORDS[str(high)]} (10th-90th percentile).")

    def explain(self, x: Record, prediction: Prediction | None = None) -> Explanation:
        start = time.perf_counter()
        values, base = risk_shap(self.ensemble, x.values[None, :], self._mean_terms)
        filled = self.ensemble.impute(x.values)[0]
        over_time, base_t = event_probability_shap(self.ensemble, filled, self.horizons, self.shap_background)
        row = x.values
        shown = [_as_scored(f, v, used) for f, v, used in zip(self.fields, row, filled)]
        return Explanation(
            kind="tabular", method=f"{self.method}; exact Shapley values over time", target=f"earlier {self.event}",
            base_value=base, values=values[0], feature_names=tuple(f.label for f in self.fields),
            data={"values": [None if math.isnan(v) else float(v) for v in row],
                  "display": shown,
                  "names": [f.name for f in self.fields],
                  "over_time": {"horizons": self.horizons.tolist(), "base": base_t.tolist(),
                                "values": over_time.tolist(),
                                "output_space": f"probability of {self.event} by the horizon"}},
            output_space="log relative hazard",
            summary=tuple((f"{f.label} = {text}", float(c)) for f, text, c in zip(self.fields, shown, values[0])),
            compute_ms=(time.perf_counter() - start) * 1000)

    # -- inputs --------------------------------------------------------------------------------
    def record(self, values: dict[str, Any]) -> Record:
        return patient(self.fields, values, self.training_range, self.outcome_columns)

    def validate_cohort(self, data: bytes, name: str) -> SurvivalCohort:
        return cohort(data, name, self.fields, self.training_range, self.outcome_columns, self.card.name,
                      reference=self.card.input)

    def predict_many(self, xs: list[Record]) -> list[Prediction]:
        """A cohort for `analyse_batch`, patient by patient (each curve has its own bootstrap band, about 0.4 ms),
        which keeps a cohort out of the result cache."""
        return [self.predict(x) for x in xs]

    def inputs_from_bytes(self, data: bytes, name: str) -> list[tuple[str, Record | InputError]]:
        """A JSON patient (or list of them) or a CSV/Excel cohort; outcome columns are ignored with a note."""
        return records_in_file(data, name, self.record, lambda d, n: self.validate_cohort(d, n).cohort)

    def baseline_explain(self, x: Record, prediction: Prediction) -> Explanation:
        start = time.perf_counter()
        values, base = kernel_shap(self.ensemble.risk, self.shap_background, self.ensemble.impute(x.values))
        return Explanation(kind="tabular", method="KernelSHAP (reference)", target=f"earlier {self.event}",
                           base_value=base, values=values,
                           feature_names=tuple(f.label for f in self.fields), output_space="log relative hazard",
                           compute_ms=(time.perf_counter() - start) * 1000)


def _as_scored(f, value: float, used: float) -> str:
    """A value as the explanation names it. One not given is scored as the training median (or commonest category),
    and its contribution is that value's: named "not measured" alone, it read as if not measuring the ejection
    fraction lowered the hazard (a review)."""
    if not math.isnan(value):
        return format_value(f, value)
    if f.kind == "category":
        return f"not measured (most common '{format_value(f, used)}' used)"
    return f"not measured (median {format_value(f, used)} used)"


# The band's width at the main horizon above which it is said to be wide: 60 percentage points, reached by about 2%
# of the heart-failure training patients (median 21, 90th percentile 49) and under 1% of GBSG2's (median 20, 99th
# percentile 47); at 40 it fired for a quarter of the heart-failure patients, noise
WIDE_BAND = 0.6


# A missing value's warning says which way the median's estimate may be off when at least this share of the training
# patients' values would move it one way, three times as many as the other way
LEANS = 0.15

# A value fewer than this share of the training patients reach, one way or the other, is named as rare when the band
# is wide (GBSG2: age 30 or under, 7 of 686; heart failure: a CPK of 7861, the highest)
RARE = 0.025


def wide_band_text(event: str, horizon: float, low: float, high: float, rare: list[str] | tuple = ()) -> str:
    from ...render.numbers import headline_percent
    from ...render.survival import horizon_text

    why = (f"few training patients had values like {', '.join(rare)} (each reached by under "
           f"{RARE:.1%} of them)" if rare else "few training patients had values like these together")
    return (f"The 95% band for {event} by {horizon_text(horizon)} is wide ({headline_percent(low)} to "
            f"{headline_percent(high)}): the refits on resampled patients disagree for a patient like this one, as "
            f"{why}. Read every horizon's estimate as uncertain.")


def load(card: ModelCard) -> SurvivalModel:
    return SurvivalModel(card)
