"""What the service answers: the OIP output tensors of a prediction and of its explanation, and the output specs
the model metadata lists (the same names, in the same order)."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..reports.content import warnings_in_words
from ..types import NOT_ASSESSED, ModelCard, to_jsonable
from . import protocol as oip


def json_text(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), ensure_ascii=False)


def finite(x: Any) -> float | None:
    """A float for JSON: NaN or infinity becomes null (the response is written with allow_nan=False)."""
    x = float(x)
    return x if np.isfinite(x) else None


def is_survival(card: ModelCard) -> bool:
    return card.modality == "survival"


def is_speech(card: ModelCard) -> bool:
    return card.modality == "speech"


EXPLAIN_NAMES = ("base_value", "method", "target", "output_space", "values", "names", "top_contributions",
                 "explanation_data")


def output_specs(card: ModelCard, explain: bool) -> list[tuple[str, str, list[int], dict[str, Any]]]:
    """(name, datatype, shape, parameters) of every output a call to this model may return, in order; what
    metadata lists and what a request's `outputs` may name."""
    k = len(card.labels)
    specs: list[tuple[str, str, list[int], dict[str, Any]]] = [
        ("label", "BYTES", [-1], {"description": f"the predicted label, or {NOT_ASSESSED!r} when the model found "
                                                 "the input unlike its training data (see assessed)"}),
        ("probabilities", "FP64", [-1, k], {"labels": list(card.labels)}),
        ("warnings", "BYTES", [-1], {"encoding": "json list"}),
        ("details", "BYTES", [-1], {"encoding": "json object"}),
        ("model_version", "BYTES", [-1], {}),
        ("assessed", "BOOL", [-1], {"description": "false when the input is not assessed: no finding; its "
                                                   "probabilities are not a finding either"}),
    ]  # new outputs go last: clients that read outputs by position keep working
    if is_survival(card):
        specs += [("risk_score", "FP64", [-1], {"description": "log relative hazard: higher means an earlier "
                                                               "event"}),
                  ("survival", "BYTES", [-1], {"encoding": "json object: horizon in days -> survival probability",
                                               "horizons_days": list(card.input.get("horizons_days", [])),
                                               "main_horizon_days": card.input.get("main_horizon_days")})]
    if is_speech(card):
        specs += [("text", "BYTES", [-1], {"description": "the transcript"}),
                  ("segments", "BYTES", [-1], {"encoding": "json list of {start, end, text, confidence, check} (seconds)"})]
    if explain:
        specs += [
            ("base_value", "FP64", [-1], {"description": "expected model output; base_value + sum(values) = the "
                                                         "explained output (output_space): exactly for records, "
                                                         "survival, gene expression and notes; approximately for "
                                                         "images (expected gradients: explanation_data."
                                                         "completeness_error is the gap); for a heart sound, the "
                                                         "output of the window explained (explanation_data."
                                                         "explained_output)"}),
            ("method", "BYTES", [-1], {"description": "e.g. TreeSHAP, GradientSHAP, Partition(text)"}),
            ("target", "BYTES", [-1], {"description": "the label explained"}),
            ("output_space", "BYTES", [-1], {"description": "what base_value + sum(values) equals: probability, "
                                                            "log-odds, ..."}),
            # an image's map and a recording's tiles are [n, rows, columns] (the shape said was [n, k] for all)
            ("values", "FP64", [-1, -1, -1] if card.modality in ("imaging", "audio") else [-1, -1],
             {"description": "contributions, [n, *input layout]; BYTES with one json array per case when the cases' "
                             "layouts differ (notes)"}),
        ]
        if card.modality != "imaging":  # a pixel map has no names (listed, and then refused when asked for)
            specs += [("names", "BYTES", [-1, -1], {"description": "feature, word piece or tile names of the values; "
                                                                   "BYTES json array per case when they differ in "
                                                                   "length"})]
        specs += [
            ("top_contributions", "BYTES", [-1], {"encoding": "json list of [name, value]", "top": 10}),
            ("explanation_data", "BYTES", [-1], {"encoding": "json: what the values refer to (layout, tokens, "
                                                             "image size)"}),
        ]
    if is_survival(card):  # added 2026-12-05, after the explanation's outputs: positions already read stay
        specs += [("survival_band", "BYTES", [-1], {"encoding": "json object: horizon in days -> [lower, upper] of "
                                                                "the 95% band of the survival probability"}),
                  ("risk_group", "BYTES", [-1], {"description": "low / intermediate / high: the third of the training "
                                                                "patients' risk scores (relative, not an absolute "
                                                                "risk)"})]
    return specs


