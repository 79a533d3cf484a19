"""A loaded case-record model: calibrated probability and exact SHAP values for one or many patients."""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ...types import Explanation, InputError, ModelCard, Prediction
from ..base import CardModel, kernel_shap
from ..subgroups import patient_cautions
from .estimators import Calibrated, Routed
from .explain import shap_for
from .io import (
    NOT_MEASURED_HANDLING,
    Cohort,
    PatientInputs,
    Record,
    read_table,
    record_from_mapping,
    records_in_file,
    validate_table,
)
from .persist import load_weights
from .schema import Field, fields_from_card, format_value, number_text, with_unit


def band_of(p: float, bands) -> str:
    """The band of probability `p` by a card's `risk_bands`, [[upper, name], ...] in increasing order: the first
    whose upper bound `p` is below ("low < 20%"); a probability exactly at a bound is in the band above it."""
    for upper, name in bands:
        if p < upper:
            return name
    return bands[-1][1]


def shown_probability(p: float, bands, decimals: int = 0) -> float:
    """`p` as a page shows it with `decimals` places of a percentage: `p` itself, or, where rounding would carry it
    across a band boundary (0.19996 rounds to 20.00%, but its band is the one below 20%), or to 0% or 100% (a review
    saw "100.0%" in a cohort's table), `p` cut to that many places on its own side (19.99%, 99.9%). A table column
    that formats the number itself gets this value."""
    places = decimals + 2
    rounded = round(p, places)
    scale = 10 ** places
    if 0 < p < 1 and rounded in (0, 1):  # never a certainty the model did not give: 0.99996 reads 99.9%, not 100.0%
        return (math.floor(p * scale) if rounded else math.ceil(p * scale)) / scale
    if band_of(rounded, bands) == band_of(p, bands):
        return p
    return (math.floor(p * scale) if rounded > p else math.ceil(p * scale)) / scale


def percent_text(p: float, bands, decimals: int = 0) -> str:
    """`p` as a percentage for people, with `decimals` places where that keeps it in its band, one or two more where
    rounding would carry it across a band boundary: 0.1971 reads "19.7%", not "20%", beside "low < 20%"."""
    for places in range(decimals, decimals + 3):
        text = f"{p * 100:.{places}f}%"
        if band_of(float(text[:-1]) / 100, bands) == band_of(p, bands):
            return text
    places = decimals + 2
    return f"{shown_probability(p, bands, places) * 100:.{places}f}%"


# How far beyond the training patients without the positive label a value must lie to be said beside a reassuring
# answer, as a share of their range (RecordsModel.beyond_negatives)
BEYOND_NEGATIVES_MARGIN = 0.25


