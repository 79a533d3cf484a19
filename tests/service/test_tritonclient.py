"""Triton's own HTTP client against the service: server and model metadata, and infer on a records
model with binary tensor data (tritonclient's default) and with JSON data."""
from __future__ import annotations

import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from medapp.analysis import analyse
from medapp.registry import load_model

MODEL = "heart-disease"
PATIENT = {"age": 63.0, "sex": 1.0, "cp": 4.0, "trestbps": 145.0, "chol": 233.0, "thalach": 150.0, "oldpeak": 2.3}


@pytest.fixture(scope="module")
def client(service):
    c = triton.InferenceServerClient(url=service.url.removeprefix("http://"))
    # a fresh dict per call: tritonclient adds its Inference-Header-Content-Length to the one it is given
    yield c, lambda: {"Authorization": f"Bearer {service.tokens['clinician']}"}
    c.close()


def _inputs(binary: bool) -> list[triton.InferInput]:
    inputs = []
    for name, value in PATIENT.items():
        t = triton.InferInput(name, [1], "FP64")
        t.set_data_from_numpy(np.array([value]), binary_data=binary)
        inputs.append(t)
    thal = triton.InferInput("thal", [1], "BYTES")  # a category by its clinical label
    thal.set_data_from_numpy(np.array([b"reversible defect"], dtype=object), binary_data=binary)
    return [*inputs, thal]


def test_metadata_through_tritonclient(client):
    c, headers = client
    assert c.is_server_live() and c.is_server_ready()
    assert c.get_server_metadata()["name"] == "medapp"
    meta = c.get_model_metadata(MODEL, headers=headers())
    assert meta["name"] == MODEL and meta["versions"] == [load_model(MODEL).card.version]
    assert {"age", "thal"} <= {i["name"] for i in meta["inputs"]}
    assert c.is_model_ready(MODEL, headers=headers())
    with pytest.raises(InferenceServerException):
        c.get_model_metadata(MODEL)  # no token


@pytest.mark.parametrize("binary, compression", [(True, None), (False, None), (True, "gzip"), (False, "deflate")],
                         ids=["binary-tensors", "json-tensors", "binary-gzip", "json-deflate"])
def test_infer_through_tritonclient(client, binary, compression):
    # a compressed request (tritonclient's request_compression_algorithm) was read as it came: a 400
    c, headers = client
    result = c.infer(MODEL, _inputs(binary), headers=headers(), request_compression_algorithm=compression)
    model = load_model(MODEL)
    page = analyse(model, model.record({**PATIENT, "thal": "reversible defect"}), explain=False).prediction
    assert np.allclose(result.as_numpy("probabilities"), page.probabilities[None, :], atol=1e-12)
    assert [str(v, "utf-8") if isinstance(v, bytes) else v for v in result.as_numpy("label").tolist()] == [page.label]
    assert result.get_response()["model_version"] == model.card.version


def test_bad_input_through_tritonclient_is_the_pages_message(client):
    c, headers = client
    bad = triton.InferInput("trestbps", [1], "FP64")
    bad.set_data_from_numpy(np.array([999.0]))
    with pytest.raises(InferenceServerException, match="Resting blood pressure: 999 is outside the valid range"):
        c.infer(MODEL, [bad], headers=headers())
