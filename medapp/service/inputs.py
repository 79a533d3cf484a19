"""From request tensors or a raw file body to the model inputs the pages build, one `Case` per analysis.

The pages' own loaders do the work (record_from_mapping, imaging.io.decode, the audio model's
load_bytes, notes read_note + NoteInput), so the API gives the same inputs, warnings and InputError
messages as the UI. What would be saved to a case is the same too: the form's values as JSON for a
record, the file's bytes for an image or a recording, the de-identified text for a note.
A model of a modality not listed here is read through its CLI contract (`read_inputs` on a file).
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import mimetypes
import tempfile
from dataclasses import dataclass, is_dataclass, replace
from pathlib import Path
from typing import Any

from ..modalities.records.io import MAX_COHORT_ROWS
from ..types import InputError, Model, ModelCard
from .protocol import RequestError, RequestInput

# Media types of files the modalities read, for naming (detection is always by content).
_EXTENSIONS = {"application/dicom": ".dcm", "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/flac": ".flac",
               "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "text/plain": ".txt", "application/pdf": ".pdf",
               "text/csv": ".csv", "image/png": ".png", "image/jpeg": ".jpg", "application/zip": ".zip",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
FILE_INPUT = {"imaging": "image", "audio": "recording", "notes": "note"}
FILE_MEDIA = {"imaging": "DICOM, PNG, JPEG, TIFF, BMP or a ZIP of them",
              "audio": "WAV, FLAC, OGG or MP3", "speech": "WAV, FLAC, OGG or MP3",
              "notes": "plain text, PDF or DOCX",
              "genomics": "CSV, TSV or Excel (.xlsx) expression table: one sample or a cohort, samples as rows with "
                          "gene identifiers as column headers, or as columns with gene identifiers in the first "
                          "column"}


@dataclass(frozen=True)
class Case:
    x: Any  # the model input
    input_bytes: bytes  # what a case stores (the store de-identifies it again by modality)
    input_name: str  # only its suffix is ever stored


def is_tabular(model: Model) -> bool:
    """A model of named fields (records, survival): one tensor per field, a record per patient."""
    return hasattr(model, "fields") and hasattr(model, "record")


def _row_json(model: Model, x: Any) -> bytes:
    values = {f.name: (None if math.isnan(v) else float(v)) for f, v in zip(model.fields, x.values)}
    return json.dumps(values, sort_keys=True).encode()


def file_input_name(card: ModelCard) -> str:
    return FILE_INPUT.get(card.modality, "file")


def extension_for(media_type: str | None) -> str:
    if not media_type:
        return ""
    media_type = media_type.split(";")[0].strip().lower()
    return _EXTENSIONS.get(media_type) or mimetypes.guess_extension(media_type) or ""


# -- records ---------------------------------------------------------------------------------------
def _record_cases(model: Model, tensors: list[RequestInput], elements: list[list[Any]]) -> list[Case]:
    fields = {f.name: f for f in model.fields}
    # survival models: an outcome (follow-up time, event) is what the model predicts; as in a CSV or the CLI's
    # JSON it is passed to model.record, which ignores it with a note, and it is never stored with the case
    outcomes = {str(c).strip().lower() for c in getattr(model, "outcome_columns", ())}
    columns: dict[str, list[Any]] = {}
    for t, data in zip(tensors, elements):
        if t.name not in fields and t.name.strip().lower() not in outcomes:
            raise RequestError(f"'{t.name}' is not an input of {model.card.name}; its inputs are "
                               f"{', '.join(fields)} (one tensor per field, shape [n]).")
        if t.name in columns:
            raise RequestError(f"input '{t.name}' is given twice.")
        if len(t.shape) != 1:
            raise RequestError(f"input '{t.name}' has shape {t.shape}; a record field is a tensor of shape [n] "
                               "for n patients.")
        if t.shape[0] > MAX_COHORT_ROWS:  # as for a CSV body, before a value is read: 2,000,000 patients in one
            # 5.7 MB request held the service 93 s and 3 GB (a security review)
            raise RequestError(f"input '{t.name}' has {t.shape[0]:,} patients; the limit is {MAX_COHORT_ROWS:,} per "
                               "request (send them in parts).")
        if t.datatype == "BOOL":  # true read as 1 ("'True' is not one of no, yes"; "Age: 0 is outside ...")
            raise RequestError(f"input '{t.name}' is BOOL; a record field is a number (FP64/INT64) or a category's "
                               "code or label (INT64 or BYTES).")
        columns[t.name] = [_scalar(v) for v in data]
    sizes = {len(v) for v in columns.values()}
    if len(sizes) != 1:
        raise RequestError("The record fields have different lengths: every field needs one value per patient.")
    n = sizes.pop()
    if n == 0:
        raise RequestError("No patients: the field tensors are empty.")
    cases, errors = [], {}
    for i in range(n):
        values = {name: col[i] for name, col in columns.items()}
        try:
            record = model.record(values)
        except InputError as exc:  # every bad row is said, as for a CSV body (only the first was, a review)
            if n == 1:
                raise
            errors[i + 1] = exc.message
            continue
        # the values as validated, as the pages and a CSV body store them: "male", "Male" and 1 are one patient, so a
        # resend in another encoding is recognised as already in the case (it was stored again, a review)
        cases.append(Case(record, _row_json(model, record), "patient.json"))
    if errors:
        raise _rows_error(errors)
    return cases


def _rows_error(errors: dict[int, str]) -> InputError:
    """One refusal naming the first five bad rows and how many more there are."""
    shown = [f"row {row}: {msg}" for row, msg in sorted(errors.items())[:5]]
    more = len(errors) - len(shown)
    return InputError(" | ".join(shown) + (f" (and {more} more rows)" if more > 0 else ""), row=min(errors))


def _scalar(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _record_file_cases(model: Model, data: bytes, name: str) -> list[Case]:
    from ..modalities.records.io import Record

    cohort = model.validate_cohort(data, name)
    if cohort.errors:
        raise _rows_error({row: "; ".join(msgs) for row, msgs in cohort.errors.items()})
    cases = []
    for row, x in zip(cohort.rows, cohort.X):
        record = Record(x, tuple(cohort.file_warnings + cohort.warnings.get(row, [])))
        values = {f.name: (None if math.isnan(v) else float(v)) for f, v in zip(model.fields, x)}
        cases.append(Case(record, json.dumps(values, sort_keys=True).encode(), "patient.json"))
    return cases


# -- files -----------------------------------------------------------------------------------------
def _file_elements(card: ModelCard, tensors: list[RequestInput],
                   elements: list[list[Any]]) -> list[tuple[bytes, str, str]]:
    """(file bytes, name used in messages, file suffix) per element."""
    expected = file_input_name(card)
    if len(tensors) != 1:
        raise RequestError(f"{card.name} takes one input, '{expected}' (BYTES, one file per element).")
    t, data = tensors[0], elements[0]
    if t.name != expected:
        raise RequestError(f"'{t.name}' is not an input of {card.name}; its input is '{expected}' "
                           "(BYTES, one file per element).")
    if t.datatype != "BYTES":
        raise RequestError(f"input '{expected}' is BYTES (a file per element), not {t.datatype}.")
    if not data:
        raise RequestError(f"input '{expected}' holds no file.")
    params = t.parameters or {}
    content_type = str(params.get("content_type", "")).lower()
    ext = extension_for(params.get("media_type"))
    out = []
    for i, item in enumerate(data, start=1):
        name = f"File {i}" if len(data) > 1 else "The uploaded file"
        if isinstance(item, bytes):  # binary tensor data: the file itself
            out.append((item, name, ext))
        elif not isinstance(item, str):
            raise RequestError(f"input '{expected}' element {i} is not a string; files are sent base64-encoded.")
        elif content_type == "str" or (card.modality == "notes" and content_type != "base64"):
            if content_type != "str" and _base64_text(item):  # a note base64-encoded, read as its words
                raise RequestError(f"input '{expected}' element {i} looks base64-encoded: set the input's "
                                   "parameters.content_type to 'base64', or send the note's text itself.")
            out.append((item.encode("utf-8", "surrogatepass"), name, ext or ".txt"))
        else:
            try:
                out.append((base64.b64decode(item, validate=True), name, ext))
            except (binascii.Error, ValueError):
                raise RequestError(f"input '{expected}' element {i} is not valid base64; in JSON a file is sent "
                                   "base64-encoded (parameters.content_type 'base64').") from None
    return out


def _base64_text(item: str) -> bool:
    """A string with no spaces that decodes as base64 to readable UTF-8 text: an encoded note, not a note (one was
    classified as 'drug reaction' with only a 'very short' warning)."""
    item = item.strip()
    if len(item) < 24 or any(c.isspace() for c in item):
        return False
    try:
        text = base64.b64decode(item, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return sum(c.isprintable() or c.isspace() for c in text) >= 0.95 * len(text)


def _file_cases(model: Model, data: bytes, name: str, ext: str, frame_number: int | None = None) -> list[Case]:
    modality = model.card.modality
    if modality == "imaging":
        from ..modalities.imaging.io import decode_at_frame

        images = decode_at_frame(data, name, frame_number)
        # a ZIP member keeps its own name (and so its suffix); a single file gets the sent media type's
        return [Case(x, x.raw or data, x.name if x.name != name else "image" + ext) for x in images]
    if modality == "audio":
        x = model.load_bytes(data, name)
        return [Case(x, data, "recording" + ext)]
    if modality == "notes":
        from ..modalities.notes.io import read_note
        from ..modalities.notes.model import NoteInput

        x = NoteInput.from_text(read_note(data, name), name)
        return [Case(x, x.text.encode("utf-8"), "note.txt")]
    # Any other modality: the model's own file reader, as the CLI uses it.
    tabular = is_tabular(model)
    with tempfile.TemporaryDirectory(prefix="medapp-api-") as tmp:
        path = Path(tmp) / f"input{ext}"
        path.write_bytes(data)
        cases, bad_rows = [], {}
        for _, x in model.read_inputs(path):
            if isinstance(x, InputError) and x.row is not None and tabular:  # every bad row of a table, as records
                bad_rows[x.row] = x.message.removeprefix(f"row {x.row}: ")  # (a survival CSV named only its first)
                continue
            if isinstance(x, InputError):  # which file, when there are several ("sample 2: ..." said neither)
                message = x.message.replace(path.name, name)
                raise InputError(message if name == "The uploaded file" or message.startswith(name)
                                 else f"{name}, {message}", field=x.field, row=x.row)
            # a row of a table is stored as its values, as the records page stores a patient; a model that says what
            # a case keeps of an input (a gene-expression profile as gene,value rows) is asked, as its page asks it:
            # the whole uploaded table was stored per sample, and the de-identifier refused it at save (a re-check)
            if tabular and hasattr(x, "values"):
                cases.append(Case(x, _row_json(model, x), "patient.json"))
            elif (stored := model.stored_input(x)) is not None:
                cases.append(Case(x, *stored))
            else:
                cases.append(Case(x, data, "input" + ext))
    if bad_rows:
        raise _rows_error(bad_rows)
    if not cases:
        raise InputError(f"{name} holds nothing {model.card.name} can analyse.")
    return cases


def cases_from_tensors(model: Model, tensors: list[RequestInput], elements: list[list[Any]],
                       frame_number: int | None = None) -> list[Case]:
    if not tensors:
        raise RequestError("The request has no inputs.")
    if is_tabular(model):
        return _record_cases(model, tensors, elements)
    cases = []
    files = _file_elements(model.card, tensors, elements)
    for data, name, ext in files:
        got = _file_cases(model, data, name, ext, frame_number)
        if len(files) > 1:  # several tables: each sample says its file ("sample 1" came back once per file)
            got = [replace(c, x=replace(c.x, sample=f"{name}, {c.x.sample}"))
                   if is_dataclass(c.x) and hasattr(c.x, "sample") else c for c in got]
        cases.extend(got)
    return cases


def cases_from_body(model: Model, data: bytes, media_type: str | None, frame_number: int | None = None) -> list[Case]:
    """A raw request body holding one file (its media type as Content-Type): one case (an image ZIP or a
    records table gives several). `frame_number` (from 1): the frame of a multi-frame DICOM image to analyse."""
    name, ext = "The uploaded file", extension_for(media_type)
    if _json_request(data):  # before reading: a note model read the request's JSON as the note, and saved it
        raise InputError(f"The body is a JSON inference request but was sent as {media_type}: send it with "
                         "Content-Type: application/json (or with no Content-Type).")
    try:
        if model.card.modality == "records":  # the records page's cohort reader, with its per-row messages
            return _record_file_cases(model, data, name)
        return _file_cases(model, data, name, ext, frame_number)
    except InputError as exc:
        mismatch = declared_mismatch(media_type, data)
        if mismatch is None:
            raise
        raise InputError(f"{mismatch} {exc.message}", field=exc.field, row=exc.row) from None


def _json_request(data: bytes) -> bool:
    """Whether a body is an inference request in JSON (an object with `inputs`)."""
    if data.lstrip()[:1] != b"{":
        return False
    try:
        return isinstance(request := json.loads(data), dict) and "inputs" in request
    except ValueError:
        return False


# The kinds of content each declared media type family stands for (the content decides what is read; the
# declared type only explains a failure: a text body sent as image/png read "has a header but no patient rows")
_DECLARED = {"image": {"png", "jpeg", "tiff", "bmp", "gif", "dicom"}, "audio": {"wav", "flac", "ogg", "mp3", "webm"},
             "text": {"text"}, "application/dicom": {"dicom"}, "application/pdf": {"pdf"}}


def declared_mismatch(media_type: str | None, data: bytes) -> str | None:
    """"The body was sent as image/png, but its content is a text file." when the declared type and the content
    disagree; None when they agree or nothing specific was declared."""
    from ..security.uploads import KINDS, sniff

    declared = (media_type or "").split(";")[0].strip().lower()
    family = _DECLARED.get(declared) or _DECLARED.get(declared.split("/")[0])
    if not family or not data:
        return None
    kind = sniff(data)
    if kind in family:
        return None
    return f"The body was sent as {declared}, but its content is {KINDS.get(kind, kind)}."
