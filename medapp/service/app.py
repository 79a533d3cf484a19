"""The models as a service: an Open Inference Protocol (KServe v2 REST) API over the registry.

The same `registry.load_model` and `analysis.analyse` the pages call; none of the model logic is here.

    GET  /v2                                   server metadata
    GET  /v2/health/live, /v2/health/ready     liveness, readiness (no token needed)
    GET  /v2/models                            registered models (medapp extension)
    GET  /v2/models/{id}[/versions/{v}]        model metadata from its card
    GET  /v2/models/{id}[/versions/{v}]/ready  loads the model if needed
    POST /v2/models/{id}[/versions/{v}]/infer    label, probabilities, warnings, model version
    POST /v2/models/{id}[/versions/{v}]/explain  the same plus the SHAP explanation the page draws

Every /v2/models call needs `Authorization: Bearer <token>` and is audited (token owner, model,
sha256 of the request body, outcome; never the input). Size limits are checked on the raw bytes
before anything is decoded; a call over the token's rate is refused before its body is read.
"""
from __future__ import annotations

import asyncio
import codecs
import difflib
import json
import logging
import os
import shutil
import threading
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import __version__
from ..analysis import analyse_batch
from ..build import build_id
from ..cases.store import (
    BurnedInTextError,
    CaseStore,
    ConflictError,
    PatientMismatchError,
    ReferenceTakenError,
    StoreError,
    declares_burned_in_text,
    deidentify,
)
from ..db.engine import DATABASE_DOWN, first_line
from ..modalities.imaging.select import NOT_FIT_OOD_RATIO
from ..registry import UnknownModel, get_card, list_cards, load_model, models_dir
from ..reports.content import warnings_in_words
from ..security import uploads
from ..security.roles import allowed
from ..security.tokens import Caller, authenticate_token, why_refused
from ..types import InputError, ModelCard
from . import protocol as oip
from .audit import AuditWriter
from .inputs import FILE_MEDIA, Case, cases_from_body, cases_from_tensors, file_input_name, is_tabular
from .limits import RateLimiter, body_limit, limit_text
from .middleware import FAILED, STORE_DOWN, RequestIdMiddleware, printable, request_id_of
from .outputs import (
    EXPLAIN_NAMES,
    explanation_outputs,
    is_speech,
    later_outputs,
    output_specs,
    prediction_outputs,
)

log = logging.getLogger("medapp.service")
SERVICE_VERSION = __version__  # /v2 said 1.0.0 while the package was 0.2.0 (an IT review)


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 audit: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.audit = audit or {}  # what the audit row adds (a refused token: which one, and why)


@dataclass
class _Call:
    """What the audit row of one call records (never the input itself)."""

    action: str
    model: str
    caller: Caller | None = None
    version: str | None = None
    input_sha256: str | None = None
    cases: int = 0
    status: int = 500
    saved: list[int] = field(default_factory=list)
    retries: int = 0  # on Ray: the call ran again on another replica after one was lost
    request_id: str | None = None  # the X-Request-ID the response carries
    client: str | None = None  # the caller's address (a proxy's, behind one)
    refusal: dict[str, Any] = field(default_factory=dict)  # a refused token: which one, and why
    # what was answered: each label's count and how many results carried warnings (a quality auditor found the rows
    # held no output); counts, so a 10,000-row cohort's row stays small
    labels: dict[str, int] = field(default_factory=dict)
    warned: int = 0
    start: float = field(default_factory=time.perf_counter)


@dataclass
class Analysed:
    """A request decoded and analysed, nothing saved yet: what a Ray group replica hands to the ingress."""

    request_id: str | None
    wanted: set[str] | None
    case_ref: Any
    case_title: str
    cases: list[Case]
    results: list
    same_patient: bool = False  # the caller checked that inputs naming other patients are this case's patient
    pixels_checked: bool = False  # the caller looked at images that declare burned-in text: none identifies
    frame_number: int | None = None  # the frame of multi-frame images analysed, from 1, when the caller chose it


_OUTCOMES = {200: "ok", 400: "bad input", 401: "no valid token", 403: "forbidden", 404: "unknown model",
             409: "conflict", 413: "too large", 415: "media type not read", 429: "rate limited", 500: "server error",
             503: "unavailable", 408: "request body timed out", 499: "client closed the connection"}

