"""Retrieved instances through the same path as an upload: the imaging loader, then analysis.analyse.

A series is analysed instance by instance: one that is not an image (a report, a key-object note)
or whose pixels cannot be decoded gets a message and the rest are still analysed.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..analysis import Analysis, analyse
from ..modalities.imaging import dicom as dicom_pipeline
from ..modalities.imaging.io import ImageInput, decode
from ..modalities.imaging.select import choose
from ..registry import get_card
from ..reports.content import warnings_in_words
from ..types import InputError, Model, to_jsonable
from .client import InstanceCache, InstanceRef, PacsClient, PacsError

NO_IMAGE = "no image"  # a report, a structured document: nothing to analyse
NO_MODEL_FITS = "no model fits"  # automatic choice: the image fits no model, or several equally


@dataclass
class InstanceResult:
    ref: InstanceRef
    data: bytes | None = None
    image: ImageInput | None = None
    analysis: Analysis | None = None
    error: str | None = None
    skip: str | None = None  # why nothing was analysed, not a failure: NO_IMAGE or NO_MODEL_FITS (`error` says more)
    unreachable: bool = False  # the PACS did not answer at all: the rest of a series would fail the same way

    @property
    def ok(self) -> bool:
        return self.analysis is not None

    @property
    def skipped(self) -> bool:
        return self.skip is not None

    def row(self) -> dict[str, Any]:
        """One line of a results table or of the CLI's JSON output."""
        out: dict[str, Any] = {
            "study_uid": self.ref.study_uid, "series_uid": self.ref.series_uid, "sop_uid": self.ref.sop_uid,
            "patient_id": self.ref.patient_id, "study_date": self.ref.study_date, "modality": self.ref.modality,
            "series": self.ref.series_description, "instance": self.ref.instance_number,
        }
        if self.analysis is not None:
            pred, expl = self.analysis.prediction, self.analysis.explanation
            out.update({"model": pred.model_id, "model_version": pred.model_version, "assessed": pred.fits,
                        "label": pred.label if pred.fits else None,  # not a finding when the image does not fit
                        "probability": round(pred.probability, 4), "probabilities": pred.as_dict(),
                        # predict's and the API's warnings: the untested ages of a film without an age among them
                        "ood_score": pred.fit.score if pred.fit else None, "warnings": _warnings(pred)})
            if not pred.fits:
                from .results import not_assessed_reason

                out["not_assessed_reason"] = not_assessed_reason(pred)
            if expl is not None:
                out["explanation"] = {"method": expl.method, "target": expl.target,
                                      "top_regions": [{"region": n, "value": v} for n, v in expl.top_contributions(3)]}
        else:
            out["error" if not self.skipped else "skipped"] = self.error
        return to_jsonable(out)


def _warnings(pred) -> list[str]:
    return warnings_in_words(get_card(pred.model_id), pred)


def analyse_instance(model: Model | Sequence[Model], client: PacsClient, ref: InstanceRef,
                     cache: InstanceCache | None = None, *, explain: bool = True) -> InstanceResult:
    """Retrieve (or take from the cache) one instance and analyse it like an uploaded file. Given several models
    (automatic), the one that fits the image is chosen as for an upload (`imaging.select.choose`); an image that
    fits none, or several equally, is not analysed and says why."""
    result = InstanceResult(ref)
    try:
        result.data = client.retrieve(ref, cache)
    except PacsError as exc:
        result.error, result.unreachable = exc.message, exc.unreachable
        return result
    except Exception as exc:  # noqa: BLE001 - a malformed object from the archive must not stop a series
        result.error = f"{ref.name}: the archive sent an object that cannot be read ({type(exc).__name__})."
        return result
    try:
        images = decode(result.data, ref.name)
        result.image = images[0]
        if isinstance(model, (list, tuple)):
            choice = choose(result.image, list(model))
            if choice.model_id is None:
                result.error, result.skip = f"Not analysed: {choice.reason}", NO_MODEL_FITS
                return result
            model = next(m for m in model if m.card.id == choice.model_id)
        result.analysis = analyse(model, result.image, explain=explain)
    except dicom_pipeline.NoImage as exc:
        result.error, result.skip = exc.message, NO_IMAGE
    except InputError as exc:
        result.error = exc.message
    return result


def analyse_many(model: Model | Sequence[Model], client: PacsClient, refs: Sequence[InstanceRef], cache: InstanceCache | None = None,
                 *, explain: bool = True, progress: Callable[[int, int, InstanceResult], None] | None = None,
                 cancel: threading.Event | None = None) -> Iterator[InstanceResult]:
    """Each instance in turn (a generator, so a caller can show progress and stop early)."""
    for i, ref in enumerate(refs):
        if cancel is not None and cancel.is_set():
            return
        result = analyse_instance(model, client, ref, cache, explain=explain)
        if progress is not None:
            progress(i + 1, len(refs), result)
        yield result