def later_outputs(card: ModelCard, results: list) -> list[dict[str, Any]]:
    """Outputs added after clients were built on the others: last, so positions already read stay."""
    preds = [r.prediction for r in results]
    if not (is_survival(card) or any(p.survival is not None for p in preds)):
        return []
    return [oip.tensor("survival_band", "BYTES", [json_text(p.survival.band_by_horizon() if p.survival else {}) for p in preds],
                       parameters={"encoding": "json object: horizon in days -> [lower, upper]"}),
            oip.tensor("risk_group", "BYTES", [p.survival.risk_group if p.survival else "" for p in preds])]


def prediction_outputs(card: ModelCard, results: list) -> list[dict[str, Any]]:
    preds = [r.prediction for r in results]
    n = len(preds)
    probs = [finite(p) for pred in preds for p in pred.probabilities]
    out = [
        oip.tensor("label", "BYTES", [p.recorded_label for p in preds]),
        oip.tensor("probabilities", "FP64", probs, [n, len(card.labels)], {"labels": list(card.labels)}),
        oip.tensor("warnings", "BYTES", [json_text(warnings_in_words(card, p)) for p in preds],
                   parameters={"encoding": "json list"}),
        oip.tensor("details", "BYTES", [json_text(p.flat_details()) for p in preds], parameters={"encoding": "json object"}),
        oip.tensor("model_version", "BYTES", [p.model_version for p in preds]),
        oip.tensor("assessed", "BOOL", [bool(p.fits) for p in preds]),
    ]
    if is_survival(card) or any(p.survival is not None for p in preds):  # time-to-event: as the CLI gives it
        out += [oip.tensor("risk_score", "FP64", [finite(p.survival.risk_score) if p.survival else None
                                                  for p in preds]),
                oip.tensor("survival", "BYTES", [json_text(p.survival.survival_by_horizon() if p.survival else {})
                                                 for p in preds],
                           parameters={"encoding": "json object: horizon in days -> survival probability"})]
    if is_speech(card) or any(p.text is not None for p in preds):  # speech to text: transcript and segments
        out += [oip.tensor("text", "BYTES", [p.text or "" for p in preds]),
                oip.tensor("segments", "BYTES", [json_text(list(p.segments)) for p in preds],
                           parameters={"encoding": "json list"})]
    return out


def explanation_names(expl) -> list[str] | None:
    if expl.feature_names is not None:
        return [str(n) for n in expl.feature_names]
    return None


def explanation_outputs(results: list) -> list[dict[str, Any]]:
    expls = [r.explanation for r in results]
    n = len(expls)
    out = [
        oip.tensor("base_value", "FP64", [finite(e.base_value) for e in expls]),
        oip.tensor("method", "BYTES", [e.method for e in expls]),
        oip.tensor("target", "BYTES", [e.target for e in expls]),
        oip.tensor("output_space", "BYTES", [e.output_space for e in expls]),
    ]
    values = [np.asarray(e.values, dtype=float) for e in expls]
    names = [explanation_names(e) for e in expls]
    if len({v.shape for v in values}) == 1:  # one tensor [n, *shape] when every case has the same layout
        flat = [float(x) for v in values for x in np.nan_to_num(v).ravel()]
        out.append(oip.tensor("values", "FP64", flat, [n, *values[0].shape]))
        if all(nm is not None for nm in names) and len({len(nm) for nm in names}) == 1:
            out.append(oip.tensor("names", "BYTES", [x for nm in names for x in nm], [n, len(names[0])]))
    else:  # notes of different lengths: one JSON array per case
        out.append(oip.tensor("values", "BYTES", [json_text(v) for v in values], parameters={"encoding": "json array"}))
        if all(nm is not None for nm in names):
            out.append(oip.tensor("names", "BYTES", [json_text(nm) for nm in names], parameters={"encoding": "json array"}))
    out.append(oip.tensor("top_contributions", "BYTES", [json_text(e.top_contributions(10)) for e in expls],
                          parameters={"encoding": "json list of [name, value]"}))
    out.append(oip.tensor("explanation_data", "BYTES", [json_text(e.data) for e in expls],
                          parameters={"encoding": "json: what the values refer to (layout, tokens, image size)"}))
    return out
