"""Open Inference Protocol (KServe v2 REST) messages: request decoding and the schemas shown at /docs.

A request body is JSON, optionally followed by binary tensor data (Triton's binary tensor extension,
which `tritonclient` uses by default: the `Inference-Header-Content-Length` header says where the
JSON ends, and each input with `parameters.binary_data_size` takes that many bytes in order).
Nothing here unpickles or evaluates anything: JSON, base64, and fixed numeric layouts only.
"""
from __future__ import annotations

import json
import re
import struct
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from ..types import InputError

# Numeric datatypes of the protocol and their little-endian numpy layout (binary tensor extension).
NUMPY_DTYPES = {
    "BOOL": "?", "UINT8": "<u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8", "INT8": "<i1",
    "INT16": "<i2", "INT32": "<i4", "INT64": "<i8", "FP16": "<f2", "FP32": "<f4", "FP64": "<f8",
}
DATATYPES = (*NUMPY_DTYPES, "BYTES")


class RequestInput(BaseModel):
    name: str = Field(description="For record models a card field name (one tensor per field, shape [n] for n "
                                  "patients); for file models the model's single input (e.g. 'image').")
    shape: list[Annotated[int, Field(strict=True)]] = Field(
        description="Tensor shape; [n] for n patients or n files. Each dimension a non-negative integer; "
                    "their product is the number of data elements.")
    datatype: str = Field(description="FP64, INT64, ... or BYTES (files and category labels).",
                          json_schema_extra={"enum": list(DATATYPES)})  # checked below, with its own message
    parameters: dict[str, Any] | None = Field(None, description="content_type: 'base64' (files sent as base64 "
                                              "strings) or 'str' (plain text); binary_data_size for binary data.")
    data: list[Any] | None = Field(None, description="Flat or nested, row-major. null = not measured (records).")


class RequestOutput(BaseModel):
    name: str
    parameters: dict[str, Any] | None = None


class InferenceRequest(BaseModel):
    id: str | None = None
    parameters: dict[str, Any] | None = Field(None, description="case: a pseudonymous case reference to save "
                                              "every analysis to (created when new); case_title: its title; same_patient: "
                                              "true to save an input whose DICOM Patient ID differs from the "
                                              "case's (else 409); pixels_checked: true to save images that declare "
                                              "burned-in text, once looked at (else 409).")
    inputs: list[RequestInput] = Field(min_length=1)  # refused empty: the schema said so only after a fuzzer asked
    outputs: list[RequestOutput] | None = None


class ResponseOutput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    parameters: dict[str, Any] | None = None
    data: list[Any]


class InferenceResponse(BaseModel):
    model_name: str
    model_version: str
    id: str | None = None
    parameters: dict[str, Any] | None = None
    outputs: list[ResponseOutput]


class ErrorResponse(BaseModel):
    error: str


class TensorMeta(BaseModel):
    name: str
    datatype: str
    shape: list[int]
    parameters: dict[str, Any] | None = None


class ModelMetadata(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMeta]
    outputs: list[TensorMeta]
    parameters: dict[str, Any] | None = None


class ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]
    build: str  # medapp's version and a digest of its code (medapp/build.py), as saved analyses record it


class Ready(BaseModel):
    name: str | None = None
    ready: bool


class Live(BaseModel):
    """The protocol's liveness answer ({"live": true}; until 2026-12-03 this service answered {"ready": true})."""

    live: bool


class RequestError(InputError):
    """A malformed request (not the clinician's input): also a 400."""


def _flatten(data: Any) -> list[Any]:
    if not isinstance(data, list):
        return [data]
    out: list[Any] = []
    stack = [iter(data)]
    while stack:  # iterative: a deeply nested body must not exhaust the Python stack
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            out.append(item)
        else:
            stack.pop()
    return out


def _binary_elements(raw: bytes, datatype: str, name: str) -> list[Any]:
    if datatype == "BYTES":
        out, pos = [], 0
        while pos < len(raw):
            if pos + 4 > len(raw):
                raise RequestError(f"input '{name}': binary BYTES data is truncated.")
            (size,) = struct.unpack_from("<I", raw, pos)
            pos += 4
            if pos + size > len(raw):
                raise RequestError(f"input '{name}': binary BYTES data is truncated.")
            out.append(raw[pos:pos + size])
            pos += size
        return out
    dtype = np.dtype(NUMPY_DTYPES[datatype])
    if len(raw) % dtype.itemsize:
        raise RequestError(f"input '{name}': {len(raw)} bytes is not a whole number of {datatype} values.")
    return np.frombuffer(raw, dtype=dtype).tolist()


class _NotJson(Exception):
    pass


_LONE_SURROGATE_HINT = re.compile(r"\\u[dD][89a-fA-F]")  # the cheap test: any surrogate escape at all


def _has_lone_surrogate(raw: Any) -> bool:
    try:
        json.dumps(raw, ensure_ascii=False).encode("utf-8")  # a pair decodes to one character; a half cannot encode
    except UnicodeEncodeError:
        return True
    return False


def _not_json(constant: str):
    raise _NotJson(constant)