class RecordsModel(PatientInputs, CardModel):
    def __init__(self, card: ModelCard):
        if len(card.labels) != 2 or card.positive != card.labels[1]:  # the estimator's class 1 is the positive label
            raise ValueError(f"model card {card.id}: a records model has two labels, the second its positive label")
        self.card = card
        self.threshold = card.threshold  # a card without one is refused at load, not at the first patient
        self.fields: tuple[Field, ...] = fields_from_card(card.input["features"])
        self._names = [f.name for f in self.fields]
        self.training_range: dict[str, list[float]] = card.input.get("training_range", {})
        # each number's range among the training patients without the positive label (train writes it)
        self.negative_range: dict[str, list[float]] = card.input.get("negative_range", {})
        saved = load_weights(card.weights_path)
        self.estimator = saved["estimator"]
        self.platt_a, self.platt_b = float(saved["platt_a"]), float(saved["platt_b"])
        self.background = np.asarray(saved["background"], dtype=float)
        self._explainer = Calibrated(shap_for(self.estimator, self.background), self.platt_a, self.platt_b)
        # Fallback sub-models for rows where a key field (heart: vessel count, thallium test) is not measured
        self.fallbacks = saved.get("fallbacks", [])
        self.key_fields = tuple(saved.get("key_fields", ()))
        if self.fallbacks:
            names = [f.name for f in self.fields]
            self._explainer = Routed(
                self._explainer,
                {tuple(names.index(n) for n in fb["hidden"]):
                 Calibrated(shap_for(fb["estimator"], self.background), fb["platt_a"], fb["platt_b"])
                 for fb in self.fallbacks},
                tuple(names.index(n) for n in saved["key_fields"]))
        self.method = self._explainer.method

    # -- scoring -------------------------------------------------------------------------------
    def logits(self, X: np.ndarray) -> np.ndarray:
        """Calibrated log-odds of the positive label."""
        return self._explainer.logits(X)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(X)))

    def shap_values(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        """Contributions in calibrated log-odds, (n, features), and the base value."""
        return self._explainer(X)

    def risk_band(self, p: float) -> str:
        """The card's band of the probability itself (not of a rounded percentage): the one number behind the band
        of the page, the cohort table, the CSV download, the API and the CLI. Pages show the probability with
        `percent_text` or `shown_probability`, which never round it across a band boundary."""
        return band_of(p, self.card.risk_bands)

    def _prediction(self, p: float, x: Record) -> Prediction:
        probs = np.array([1.0 - p, p])
        label = self.card.positive if p >= self.threshold else self.card.labels[0]
        warnings = x.warnings
        if label != self.card.positive and (beyond := self.beyond_negatives(x.values)):
            warnings = (*warnings, beyond)
        warnings = (*warnings, *patient_cautions(self.card.metrics.get("subgroups"), self._names, x.values))
        return Prediction(self.card.id, self.card.version, self.card.labels, probs, label, warnings,
                          risk_band=self.risk_band(p), threshold=self.threshold)

    def beyond_negatives(self, values: np.ndarray) -> str | None:
        """Said beside a reassuring result when a value lies beyond every training patient without the positive
        label: a creatinine of 9.0 mg/dL, everything else normal, read "no chronic kidney disease, 0.1%, low" with
        no word (a clinical-safety review; the dataset's patients without it all had 0.4-1.2). None otherwise."""
        out = []
        for f, v in zip(self.fields, np.asarray(values, dtype=float)):
            lo_hi = self.negative_range.get(f.name)
            # well beyond, not at the edge: a haemoglobin of 12.65 against the healthy patients' 13.0-17.8 is no
            # reason to doubt the answer (the card's typical patient has it)
            margin = BEYOND_NEGATIVES_MARGIN * (lo_hi[1] - lo_hi[0]) if lo_hi is not None else 0.0
            if lo_hi is None or math.isnan(v) or lo_hi[0] - margin <= v <= lo_hi[1] + margin:
                continue
            seen = self.training_range.get(f.name)
            if seen is not None and not seen[0] <= v <= seen[1]:  # said already: beyond every training patient
                continue
            out.append(f"{f.label} {with_unit(number_text(v, f.step), f)} ({'above' if v > lo_hi[1] else 'below'} "
                       f"{with_unit(number_text(lo_hi[1] if v > lo_hi[1] else lo_hi[0], f.step), f)})")
        if not out:
            return None
        said = self.card.display(self.card.labels[0])
        values_text = "; ".join(out[:3]) + (f"; and {len(out) - 3} more" if len(out) > 3 else "")
        return (f"The model says '{said}', but {'this value lies' if len(out) == 1 else 'these values lie'} beyond "
                f"every training patient with '{said}': {values_text}. Its answer rests on the other values: check "
                f"{'this one' if len(out) == 1 else 'these'} before relying on it.")

    def predict(self, x: Record) -> Prediction:
        return self._prediction(float(self.probabilities(x.values[None, :])[0]), x)

    def predict_many(self, xs: list[Record]) -> list[Prediction]:
        """A cohort in one vectorised call (`medapp.analysis.analyse_batch`); the same as `predict` row by row."""
        probs = self.probabilities(np.vstack([x.values for x in xs])) if xs else []
        return [self._prediction(float(p), x) for p, x in zip(probs, xs)]

    def explain_many(self, xs: list[Record], predictions: list[Prediction]) -> list[Explanation]:
        if not xs:
            return []
        start = time.perf_counter()
        values, base = self.shap_values(np.vstack([x.values for x in xs]))
        ms = (time.perf_counter() - start) * 1000 / len(xs)
        return [self._explanation(x.values, v, base, ms) for x, v in zip(xs, values)]

    def explain(self, x: Record, prediction: Prediction) -> Explanation:
        start = time.perf_counter()
        values, base = self.shap_values(x.values[None, :])
        return self._explanation(x.values, values[0], base, (time.perf_counter() - start) * 1000)

    def _explanation(self, row: np.ndarray, values: np.ndarray, base: float, ms: float) -> Explanation:
        row, values = np.asarray(row, dtype=float).tolist(), np.asarray(values, dtype=float)  # plain floats format fast
        display = [format_value(f, v) for f, v in zip(self.fields, row)]
        return Explanation(kind="tabular", method=self.method_for(row), target=self.card.positive,
                           base_value=float(base), values=values, feature_names=tuple(f.label for f in self.fields),
                           data={"values": [None if math.isnan(v) else v for v in row], "display": display,
                                 "names": [f.name for f in self.fields]},
                           output_space="log-odds", compute_ms=ms,
                           summary=tuple((f"{f.label} = {d}", c) for f, d, c in zip(self.fields, display, values.tolist())))

    def method_for(self, row: np.ndarray) -> str:
        """The explanation method, naming the fallback sub-model when this patient lacks a key field."""
        lacking = [f.label.lower() for f in self.fields if self.fallbacks and f.name in self.key_fields
                   and math.isnan(row[self.fields.index(f)])]
        if not lacking:
            return self.method
        return (f"{self.method}, of the sub-model fitted without {' and '.join(lacking)} (not measured: their bar is "
                "the shift from the full model's training mean)")

    # -- cohorts -------------------------------------------------------------------------------
    def record(self, values: dict[str, Any]) -> Record:
        """One patient from a form or JSON object (field name -> value; blank = not measured)."""
        return record_from_mapping(self.fields, values, self.training_range, NOT_MEASURED_HANDLING)

    def validate_cohort(self, data: bytes, name: str) -> Cohort:
        return validate_table(read_table(data, name, self.fields), self.fields, self.training_range, self.card.name,
                              NOT_MEASURED_HANDLING, predicted=self.card.data.get("target"), reference=self.card.input)

    # -- contract helpers for CLI, cache and benchmark -------------------------------------------
    def inputs_from_bytes(self, data: bytes, name: str) -> list[tuple[str, Record | InputError]]:
        """A JSON patient (or list of them) or a CSV/Excel cohort; an item that is not an object has no values."""
        return records_in_file(data, name, lambda item: self.record(item if isinstance(item, dict) else {}),
                               self.validate_cohort)

    def baseline_explain(self, x: Record, prediction: Prediction) -> Explanation:
        start = time.perf_counter()
        values, base = kernel_shap(self.logits, self.background, x.values[None, :])
        return Explanation(kind="tabular", method="KernelSHAP (reference)", target=self.card.positive,
                           base_value=base, values=values, feature_names=tuple(f.label for f in self.fields),
                           output_space="log-odds", compute_ms=(time.perf_counter() - start) * 1000)


def load(card: ModelCard) -> RecordsModel:
    return RecordsModel(card)