# The media types a raw body (one file) may be declared as; every other type is a 415. The content still decides
# how a file is read: an HL7 message sent as application/hl7-v2 was read as a note and saved, its patient's name
# in it (an IT review), and XML or HTML would be too.
RAW_BODY_TYPES = ("application/octet-stream", "application/dicom", "image/*", "audio/*", "text/plain", "text/csv",
                  "text/tab-separated-values", "application/zip", "application/x-zip-compressed", "application/pdf",
                  "application/vnd.ms-excel",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def read_as_a_file(media_type: str) -> bool:
    return media_type in RAW_BODY_TYPES or f"{media_type.split('/')[0]}/*" in RAW_BODY_TYPES


def _form_refused(what: str, example: str) -> str:
    return (f"The body is {what}; this API takes the file itself as the body, with its type as Content-Type "
            f"({example}), or a JSON inference request. Nothing was analysed or saved.")


_MULTIPART = _form_refused("a form upload (multipart/form-data)",
                           "curl --data-binary @scan.dcm -H 'Content-Type: application/dicom'")
_UNREAD_MEDIA = ("The body is {media_type}, which this API does not read; send a JSON inference request "
                 "(application/json), or one file as the body with its own type (application/dicom, image/png, "
                 "audio/wav, text/plain, text/csv, application/pdf ...) or application/octet-stream. Nothing was "
                 "analysed or saved.")
_URLENCODED = _form_refused("web-form data (application/x-www-form-urlencoded, what curl -d and --data-urlencode "
                            "send; curl -d also removes line breaks)",
                            "curl --data-binary @note.txt -H 'Content-Type: text/plain'")


AUDIT_FULL = ("The audit trail cannot be written now (the case database refuses it) and the calls answered "
              "meanwhile are waiting to be recorded: calls are refused until it can be written.")


class Service:
    def __init__(self, store: CaseStore | None = None, rate_limiter: Any = None):
        self._store = store
        self._store_lock = threading.Lock()
        self.rate = rate_limiter or RateLimiter()
        # Models and explainers are safe under concurrent calls (tests/test_concurrency.py); this optional
        # guard (MEDAPP_API_SERIALIZE=1) runs one analysis at a time per model, e.g. for a model added later
        # that is not yet.
        self.serialize = os.environ.get("MEDAPP_API_SERIALIZE", "0") == "1"
        self._model_locks: dict[str, threading.Lock] = {}
        self.audit_writer = AuditWriter(self)
        self._cards: dict[str, tuple[tuple[str, int], ModelCard]] = {}
        self._models: dict[tuple[str, str, str], Any] = {}

    @property
    def store(self) -> CaseStore:
        with self._store_lock:  # one store (one engine and pool) per process, opened on first use
            if self._store is None:
                self._store = CaseStore()
            return self._store

    def model_lock(self, model_id: str) -> threading.Lock:
        with self._store_lock:
            return self._model_locks.setdefault(model_id, threading.Lock())

    # -- auth and audit --------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Caller:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "An API token is required: send the header 'Authorization: Bearer <token>'.",
                           {"WWW-Authenticate": "Bearer"})
        caller = authenticate_token(self.store, secret.strip())
        if caller is None:  # the caller is told no more than this; the audit row says which token and why
            raise ApiError(401, "The API token is unknown, revoked or expired, or its user is disabled.",
                           {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                           audit=why_refused(self.store, secret.strip()))
        return caller

    def check_rate(self, caller: Caller) -> None:
        self._rate_verdict(*self.rate.allow(caller.token_id, caller.rate_per_minute))

    async def check_rate_async(self, caller: Caller) -> None:
        """The same check with a limiter kept elsewhere (on Ray: one actor for every ingress replica)."""
        allow_async = getattr(self.rate, "allow_async", None)
        if allow_async is None:
            self.check_rate(caller)
        else:
            self._rate_verdict(*await allow_async(caller.token_id, caller.rate_per_minute))

    @staticmethod
    def _rate_verdict(ok: bool, wait: float) -> None:
        if not ok:
            raise ApiError(429, f"Too many calls with this token; try again in {wait:.1f} s.",
                           {"Retry-After": str(max(1, int(np.ceil(wait))))})

    def audit(self, call: _Call) -> None:
        who = call.caller.username if call.caller else "api:anonymous"
        self.audit_writer.put((who, call.action, f"model:{call.model}"[:200], {
            "token": call.caller.token_id if call.caller else None, "model": call.model, "version": call.version,
            "input_sha256": call.input_sha256, "status": call.status,
            "outcome": _OUTCOMES.get(call.status, str(call.status)), "inputs": call.cases,  # analysed, not saved
            "saved_analyses": call.saved, **({"labels": call.labels, "with_warnings": call.warned, "app": build_id()}
                                             if call.labels else {}),
            **({"retries": call.retries} if call.retries else {}),
            **({"request_id": call.request_id} if call.request_id else {}),
            **({"client": call.client} if call.client else {}), **call.refusal,
            "ms": round((time.perf_counter() - call.start) * 1000, 2)}))

    # -- models ----------------------------------------------------------------------------------
    def card_for(self, model_id: str, version: str | None) -> ModelCard:
        try:
            card = self._card(model_id)
        except (UnknownModel, ValueError, OSError):
            raise ApiError(404, f"There is no model {_short(model_id)}. GET /v2/models lists the registered "
                                "models.") from None
        if version is not None and version != card.version:
            raise ApiError(404, f"Model {model_id!r} has version {card.version}, not {_short(version)}.")
        return card

    def _card(self, model_id: str) -> ModelCard:
        """The card, re-read only when its file changed (a card with validation predictions is large)."""
        path = models_dir() / model_id / "card.json"
        if "/" in model_id or "\\" in model_id or model_id.startswith("."):
            raise UnknownModel(model_id)
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            raise UnknownModel(model_id) from None
        cached = self._cards.get(model_id)
        if cached is not None and cached[0] == (str(path), stamp):
            return cached[1]
        card = get_card(model_id)
        self._cards[model_id] = ((str(path), stamp), card)
        return card

    def model(self, card: ModelCard):
        """The registry's shared model for this card, looked up once per card text (load_model re-reads the card, and
        loads again when it changed). A model whose card is not this one (the card changed between the two reads)
        is refused: its answer would be saved and audited under another card."""
        key = (card.id, str(card.path), card.source)
        model = self._models.get(key)
        if model is None:
            model = load_model(card.id)
            if model.card.source != card.source:
                raise ApiError(503, f"{card.id}'s model files changed while this call was answered; send it again.")
            self._models = {k: v for k, v in self._models.items() if k[0] != card.id}  # the old one goes
            self._models[key] = model
        return model

    @staticmethod
    def metadata(card: ModelCard) -> dict[str, Any]:
        if isinstance(card.input.get("features"), list):  # records, survival: one tensor per field
            inputs = []
            for f in card.input.get("features", []):
                params = {"label": f["label"], "unit": f.get("unit", ""), "kind": f.get("kind", "number"),
                          "optional": True}
                if f.get("min") is not None:
                    params["min"], params["max"] = f["min"], f["max"]
                if f.get("zero_means_missing"):  # as the page reads it; an EHR's default-filled 0 is not a value
                    params["zero_means"] = "not measured (0 is how the training data recorded a missing value)"
                if f.get("choices"):
                    params["choices"] = {str(code): label for code, label in f["choices"]}
                    params["accepts"] = ("the INT64 code, or the label itself as BYTES (e.g. "
                                         f"{str(f['choices'][0][1])!r}); a tensor may mix both")
                inputs.append({"name": f["name"], "datatype": "INT64" if f.get("kind") == "category" else "FP64",
                               "shape": [-1], "parameters": params})
        else:
            inputs = [{"name": file_input_name(card), "datatype": "BYTES", "shape": [-1],
                       "parameters": {"content_type": "base64", **file_formats(card),
                                      "raw_body": "POST the file itself with its media type as Content-Type"}}]
        outputs = [{"name": name, "datatype": datatype, "shape": shape, **({"parameters": params} if params else {})}
                   for name, datatype, shape, params in output_specs(card, explain=False)]
        params: dict[str, Any] = {
            "modality": card.modality, "title": card.name, "task": card.task, "labels": list(card.labels),
            "positive_label": card.positive_label, "intended_use": card.intended_use, "notice": ModelCard.DEMO_NOTICE,
            "explanation": card.explanation.get("method") if isinstance(card.explanation, dict) else None,
            "explain_outputs": [{"name": name, "datatype": datatype, "shape": shape, **params}
                                for name, datatype, shape, params in output_specs(card, explain=True)
                                if name in EXPLAIN_NAMES],
            "not_assessed": "An input the model finds unlike its training data (imaging, heart sounds, expression "
                            "profiles, notes) is not assessed, as on the pages: `assessed` is false and `label` is 'not "
                            "assessed'; why is in `warnings` (and fits_model, fit_reasons, ood_score in `details`). "
                            "Its probabilities are still returned but are not a finding. A score above "
                            "`ood_threshold` alone is not that: an image is refused beyond the card's "
                            f"`ood_refuse_ratio` times it (its validation images' 99th percentile, at most "
                            f"{NOT_FIT_OOD_RATIO:g}; between the two it is assessed with a caution in `warnings`); "
                            "see each model's card.",
            "max_request_bytes": body_limit(card),
            "max_request_mb": round(body_limit(card) / 2**20, 2),
        }
        if card.modality in uploads.PROFILES:
            params["max_file_bytes"] = _max_file_bytes(card)
            params["size_limits"] = (f"a request body up to {limit_text(body_limit(card))}; a file in it up to "
                                     f"{limit_text(params['max_file_bytes'])} (413 beyond either); base64 in "
                                     "JSON makes a file a third larger")
        if card.modality == "survival":
            params["details_keys"] = {"risk_group": "low / intermediate / high by the training tertiles of the "
                                                    "risk score (record models call their band `risk_band`)"}
        return {"name": card.id, "versions": [card.version], "platform": f"medapp/{card.framework or card.modality}",
                "inputs": inputs, "outputs": outputs, "parameters": params}

    # -- inference -------------------------------------------------------------------------------
    def run(self, caller: Caller, card: ModelCard, body: bytes, media_type: str | None, header_length: str | None,
            query: dict[str, str], explain: bool, call: _Call) -> dict[str, Any]:
        """Decode, analyse, save if asked; blocking (runs in a worker thread)."""
        analysed = self.prepare(caller, card, body, media_type, header_length, query, explain)
        return self.respond(caller, card, analysed, explain, call)

    def prepare(self, caller: Caller, card: ModelCard, body: bytes, media_type: str | None,
                header_length: str | None, query: dict[str, str], explain: bool) -> Analysed:
        """Decode and analyse; saves nothing, so it may run again (on another Ray replica) after a failure."""
        try:
            return self._prepare(caller, card, body, media_type, header_length, query, explain)
        except InputError as exc:
            adapted = _service_message(exc)
            if adapted is exc:
                raise
            raise adapted from None

    def _prepare(self, caller: Caller, card: ModelCard, body: bytes, media_type: str | None,
                 header_length: str | None, query: dict[str, str], explain: bool) -> Analysed:
        _check_parameter_names(query)  # a near miss of ours first: "did you mean 'case'?"
        if unknown := sorted(set(query) - set(SAVE_PARAMETERS) - {FRAME_PARAMETER}):  # no protocol parameters: ours
            raise oip.RequestError(f"Unknown query parameter {unknown[0]!r}: the address takes case, case_title, "
                                   "same_patient, pixels_checked and frame_number only (other parameters go in the "
                                   "JSON request's parameters); nothing was analysed or saved.")
        if body.startswith(codecs.BOM_UTF8) and body[3:].lstrip()[:1] == b"{":
            body = body[3:]  # JSON saved by an editor that marks UTF-8 (it read as a table lacking every column)
        if header_length is not None:
            is_json = True
        elif media_type in (None, "application/x-www-form-urlencoded"):
            # tritonclient sends JSON without a Content-Type and curl -d says form data: look at the body
            is_json = body.lstrip()[:1] == b"{"
        else:
            is_json = media_type == "application/json" or media_type.endswith("+json")
        request_id, params, wanted = None, dict(query), None
        if not is_json and card.modality in uploads.PROFILES:  # a raw body is the file: the page's limit, at once
            limit = uploads.upload_limit(card.modality, card)
            if len(body) > limit:
                raise uploads.size_error("The uploaded file", len(body), card.modality, limit)
        model = self.model(card)
        if is_json:
            request, elements = oip.parse_request(body, header_length)
            request_id = request.id
            given = request.parameters or {}
            for name in set(query) & set(given):  # the JSON's parameter silently won over the address's
                if str(given[name]).lower() != str(query[name]).lower():
                    raise oip.RequestError(f"?{name}={query[name]} and parameters.{name} = {given[name]!r} "
                                           "disagree: send one of them.")
            params.update(given)
            _check_parameter_names(params)
            wanted = {o.name for o in request.outputs} if request.outputs else None
            if wanted is not None:  # before anything is analysed or saved
                _check_wanted(wanted, [name for name, *_ in output_specs(card, explain)])
            case_ref = params.get("case")
            self._check_case_permission(caller, case_ref)
            frame_number = _frame_number(params, card)
            cases = cases_from_tensors(model, request.inputs, elements, frame_number)
        else:
            _check_parameter_names(params)
            case_ref = params.get("case")
            self._check_case_permission(caller, case_ref)
            frame_number = _frame_number(params, card)
            cases = cases_from_body(model, body, media_type, frame_number)
        saving = case_ref is not None
        if saving and is_speech(card):  # a case would have drawn its segment confidences as a note's word reasons
            raise oip.RequestError("A dictation is not saved to a case: its transcript is text to check and correct. "
                                   "Send the corrected text to a notes model with parameters.case to save that "
                                   "analysis.")
        if not saving and any(p in params for p in SAVE_PARAMETERS[1:]):
            raise oip.RequestError("case_title, same_patient and pixels_checked apply to a save: send them with case "
                                   "(nothing would be saved without it).")
        if saving and not isinstance(params.get("case_title", ""), str):
            raise oip.RequestError("parameters.case_title is the case's title (a string).")
        same_patient = _flag(params.get("same_patient", False), "parameters.same_patient")
        pixels_checked = _flag(params.get("pixels_checked", False), "parameters.pixels_checked")
        # the pages' and the CLI's batch path: a cohort sent in one request is scored vectorised where the model can
        with self.model_lock(card.id) if self.serialize else nullcontext():
            batch = analyse_batch(model, [(str(i), case.x) for i, case in enumerate(cases)], explain=explain or saving)
        if batch.failed:
            raise batch.failed[0].error  # the request is refused whole, with its first bad input's message
        results = [row.analysis for row in batch.rows]
        return Analysed(request_id=request_id, wanted=wanted, case_ref=case_ref,
                        case_title=str(params.get("case_title", "")), cases=cases, results=results,
                        same_patient=same_patient, pixels_checked=pixels_checked, frame_number=frame_number)

    def respond(self, caller: Caller, card: ModelCard, analysed: Analysed, explain: bool,
                call: _Call) -> dict[str, Any]:
        """Save if asked (once: this runs only after the analysis succeeded) and build the OIP response."""
        cases, results = analysed.cases, analysed.results
        call.cases = len(cases)
        call.labels = dict(Counter(str(r.prediction.recorded_label) for r in results))
        call.warned = sum(bool(warnings_in_words(card, r.prediction)) for r in results)
        out_params: dict[str, Any] = {"notice": ModelCard.DEMO_NOTICE}
        members = [getattr(c.x, "name", "") for c in cases]
        if any("/" in str(m) for m in members):  # a ZIP's images, in member-name order: which row is which file
            out_params["inputs"] = [str(m).split("/", 1)[-1] for m in members]
        if analysed.frame_number is not None:  # the frame analysed, said back in the count it was asked in
            out_params["frame_number"] = analysed.frame_number
        # everything that can fail is done before the save: a 400 must never follow a stored analysis
        outputs = prediction_outputs(card, results)
        if explain:
            outputs.extend(explanation_outputs(results))
        outputs.extend(later_outputs(card, results))
        wanted = analysed.wanted
        if wanted is not None:  # the protocol's `outputs`: only those asked for
            _check_wanted(wanted, [o["name"] for o in outputs])
            outputs = [o for o in outputs if o["name"] in wanted]
        if analysed.case_ref is not None:
            out_params["case"] = self._save(caller, card, str(analysed.case_ref), analysed.case_title,
                                            cases, results, call, analysed.same_patient, analysed.pixels_checked)
        response = {"model_name": card.id, "model_version": card.version, "outputs": outputs,
                    "parameters": out_params}
        if analysed.request_id is not None:
            response["id"] = analysed.request_id
        return response

    @staticmethod
    def _check_case_permission(caller: Caller, case_ref: Any) -> None:
        if case_ref is None:
            return
        if not isinstance(case_ref, str):
            raise oip.RequestError("parameters.case is a case reference (a string).")
        if not caller.may_save_cases:
            raise ApiError(403, "This API token may analyse but not save to cases; ask an admin for one that may.")
        if not allowed(caller.role, "analyse"):
            raise ApiError(403, f"The {caller.role} role cannot save analyses to cases.")

    def _save(self, caller: Caller, card: ModelCard, reference: str, title: str, cases: list[Case],
              results: list, call: _Call, same_patient: bool = False,
              pixels_checked: bool = False) -> dict[str, Any]:
        store = self.store
        if not same_patient:  # a batch naming another patient is refused before any of it is stored
            _check_one_patient(store, card, reference, cases)
        if not pixels_checked and any(declares_burned_in_text(card.modality, c.input_bytes) for c in cases):
            raise ApiError(409, f"{BurnedInTextError.MESSAGE} {_PIXELS_HINT}")
        # every input de-identifies before any is stored: a 400 never follows a stored analysis (one input alone is
        # checked by its own save, which stores nothing when it fails)
        for case in cases if len(cases) > 1 else ():
            try:
                deidentify(card.modality, case.input_bytes)
            except StoreError as exc:
                raise ApiError(400, str(exc)) from None
        model = self.model(card)
        ids, already = [], []
        for i, (case, result) in enumerate(zip(cases, results), start=1):
            # what a case keeps of a result (genomics: no sample names)
            pred, expl = model.as_saved(result.prediction, result.explanation, f"sample {i} of {len(cases)} in the request")
            if len(cases) > 1 and is_tabular(model):  # which row each saved patient was (a re-check: none said)
                pred = replace(pred, part=f"row {i} of {len(cases)} in the request")
            result = replace(result, prediction=pred, explanation=expl)
            for attempt in range(2):  # a concurrent call may create the same new case first: then join it
                case_id = case_id_of(store, reference)
                target = {"case_id": case_id} if case_id is not None else {"case_id": None,
                                                                           "new_case": (reference, title)}
                try:
                    analysis_id, created = store.save_analysis(
                        user=caller.actor, card=card, prediction=result.prediction, explanation=result.explanation,
                        input_bytes=case.input_bytes, input_name=case.input_name, same_patient=same_patient,
                        pixels_checked=pixels_checked, **target)
                    ids.append(analysis_id)
                    if not created:
                        already.append(analysis_id)
                    break
                except PatientMismatchError as exc:  # a case changed since the check above
                    raise ApiError(409, f"{exc} {_SAME_PATIENT_HINT}") from None
                except BurnedInTextError as exc:
                    raise ApiError(409, f"{exc} {_PIXELS_HINT}") from None
                except ConflictError as exc:  # a closed case: its state, not the input (it was a 400)
                    raise ApiError(409, str(exc)) from None
                except ReferenceTakenError as exc:
                    if case_id is None and attempt == 0:
                        continue
                    raise ApiError(400, str(exc)) from None
                except StoreError as exc:
                    raise ApiError(400, str(exc)) from None
            call.saved = ids
        info = store.case_of(ids[-1])
        # an input the case holds already (a resent call) is stored once: said, as the pages say it
        return {"reference": info["reference"], "id": info["id"], "analysis_ids": ids,
                **({"already_in_case": already} if already else {})}


_SAME_PATIENT_HINT = "In the API: send parameters.same_patient = true (query same_patient=true)."
_PIXELS_HINT = "In the API: send parameters.pixels_checked = true (query pixels_checked=true) once checked."


def _flag(value: Any, name: str) -> bool:
    """A yes/no parameter: a JSON boolean, or true/false in the query string."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise oip.RequestError(f"{name} is true or false.")
    return value


def _check_one_patient(store: CaseStore, card: ModelCard, reference: str, cases: list[Case]) -> None:
    """409 when the inputs name more than one patient, or a patient other than those of the case's inputs."""
    keys = {k for k in (store.patient_key(card.modality, c.input_bytes) for c in cases) if k is not None}
    if len(keys) > 1:
        raise ApiError(409, f"The inputs of this call name {len(keys)} different patients (their DICOM Patient IDs "
                            f"differ); nothing was saved to case {reference}. {_SAME_PATIENT_HINT}")
    case_id = case_id_of(store, reference)
    if keys and case_id is not None and store.other_patient_in_case(case_id, next(iter(keys))):
        raise ApiError(409, f"{PatientMismatchError(reference)} {_SAME_PATIENT_HINT}")


def case_id_of(store: CaseStore, reference: str) -> int | None:
    from sqlalchemy import select

    from ..db.tables import Case as CaseRow

    with store.Session() as s:
        return s.scalar(select(CaseRow.id).where(CaseRow.reference == reference.strip()))


def _short(name: str, limit: int = 80) -> str:
    """A client-given name in a message, cut so an error never echoes kilobytes back."""
    return repr(name) if len(name) <= limit else f"{name[:limit]!r}... ({len(name)} characters)"


def _check_wanted(wanted: set[str], names: list[str]) -> None:
    unknown = wanted - set(names)
    if unknown:
        shown = ", ".join(_short(n, 40)[1:-1] if len(n) <= 40 else _short(n, 40) for n in sorted(unknown)[:5])
        raise oip.RequestError(f"No output named {shown}; the outputs are {', '.join(names)}.")


SAVE_PARAMETERS = ("case", "case_title", "same_patient", "pixels_checked")
FRAME_PARAMETER = "frame_number"  # counted from 1, as DICOM's Referenced Frame Number and the Imaging page count


def _frame_number(params: dict[str, Any], card: ModelCard) -> int | None:
    """The frame of a multi-frame DICOM image to analyse (the first when not given); checked before any decoding."""
    value = params.get(FRAME_PARAMETER)
    if value is None:
        return None
    if card.modality != "imaging":
        raise oip.RequestError(f"frame_number chooses the frame of a multi-frame DICOM image; {card.name} does not "
                               "take images.")
    if isinstance(value, str) and value.strip().isdigit():  # from the address, where every value is text
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
        raise oip.RequestError(f"frame_number is a whole number from 1 (the first frame), not {value!r}.")
    return value


def _check_parameter_names(params: dict[str, Any]) -> None:
    """A misspelt save parameter is refused: "case_ref" answered 200 and saved nothing, without a word (a review).
    Other names (the protocol's own, a client's) are left alone; only near misses of ours and names of cases."""
    for name in params:
        if name in SAVE_PARAMETERS or name == FRAME_PARAMETER:
            continue
        if "frame" in name.lower():  # "frame", "frame_index": the page's and DICOM's count, from 1
            raise oip.RequestError(f"Unknown parameter {name!r}: did you mean 'frame_number' (counted from 1)? "
                                   "Nothing was analysed or saved.")
        ratio, best = max((difflib.SequenceMatcher(None, name.lower(), p).ratio(), -len(p), p)
                          for p in SAVE_PARAMETERS)[::2]  # a tie goes to the shorter: case_ref is case
        if ratio >= 0.6 or "case" in name.lower() or name.lower() in ("reference", "ref", "case_reference"):
            raise oip.RequestError(f"Unknown parameter {name!r}" + (f": did you mean {best!r}?" if ratio >= 0.6 else ".")
                                   + " Saving takes case (the case reference), case_title, same_patient and pixels_checked; nothing "
                                     "was analysed or saved.")


def file_formats(card: ModelCard) -> dict[str, Any]:
    """What a file input of this model accepts: the service's description and the upload gate's own list."""
    out: dict[str, Any] = {"accepts": FILE_MEDIA.get(card.modality, "the model's file types")}
    profile = uploads.PROFILES.get(card.modality)
    if profile is not None:
        out["formats"] = sorted("csv/tsv" if k == "text" and card.modality in ("genomics", "records", "survival")
                                else k for k in profile.accepts)
        out["upload_hint"] = profile.hint
        out["max_file_bytes"] = _max_file_bytes(card)
    return out


def _max_file_bytes(card: ModelCard) -> int:
    """The largest file this model takes: the page's upload limit, within the request limit (a raw body; a file
    sent base64 in JSON grows by a third)."""
    return min(uploads.upload_limit(card.modality, card), body_limit(card))


def _service_message(exc: InputError) -> InputError:
    """A page's message adapted to an API caller: no temporary file name, no advice about a browser."""
    if exc.field == "empty":  # the page's words, "the file has nothing in it. Upload the file again."
        return InputError(f"{exc.message.split(' (0 bytes)')[0]} (0 bytes): nothing was sent. Send the file (for a "
                          "note, its text) in it.", field=exc.field, row=exc.row)
    if exc.field == "silence":
        return InputError("No speech was heard in the uploaded recording: it holds silence or sounds that are not "
                          "speech. Check the recording (microphone, input level) and send it again.",
                          field="silence")
    return exc


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)