def parse_request(body: bytes, header_length: str | None) -> tuple[InferenceRequest, list[list[Any]]]:
    """The request and each input's flat list of elements (bytes for binary BYTES elements)."""
    binary = b""
    if header_length is not None:
        try:
            n = int(header_length)
        except ValueError:
            raise RequestError("Inference-Header-Content-Length is not a number.") from None
        if n < 0:  # said as it is ("larger than the body" for -5: an API review)
            raise RequestError(f"Inference-Header-Content-Length is {n}; it is the JSON header's length in bytes, "
                               "0 or more.")
        if n > len(body):
            raise RequestError(f"Inference-Header-Content-Length ({n} bytes) is larger than the body "
                               f"({len(body)} bytes).")
        body, binary = body[:n], body[n:]
    try:  # strictly: json.loads lets bytes through that encode half a surrogate pair (ED A0 80), a 500 later
        text = body.decode(json.detect_encoding(body)) if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise RequestError("The request body is not valid UTF-8 (or UTF-16/32) text: send JSON encoded as UTF-8.") \
            from None
    try:
        raw = json.loads(text, parse_constant=_not_json)
    except _NotJson as exc:  # Python reads NaN, which JSON has not; it became "No values were entered" (a review)
        raise RequestError(f"The request holds {exc}, which JSON does not have: send null for a value not measured, "
                           "or a number.") from None
    except (ValueError, RecursionError):
        raise RequestError("The request body is not valid JSON. Send an inference request "
                           "({\"inputs\": [...]}) or a file with its media type as Content-Type.") from None
    if _LONE_SURROGATE_HINT.search(text) and _has_lone_surrogate(raw):
        # "\ud800" alone is valid JSON but no character: echoed in a message, stored in a case or the answer's id it
        # was a 500 (a security review)
        raise RequestError("The request holds a \\u escape that is half of a surrogate pair (such as \\ud800), which is "
                           "not a character: send the text as UTF-8.")
    try:
        request = InferenceRequest.model_validate(raw)
    except ValidationError as exc:  # shown as a short list of what is wrong
        errors = exc.errors()
        where = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:3])
        raise RequestError(f"The inference request is malformed ({where or exc}).") from None
    elements, offset = [], 0
    for tensor in request.inputs:
        if tensor.datatype not in DATATYPES:
            raise RequestError(f"input '{tensor.name}': unknown datatype {tensor.datatype!r}; one of "
                               f"{', '.join(DATATYPES)}.")
        size = (tensor.parameters or {}).get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or size < 0 or offset + size > len(binary):
                raise RequestError(f"input '{tensor.name}': binary_data_size does not match the binary data sent.")
            flat = _binary_elements(binary[offset:offset + size], tensor.datatype, tensor.name)
            offset += size
        elif tensor.data is None:
            raise RequestError(f"input '{tensor.name}' has no data.")
        else:
            flat = _flatten(tensor.data)
        check_shape(tensor.name, tensor.shape, len(flat))
        if size is None and tensor.datatype != "BOOL":
            kind = next((type(v).__name__ for v in flat if isinstance(v, bool | dict)), None)
            if kind is not None:  # JSON true would otherwise be read as 1, or as the text 'True'
                want = ("text (a category's label, or a file)" if tensor.datatype == "BYTES"
                        else "numbers (or null for not measured)")
                raise RequestError(f"input '{tensor.name}' is {tensor.datatype} but holds a "
                                   f"{'true/false value' if kind == 'bool' else 'JSON object'}; send {want}.")
            if "INT" in tensor.datatype:  # 63.5 as INT8 was read as 63.5 (an API review): the type said otherwise
                fraction = next((v for v in flat if isinstance(v, float) and not v.is_integer()), None)
                if fraction is not None:
                    raise RequestError(f"input '{tensor.name}' is {tensor.datatype} but holds {fraction!r}; send "
                                       "whole numbers, or declare it FP64.")
                # 300 as INT8 was answered with the field's clinical range, as if the type held it (a review)
                info = np.iinfo(np.dtype(NUMPY_DTYPES[tensor.datatype]))
                wide = next((v for v in flat if isinstance(v, int | float) and not info.min <= v <= info.max), None)
                if wide is not None:
                    raise RequestError(f"input '{tensor.name}' is {tensor.datatype} ({info.min} to {info.max}) but "
                                       f"holds {wide!r}; declare a wider type (INT32, FP64).")
        elements.append(flat)
    if offset < len(binary):  # bytes no input claims: a wrong binary_data_size, or a tensor left out (a review)
        raise RequestError(f"{len(binary) - offset} bytes of binary data follow the inputs' binary_data_size; each "
                           "input's size must cover its data exactly.")
    return request, elements


MAX_DIMS = 32


def check_shape(name: str, shape: list[int], count: int) -> None:
    """A shape must be non-negative integers whose product is the number of elements sent. Checked without
    multiplying past `count`, so a shape of 10**20 is refused as such rather than overflowing."""
    if len(shape) > MAX_DIMS:
        raise RequestError(f"input '{name}': shape has {len(shape)} dimensions; at most {MAX_DIMS}.")
    bad = next((d for d in shape if not isinstance(d, int) or isinstance(d, bool) or d < 0), None)
    if bad is not None:
        raise RequestError(f"input '{name}': shape dimension {bad!r} is not a non-negative integer.")
    product = 1
    for d in shape:
        product *= d
        if product > count and 0 not in shape:  # already larger than what was sent: say so, stop multiplying
            shown = ", ".join(str(x) if len(str(x)) <= 12 else f"{str(x)[:6]}...({len(str(x))} digits)"
                              for x in shape)
            raise RequestError(f"input '{name}': shape [{shown}] does not match its {count} data elements.")
    if product != count:
        raise RequestError(f"input '{name}': shape {shape} does not match its {count} data elements.")


def tensor(name: str, datatype: str, data: list[Any], shape: list[int] | None = None,
           parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {"name": name, "datatype": datatype, "shape": shape if shape is not None else [len(data)], "data": data}
    if parameters:
        out["parameters"] = parameters
    return out
