"""A loaded expression-profile model: calibrated class probabilities, exact SHAP, out-of-distribution check.

Everything is numpy on arrays read from safetensors; the loaded object holds no per-call state, so
any number of sessions can share it.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from scipy.special import softmax

from ...types import Explanation, InputError, InputFit, ModelCard, Prediction
from ..base import CardModel, array_key, kernel_shap
from .explain import centred, linear_shap
from .io import ExpressionFile, Profile, profile_csv, profile_from_mapping, read_expression
from .ood import ood_components

METHOD = "Exact linear SHAP"
OUTPUT_SPACE = "centred logit"


class GenomicsModel(CardModel):
    def __init__(self, card: ModelCard):
        self.card = card
        w = load_file(str(card.weights_path))
        self.genes: list[str] = list(card.input["genes"])
        self.model_genes: list[str] = list(card.input["model_genes"])
        self.gene_index = w["gene_index"].astype(int)
        self.mean, self.scale = w["mean"], w["scale"]
        self.coef, self.intercept = w["coef"], w["intercept"]
        self.coef_c, self.intercept_c = centred(self.coef, self.intercept)
        self.ood = {k[4:]: v for k, v in w.items() if k.startswith("ood_")}
        self.refuse_fraction = float(card.input.get("missing_refuse_fraction", 0.1))
        self.label_names: dict[str, str] = card.input.get("label_names", {})
        if len(self.model_genes) != len(self.mean):
            raise ValueError(f"{card.weights_path}: {len(self.mean)} genes in weights, {len(self.model_genes)} in card")

    # -- inputs ----------------------------------------------------------------------------------
    def read_file(self, data: bytes, name: str) -> ExpressionFile:
        return read_expression(data, name, genes=self.genes, model_genes=self.model_genes,
                               training_range=tuple(self.card.input["training_range"]),
                               training_median=float(self.card.input["training_median"]),
                               training_spread=self.card.input.get("training_spread"),
                               refuse_fraction=self.refuse_fraction)

    def stored_input(self, x: Profile) -> tuple[bytes, str]:
        """What a case stores of a profile: its values as gene,value rows, never the uploaded file (a table of other
        samples, with their names), the same from the page and the API."""
        return profile_csv(x, self.model_genes), "profile.csv"

    @staticmethod
    def as_saved(prediction: Prediction, explanation: Explanation | None, position: str
                 ) -> tuple[Prediction, Explanation | None]:
        """The result as a case keeps it: the sample's name (often a laboratory or patient identifier) replaced by
        its position in the file ("sample 2 of 10"), and without the notes about the whole file, which can name the
        other samples ("Smith J 1962 holds text, not expression values": a data-protection review)."""
        file_warnings = set(prediction.details.get("file_warnings") or ())
        details = {k: v for k, v in prediction.details.items() if k not in ("file_warnings", "sample")}
        pred = dataclasses.replace(prediction, details=details, part=position,
                                   warnings=tuple(w for w in prediction.warnings if w not in file_warnings))
        expl = None if explanation is None else dataclasses.replace(
            explanation, data={**explanation.data, "sample": position})
        return pred, expl

    def profile(self, values: dict[str, Any], sample: str = "sample") -> Profile:
        return profile_from_mapping(values, sample, model_genes=self.model_genes, refuse_fraction=self.refuse_fraction)

    def standardise(self, V: np.ndarray) -> np.ndarray:
        """(n, model genes) expression to z-scores against training; missing genes (NaN) become 0."""
        Z = (np.atleast_2d(V) - self.mean) / self.scale
        return np.where(np.isnan(Z), 0.0, Z)

    # -- scoring ---------------------------------------------------------------------------------
    def logits(self, V: np.ndarray) -> np.ndarray:
        """Calibrated (temperature-scaled) logits, (n, classes)."""
        return self.standardise(V) @ self.coef.T + self.intercept

    def probabilities(self, V: np.ndarray) -> np.ndarray:
        return softmax(self.logits(V), axis=1)

    def ood_scores(self, V: np.ndarray) -> np.ndarray:
        """(n, 2): distance to the nearest class and residual, each divided by its threshold (>1: unlike), from
        the genes measured (missing genes are NaN: `ood._distances`)."""
        return ood_components(self.ood, np.atleast_2d(V))

    def _prediction(self, probs: np.ndarray, ood: np.ndarray, profile: Profile) -> Prediction:
        label = self.card.labels[int(np.argmax(probs))]
        score = float(ood.max())
        unlike = score > 1.0
        warnings = [*profile.file_warnings, *profile.warnings]
        if unlike:
            classes = ", ".join(self.card.labels)
            warnings.insert(0, (
                f"This profile is unlike every training class (distance score {score:.2f}; above 1 means further "
                f"than 95% of held-out training profiles). It may be a tumour other than {classes}, another "
                "platform or a failed array: the class probabilities must not be read as a diagnosis."))
        # four decimals: rounded to three and then to two for the table (1.1052 -> 1.105 -> "1.10"), the score read
        # 1.10 beside the warning's 1.11
        fit = InputFit(fits=not unlike, message=warnings[0] if unlike else None, score=round(score, 4),
                       threshold=1.0)
        return Prediction(self.card.id, self.card.version, self.card.labels, probs, label, tuple(warnings),
                          details={"sample": profile.sample, "file_warnings": list(profile.file_warnings),
                                   "ood_distance": round(float(ood[0]), 3), "ood_residual": round(float(ood[1]), 3),
                                   "missing_genes": len(profile.missing),
                                   "label_name": self.label_names.get(label, label)},
                          fit=fit)

    def predict(self, x: Profile) -> Prediction:
        return self._prediction(self.probabilities(x.values)[0], self.ood_scores(x.values)[0], x)

    def predict_many(self, profiles: list[Profile]) -> list[Prediction]:
        if not profiles:
            return []
        V = np.vstack([p.values for p in profiles])
        probs, ood = self.probabilities(V), self.ood_scores(V)
        return [self._prediction(probs[i], ood[i], p) for i, p in enumerate(profiles)]

    # -- explanation -----------------------------------------------------------------------------
    def shap_values(self, V: np.ndarray, label: str) -> tuple[np.ndarray, float]:
        """Contributions of every model gene toward `label` (centred calibrated logit), and the base value."""
        c = self.card.labels.index(label)
        return linear_shap(self.standardise(V), self.coef_c[c], self.intercept_c[c])

    def explain(self, x: Profile, prediction: Prediction, label: str | None = None) -> Explanation:
        start = time.perf_counter()
        target = label or prediction.label
        values, base = self.shap_values(x.values, target)
        return self._explanation(x, values[0], base, target, METHOD, (time.perf_counter() - start) * 1000)

    def _explanation(self, x: Profile, values: np.ndarray, base: float, target: str, method: str,
                     ms: float) -> Explanation:
        shown = [None if np.isnan(v) else round(float(v), 4) for v in x.values]
        display = ["missing" if v is None else f"{v:.2f}" for v in shown]
        return Explanation(
            kind="genomics", method=method, target=target, base_value=float(base),
            values=np.asarray(values, dtype=float), feature_names=tuple(self.model_genes),
            data={"values": shown, "display": display, "sample": x.sample,
                  "z": [round(float(z), 3) for z in self.standardise(x.values)[0]]},
            output_space=OUTPUT_SPACE, compute_ms=ms,
            summary=tuple((f"{g} = {d}", float(c)) for g, d, c in zip(self.model_genes, display, values)))

    def baseline_explain(self, x: Profile, prediction: Prediction) -> Explanation:
        """shap's KernelExplainer with default settings on the same centred logit (training mean as background)."""
        start = time.perf_counter()
        c = self.card.labels.index(prediction.label)

        def f(V: np.ndarray) -> np.ndarray:
            z = self.logits(V)
            return z[:, c] - z.mean(axis=1)

        filled = np.where(np.isnan(x.values), self.mean, x.values)
        values, base = kernel_shap(f, self.mean[None, :], filled[None, :])
        return self._explanation(x, values, base, prediction.label, "KernelSHAP (reference)",
                                 (time.perf_counter() - start) * 1000)

    # -- contract helpers for CLI, cache and benchmark ---------------------------------------------
    def inputs_from_bytes(self, data: bytes, name: str) -> list[tuple[str, Profile | InputError]]:
        """One case per sample, in the file's order: its profile, or why it cannot be scored."""
        parsed = self.read_file(data, name)
        scored = {p.sample: p for p in parsed.profiles}
        out: list[tuple[str, Profile | InputError]] = []
        for sample in parsed.sample_order:
            case = f"{name}#{sample}"
            if sample in scored:
                p = scored[sample]
                out.append((case, dataclasses.replace(p, file_warnings=tuple(parsed.file_warnings))))
            else:
                out.append((case, InputError(f"{sample}: {parsed.errors[sample]}")))
        return out

    def input_key(self, x: Profile) -> str:
        # the sample name and warnings are part of the prediction, so part of the key
        return array_key(x.values, "\x1f".join((x.sample, *x.file_warnings, *x.warnings)))

    def example_profiles(self) -> list[Profile]:
        """Each class's average training profile over the model's genes, for demonstrations."""
        return [Profile(f"class average {label}", np.asarray(row, dtype=float))
                for label, row in self.card.input["class_means"].items()]

    def example_input(self) -> Profile:
        return self.example_profiles()[0]


def load(card: ModelCard) -> GenomicsModel:
    return GenomicsModel(card)