def _decoded(body: bytes, encoding: str | None, limit: int) -> bytes:
    """The body as sent before `Content-Encoding` compressed it (tritonclient can gzip its requests; they were read
    as they came: "not valid JSON"), held to the same size limit while it is inflated."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding not in ("gzip", "deflate"):
        raise ApiError(400, f"Content-Encoding {encoding} is not supported: send gzip, deflate or an uncompressed "
                            "body.")
    inflater = zlib.decompressobj(wbits=47 if encoding == "gzip" else 15)  # 47: a gzip or zlib header
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise ApiError(400, f"The {encoding} body could not be decompressed ({exc}).") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise ApiError(413, f"The request, decompressed, is larger than the {limit_text(limit)} this model "
                            "accepts.")
    return out


# A body that stops arriving is answered 408 after this long without a byte: a client that sent 4 bytes of a
# declared 100,000 held its connection and a worker's wait for as long as it liked (an IT review)
BODY_IDLE_S = float(os.environ.get("MEDAPP_API_BODY_IDLE_S", "60"))
CLIENT_GONE = 499  # nginx's "client closed request": the caller left before its answer; not a server error


async def _read_limited(request: Request, limit: int, idle_s: float | None = None) -> bytes:
    """The body, refused (413) past `limit` and (408) after `idle_s` without a byte; ClientDisconnect when the
    caller closes the connection first."""
    declared = request.headers.get("content-length")
    too_large = f"The request is larger than the {limit_text(limit)} this model accepts."
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, too_large)
    idle_s = BODY_IDLE_S if idle_s is None else idle_s
    chunks, size, stream = [], 0, request.stream()
    while True:
        try:
            chunk = await asyncio.wait_for(anext(stream), idle_s)
        except StopAsyncIteration:
            return b"".join(chunks)
        except TimeoutError:
            raise ApiError(408, f"The request body stopped arriving: nothing for {idle_s:g} s after "
                                f"{size:,} bytes. Nothing was analysed or saved.") from None
        size += len(chunk)
        if size > limit:
            raise ApiError(413, too_large)
        chunks.append(chunk)


_ERROR_TEXT = {
    400: "Bad input: the clinician-readable message the page would show, or a malformed request (a bad shape, "
         "datatype or requested output). Nothing was saved.",
    401: "No token, or an unknown, revoked or expired one",
    403: "The token or its user's role may not save to cases",
    404: "Unknown model or version",
    409: "Saving to the case was refused by the case's state: it is closed (a reviewer must reopen it), or the "
         "inputs name another patient than the case's (DICOM Patient IDs differ; send same_patient=true once "
         "checked), or an image declares burned-in text (Burned In Annotation = YES; send pixels_checked=true once "
         "looked at). Nothing was saved",
    408: "The request body stopped arriving (nothing for MEDAPP_API_BODY_IDLE_S, default 60 s). Nothing was saved",
    413: "Request body too large (checked before decoding; see the model's max_request_bytes), or a file in it "
         "over the model's upload limit (max_file_bytes)",
    415: "The body's media type is not read: a form (multipart/form-data, or web-form data that is not JSON), or "
         "a type not listed for the request body (an HL7 message, XML, HTML): send the file itself as the body, "
         "its type as Content-Type, or a JSON inference request. Nothing was analysed or saved",
    429: "Too many calls with this token (see Retry-After)",
    500: "The service failed on this request; it is logged under the response's X-Request-ID",
    503: "On Ray Serve: no replica of the model's group could answer; nothing was saved (see Retry-After)",
}


def _errors(*codes: int) -> dict[int, dict[str, Any]]:
    return {code: {"model": oip.ErrorResponse, "description": _ERROR_TEXT[code]} for code in codes}


MIN_FREE_BYTES = 64 * 2**20  # free space for stored inputs under which the service says it is not ready

_ERRORS = _errors(400, 401, 403, 404, 408, 409, 413, 415, 429, 500, 503)  # infer and explain
_READ_ERRORS = _errors(401, 404, 429, 500, 503)  # metadata, ready, the model list (503: the token store is down)
_OPEN_PATHS = ("/v2", "/v2/health/live", "/v2/health/ready")  # no token needed
_CASE_QUERY = [
    {"name": "case", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "With a raw file body: save every analysis to this case reference (created when new); in JSON "
                    "use parameters.case. Needs a token and role that may save to cases (else 403)."},
    {"name": "case_title", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "The title of a case created by this call (parameters.case_title in JSON)."},
    {"name": "same_patient", "in": "query", "required": False, "schema": {"type": "boolean"},
     "description": "Save even when an input's DICOM Patient ID differs from those already in the case (checked "
                    "to be the same patient under another ID; parameters.same_patient in JSON). Else 409."},
    {"name": "pixels_checked", "in": "query", "required": False, "schema": {"type": "boolean"},
     "description": "Save images that declare burned-in annotation (DICOM Burned In Annotation = YES) after looking "
                    "at them: no name, date or number in the pixels identifies the patient (parameters.pixels_checked "
                    "in JSON). Else 409."},
    {"name": "frame_number", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100000},
     "description": "Imaging models: the frame of a multi-frame DICOM image to analyse, counted from 1 as DICOM counts "
                    "(parameters.frame_number in JSON); the first when not given. A frame the image does not have is "
                    "a 400."},
]


def _tidy_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """What FastAPI cannot infer from routes that read the body themselves: no 422 (errors are 400 JSON), the
    open paths, the case query parameters and the X-Request-ID header on every answer."""
    headers = schema.setdefault("components", {}).setdefault("headers", {})
    headers["X-Request-ID"] = {
        "description": "The client's X-Request-ID echoed, or one made for this request; in the logs and the "
                       "audit row", "schema": {"type": "string"}}
    headers["Retry-After"] = {"description": "Seconds to wait before calling again", "schema": {"type": "integer"}}
    headers["WWW-Authenticate"] = {"description": "Bearer (no token) or Bearer error=\"invalid_token\"",
                                   "schema": {"type": "string"}}
    # what the answers carry besides X-Request-ID (the document said "see Retry-After" and declared none)
    named = {"401": "WWW-Authenticate", "429": "Retry-After", "503": "Retry-After"}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            for code, response in responses.items():
                response.setdefault("headers", {})["X-Request-ID"] = {"$ref": "#/components/headers/X-Request-ID"}
                if code in named:
                    response["headers"][named[code]] = {"$ref": f"#/components/headers/{named[code]}"}
            if path in _OPEN_PATHS:
                operation["security"] = []
            if method == "post" and path.endswith(("/infer", "/explain")):
                operation.setdefault("parameters", []).extend(_CASE_QUERY)
    text = json.dumps(schema.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}" not in text:
            schema["components"].get("schemas", {}).pop(unused, None)
    return schema


# On Ray: (call, caller, card, body, media type, OIP header length, query, explain) -> Analysed, run on the
# model group's replica; raises ApiError (503 when no replica could answer), InputError or oip.RequestError.
Dispatch = Callable[..., Awaitable[Analysed]]


def create_app(store: CaseStore | None = None, *, rate_limiter: Any = None,
               preload: list[str] | None = None, dispatch: Dispatch | None = None) -> FastAPI:
    """The FastAPI app. `dispatch` (Ray) hands decoding and analysis to another process; without it (uvicorn)
    they run here in a worker thread. Saving to cases, auth, limits and audit always run here."""
    service = Service(store, rate_limiter)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        await run_in_threadpool(service.audit_writer.flush)  # no audit row left behind at shutdown

    # the docs' scripts come from the service itself, not a CDN: a hospital network often has no internet
    # redirect_slashes off: "./infer/" was a 307 to an absolute http:// address built from the Host header, which a
    # client behind the TLS proxy followed, re-sending its body in the clear (an IT review); now a 404
    app = FastAPIOffline(lifespan=lifespan, title="medapp inference service", version=SERVICE_VERSION,
                         redirect_slashes=False,
                  description="Open Inference Protocol (KServe v2) over medapp's models, with a SHAP explanation "
                              "extension. Demonstration models: not a medical device. Authenticate with "
                              "`Authorization: Bearer <token>` (`python -m medapp tokens create USER`).")
    app.state.service = service

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # reached only if something escapes RequestIdMiddleware (it answers unexpected errors itself)
        log.exception("unexpected error in the inference service")
        return JSONResponse({"error": FAILED}, status_code=500)

    app.add_middleware(RequestIdMiddleware)
    # answers compressed for a client that asks (Accept-Encoding: gzip): an image's explanation map is about 300 kB
    # of JSON numbers (an IT review); tritonclient asks only when told to (response_compression_algorithm)
    app.add_middleware(GZipMiddleware, minimum_size=1000)

    if preload:
        for model_id in preload:
            load_model(model_id)

    def probe(path: str, **kwargs):
        """GET, and HEAD for load balancers and monitors, which probe with it (405 before, API reviews). The document
        lists the GET only: both under one operationId, as one route gave them, made client generators clash."""
        def register(endpoint):
            app.head(path, include_in_schema=False, **kwargs)(endpoint)
            return app.get(path, **kwargs)(endpoint)
        return register

    # HEAD on every probe-like path (`probe`)
    @probe("/v2", response_model=oip.ServerMetadata, tags=["server"])
    def server_metadata() -> dict[str, Any]:
        return {"name": "medapp", "version": SERVICE_VERSION,
                "extensions": ["explain", "binary_tensor_data", "raw_file_body", "cases"], "build": build_id()}

    @probe("/v2/health/live", response_model=oip.Live, tags=["server"])
    def live() -> dict[str, Any]:
        return {"live": True}

    readiness = {"ok": True, "why": ""}  # the last state the readiness check logged

    @probe("/v2/health/ready", response_model=oip.Ready, tags=["server"],
             responses={503: {"model": oip.Ready, "description": "store unreachable or no model registered"}})
    def ready() -> Response:
        try:
            from sqlalchemy import text

            with service.store.Session() as s:
                s.execute(text("SELECT 1"))
            ok, why = bool(list_cards()), "no model is registered"
            # a full disk failed every save (503) while this answered 200, so the balancer kept sending calls here
            # (an IT review); below the floor, this process is not ready until space is freed
            free = shutil.disk_usage(service.store.blobs.root).free
            if ok and free < MIN_FREE_BYTES:
                ok, why = False, (f"the folder of stored inputs ({service.store.blobs.root}) has {free / 2**20:.0f} MB "
                                  f"free, under the {MIN_FREE_BYTES // 2**20} MB a save may need")
        except Exception as exc:  # noqa: BLE001 - not ready, whatever the cause
            ok, why = False, f"{type(exc).__name__}: {printable(str(exc)).splitlines()[0][:300] if str(exc) else ''}"
        # one line when readiness changes, not a traceback per probe: a stopped database gave 452 log lines for
        # 3 requests, as load balancers probe every few seconds (an IT review)
        if ok != readiness["ok"] or (not ok and why != readiness["why"]):
            if ok:
                log.warning("ready again: the case database answers")
            else:
                log.error("not ready (answering 503): %s", why)
            readiness.update(ok=ok, why=why)
        # Retry-After as on every other 503 of the service (a re-check found it missing here)
        return JSONResponse({"ready": ok}, status_code=200 if ok else 503, headers={} if ok else {"Retry-After": "30"})

    async def _audit(call: _Call) -> None:
        if service.audit_writer.sync:
            await run_in_threadpool(service.audit, call)
        else:
            service.audit(call)

    async def _authorised(request: Request, action: str, model_id: str | None, version: str | None = None):
        """model_id None: the model list (no card). A model called "*" is a name like any other: 404."""
        call = _Call(action=action, model=printable(model_id or "*")[:200], request_id=request_id_of(request),
                     client=request.client.host if request.client else None)
        if service.audit_writer.full:  # no row for this refusal either: the trail is what cannot be written
            return call, None, _error(ApiError(503, AUDIT_FULL, {"Retry-After": "30"}))
        try:
            call.caller = await run_in_threadpool(service.authenticate, request)
            await service.check_rate_async(call.caller)
            if model_id is None:
                return call, None, None
            card = service.card_for(model_id, version)
            call.version = card.version
            return call, card, None
        except ApiError as exc:
            call.status, call.refusal = exc.status, exc.audit
            await _audit(call)
            return call, None, _error(exc)
        except DATABASE_DOWN as exc:  # the token could not be checked: a 503, audited (held until the store is back)
            log.error("case store unavailable in %s of %s (request %s): %s", call.action, call.model, call.request_id,
                      printable(first_line(exc)))
            call.status = 503  # it went unaudited through the middleware: a gap in the trail (an IT review)
            await _audit(call)
            return call, None, _error(ApiError(503, STORE_DOWN, {"Retry-After": "30"}))

    @app.get("/v2/models", tags=["models"], responses=_READ_ERRORS)
    async def models(request: Request) -> Response:
        call, _card, error = await _authorised(request, "api.models", None)
        if error is not None:
            return error
        payload = [{"name": c.id, "version": c.version, "modality": c.modality, "title": c.name}
                   for c in list_cards()]
        call.status = 200
        await _audit(call)
        return JSONResponse({"models": payload})

    async def _metadata(request: Request, model_name: str, version: str | None) -> Response:
        call, card, error = await _authorised(request, "api.metadata", model_name, version)
        if error is not None:
            return error
        call.status = 200
        await _audit(call)
        return JSONResponse(service.metadata(card))

    async def _ready(request: Request, model_name: str, version: str | None) -> Response:
        call, card, error = await _authorised(request, "api.ready", model_name, version)
        if error is not None:
            return error
        await run_in_threadpool(service.model, card)
        call.status = 200
        await _audit(call)
        return JSONResponse({"name": card.id, "ready": True})

    async def _infer(request: Request, model_name: str, version: str | None, explain: bool) -> Response:
        call, card, error = await _authorised(request, "api.explain" if explain else "api.infer", model_name, version)
        if error is not None:
            return error
        try:
            body = _decoded(await _read_limited(request, body_limit(card)),
                            request.headers.get("content-encoding"), body_limit(card))
            call.input_sha256 = uploads.content_hash(body)
            content_type = request.headers.get("content-type")
            # a header with no type in it (";;;") is no header: it was named as "sent as :" (an IT review)
            media_type = (content_type.split(";")[0].strip().lower() or None) if content_type else None
            if media_type and media_type.startswith("multipart/"):  # read as the file, boundaries and all, before
                raise ApiError(415, _MULTIPART)
            if media_type == "application/x-www-form-urlencoded" and body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
                # curl -d / --data-urlencode: "note=My+skin+itches" was analysed and saved as the note (a re-check);
                # JSON sent with curl -d is still read as JSON
                raise ApiError(415, _URLENCODED)
            if media_type and media_type not in ("application/json", "application/x-www-form-urlencoded") \
                    and not media_type.endswith("+json") and not read_as_a_file(media_type):
                raise ApiError(415, _UNREAD_MEDIA.format(media_type=printable(media_type)[:100]))
            given = Counter(k for k, _ in request.query_params.multi_items())
            if repeated := sorted(k for k, n in given.items() if n > 1):  # ?case=A&case=B saved to B, unsaid
                raise ApiError(400, f"?{repeated[0]}= is given {given[repeated[0]]} times; send it once. Nothing was "
                                    "analysed or saved.")
            args = (call.caller, card, body, media_type, request.headers.get("inference-header-content-length"),
                    dict(request.query_params), explain)  # a misspelt ?cas= is refused (_check_parameter_names)
            if dispatch is None:
                result = await run_in_threadpool(service.run, *args, call)
            else:
                analysed = await dispatch(call, *args)
                result = await run_in_threadpool(service.respond, call.caller, card, analysed, explain, call)
            call.status = 200
            return Response(json.dumps(result, ensure_ascii=False, allow_nan=False), media_type="application/json")
        except ApiError as exc:
            call.status = exc.status
            return _error(exc)
        except InputError as exc:  # includes malformed requests (RequestError)
            status = 413 if exc.field == "size" else 400  # a file over the page's limit for it: too large
            call.status = status
            return _error(ApiError(status, exc.message))
        except ClientDisconnect:  # the caller closed the connection before its body arrived: no one to answer
            log.info("client closed the connection before its request arrived in %s of %s (request %s)",
                     call.action, call.model, request_id_of(request))
            call.status = CLIENT_GONE
            return Response(status_code=CLIENT_GONE)
        except DATABASE_DOWN as exc:  # the store, not the request: a 503
            log.error("case store unavailable in %s of %s (request %s): %s", call.action, call.model,
                      request_id_of(request), printable(first_line(exc)))
            call.status = 503
            return _error(ApiError(503, STORE_DOWN, {"Retry-After": "30"}))
        except Exception:  # logged, answered here: an exception left to Starlette would close the connection
            log.exception("unexpected error in %s of %s (request %s)", call.action, call.model, request_id_of(request))
            call.status = 500
            return _error(ApiError(500, FAILED))
        finally:
            await _audit(call)

    meta_kwargs = {"response_model": oip.ModelMetadata, "tags": ["models"], "responses": _READ_ERRORS}
    ready_kwargs = {"response_model": oip.Ready, "tags": ["models"], "responses": _READ_ERRORS}
    infer_kwargs = {"response_model": oip.InferenceResponse, "tags": ["inference"], "responses": _ERRORS,
                    "openapi_extra": {"requestBody": _REQUEST_BODY}}

    @app.get("/v2/models/{model_name}", **meta_kwargs)
    async def model_metadata(request: Request, model_name: str) -> Response:
        return await _metadata(request, model_name, None)

    @app.get("/v2/models/{model_name}/versions/{model_version}", **meta_kwargs)
    async def model_version_metadata(request: Request, model_name: str, model_version: str) -> Response:
        return await _metadata(request, model_name, model_version)

    @probe("/v2/models/{model_name}/ready", **ready_kwargs)
    async def model_ready(request: Request, model_name: str) -> Response:
        return await _ready(request, model_name, None)

    @probe("/v2/models/{model_name}/versions/{model_version}/ready", **ready_kwargs)
    async def model_version_ready(request: Request, model_name: str, model_version: str) -> Response:
        return await _ready(request, model_name, model_version)

    @app.post("/v2/models/{model_name}/infer", summary="Predict (OIP v2 infer)", **infer_kwargs)
    async def infer(request: Request, model_name: str) -> Response:
        return await _infer(request, model_name, None, explain=False)

    @app.post("/v2/models/{model_name}/versions/{model_version}/infer", summary="Predict a given version",
              **infer_kwargs)
    async def infer_version(request: Request, model_name: str, model_version: str) -> Response:
        return await _infer(request, model_name, model_version, explain=False)

    @app.post("/v2/models/{model_name}/explain", summary="Predict and explain (SHAP)", **infer_kwargs)
    async def explain(request: Request, model_name: str) -> Response:
        return await _infer(request, model_name, None, explain=True)

    @app.post("/v2/models/{model_name}/versions/{model_version}/explain", summary="Predict and explain a version",
              **infer_kwargs)
    async def explain_version(request: Request, model_name: str, model_version: str) -> Response:
        return await _infer(request, model_name, model_version, explain=True)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _, defs = models_json_schema([(oip.InferenceRequest, "validation")],
                                         ref_template="#/components/schemas/{model}")
            schema.setdefault("components", {}).setdefault("schemas", {}).update(defs.get("$defs", {}))
            schema["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = _tidy_openapi(schema)
        return app.openapi_schema

    app.openapi = openapi
    return app


_REQUEST_BODY = {
    "required": True,
    "description": "An OIP inference request (JSON), or one file as the raw body with its media type "
                   "(application/octet-stream, application/dicom, image/png, audio/wav, text/plain, text/csv ...). "
                   "With a raw body, ?case=REF saves to a case.",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/InferenceRequest"}},
        **{media: {"schema": {"type": "string", "format": "binary"}}
           # every type the service reads (PDF, DOCX, XLSX and TSV were read but not declared: an API review)
           for media in RAW_BODY_TYPES},
    },
}
