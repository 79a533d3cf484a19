"""What an IT review of the HTTP API found (2026-12-03), each asserted against the real service: nothing saved
before a 400, shapes and datatypes refused with specific messages, the survival outputs the CLI gives, outcome
tensors ignored with the page's note, metadata that lists every output and limit, 413 for a file over its limit,
X-Request-ID on every answer, a 500 that keeps the connection, and an OpenAPI document without 422s."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from medapp.analysis import analyse
from medapp.ports import free_loopback_port
from medapp.registry import load_model
from medapp.security import uploads
from medapp.service.app import case_id_of
from medapp.service.limits import body_limit

REPO = Path(__file__).resolve().parents[2]

MODEL = "heart-disease"
AGE = {"name": "age", "datatype": "FP64", "shape": [1], "data": [58]}


def outputs(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return {o["name"]: o for o in response.json()["outputs"]}


def test_an_unknown_requested_output_is_refused_before_anything_is_saved(service):
    with service.client() as c:
        r = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [AGE], "outputs": [{"name": "nope"}],
                                                      "parameters": {"case": "APIREV-0005"}})
        # an output that exists only on /explain, asked of /infer: also refused before the save
        r2 = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [AGE], "outputs": [{"name": "values"}],
                                                       "parameters": {"case": "APIREV-0006"}})
    assert r.status_code == 400 and r.json()["error"] == ("No output named nope; the outputs are label, probabilities, "
                                                          "warnings, details, model_version, assessed.")
    assert r2.status_code == 400 and "No output named values" in r2.json()["error"]
    store = service.store()
    assert case_id_of(store, "APIREV-0005") is None and case_id_of(store, "APIREV-0006") is None
    rows = service.audit_rows("api.infer", until=lambda rows: any(
        r["detail"]["status"] == 400 and r["detail"]["saved_analyses"] == [] for r in rows))
    assert any(r["detail"]["status"] == 400 and r["detail"]["saved_analyses"] == [] for r in rows)


def test_a_huge_or_negative_shape_is_a_400_and_the_connection_stays_open(service):
    with service.client() as c:
        huge = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{**AGE, "shape": [10**20]}]})
        negative = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{**AGE, "shape": [-1]}]})
        zero_dims = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{**AGE, "shape": [10**20, 10**20]}]})
        boolean = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{**AGE, "shape": [True]}]})
        after = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [AGE]})
    assert huge.status_code == 400, huge.text
    assert huge.json()["error"] == "input 'age': shape [100000...(21 digits)] does not match its 1 data elements."
    assert negative.status_code == 400 and "shape dimension -1 is not a non-negative integer" in negative.json()["error"]
    assert zero_dims.status_code == 400 and "does not match its 1 data elements" in zero_dims.json()["error"]
    assert boolean.status_code == 400 and "shape" in boolean.json()["error"]
    assert after.status_code == 200


def test_true_or_false_for_a_number_is_refused(service):
    with service.client() as c:
        r = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{**AGE, "data": [True]}]})
    assert r.status_code == 400
    assert r.json()["error"] == ("input 'age' is FP64 but holds a true/false value; send numbers (or null for not "
                                 "measured).")


def test_records_are_assessed_and_say_so(service):
    with service.client() as c:
        out = outputs(c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{**AGE, "shape": [2], "data": [58, 70]}]}))
    assert out["assessed"] == {"name": "assessed", "datatype": "BOOL", "shape": [2], "data": [True, True]}
    assert set(out["label"]["data"]) <= {"absent", "present"}


def test_a_survival_model_returns_risk_score_and_survival_as_the_cli_does(service):
    model = load_model("heart-failure")
    typical = model.card.input["typical"]
    inputs = [{"name": k, "shape": [1], "datatype": "FP64", "data": [v]} for k, v in typical.items()]
    with service.client() as c:
        meta = c.get("/v2/models/heart-failure").json()
        out = outputs(c.post("/v2/models/heart-failure/infer", json={"inputs": inputs}))
        records_meta = c.get(f"/v2/models/{MODEL}").json()
    curve = analyse(model, model.record(typical), explain=False).prediction.survival
    assert out["risk_score"]["datatype"] == "FP64" and out["risk_score"]["data"] == pytest.approx([curve.risk_score])
    assert out["survival"]["datatype"] == "BYTES"
    assert json.loads(out["survival"]["data"][0]) == pytest.approx(curve.survival_by_horizon())
    assert list(json.loads(out["survival"]["data"][0])) == ["30", "90", "180"]
    listed = {o["name"]: o for o in meta["outputs"]}
    assert listed["risk_score"]["datatype"] == "FP64" and listed["survival"]["datatype"] == "BYTES"
    assert listed["survival"]["parameters"]["horizons_days"] == [30, 90, 180]
    assert "risk_group" in meta["parameters"]["details_keys"]
    assert "risk_score" not in {o["name"] for o in records_meta["outputs"]}  # only survival models have them


def test_an_outcome_tensor_is_ignored_with_the_pages_note_and_not_stored(service):
    model = load_model("heart-failure")
    typical = model.card.input["typical"]
    inputs = [{"name": k, "shape": [1], "datatype": "FP64", "data": [v]} for k, v in typical.items()]
    inputs.append({"name": "time", "shape": [1], "datatype": "FP64", "data": [120]})
    with service.client() as c:
        out = outputs(c.post("/v2/models/heart-failure/infer",
                             json={"inputs": inputs, "parameters": {"case": "APIREV-HF-TIME"}}))
        plain = outputs(c.post("/v2/models/heart-failure/infer", json={"inputs": inputs[:-1]}))
    warnings = json.loads(out["warnings"]["data"][0])
    assert "Outcome column time is not used as input: it is what the model predicts." in warnings
    assert out["probabilities"]["data"] == plain["probabilities"]["data"]
    store = service.store()
    saved = store.case_detail(case_id_of(store, "APIREV-HF-TIME"), {"username": "ada", "role": "admin"},
                              log_view=False)["analyses"][0]
    assert "time" not in json.loads(store.blobs.get(saved["input_sha256"]))


def test_metadata_lists_every_output_format_and_limit(service):
    with service.client() as c:
        records = c.get(f"/v2/models/{MODEL}").json()
        genomics = c.get("/v2/models/srbct-tumour").json()
        speech = c.get("/v2/models/dictation-whisper").json()
        notes = c.get("/v2/models/symptom-disease").json()
    names = [o["name"] for o in records["outputs"]]
    assert names == ["label", "probabilities", "warnings", "details", "model_version", "assessed"]  # new ones last
    assert "not assessed" in records["parameters"]["not_assessed"]
    assert [o["name"] for o in records["parameters"]["explain_outputs"]] == [
        "base_value", "method", "target", "output_space", "values", "names", "top_contributions", "explanation_data"]
    sex = next(i for i in records["inputs"] if i["name"] == "sex")
    assert sex["datatype"] == "INT64" and "as BYTES" in sex["parameters"]["accepts"]
    assert records["parameters"]["max_request_bytes"] == body_limit(load_model(MODEL).card)
    assert [o["name"] for o in speech["outputs"]][-2:] == ["text", "segments"]
    assert speech["inputs"][0]["parameters"]["formats"] == sorted(uploads.PROFILES["speech"].accepts)
    assert speech["inputs"][0]["parameters"]["accepts"] == "WAV, FLAC, OGG or MP3"
    gene_input = genomics["inputs"][0]["parameters"]
    assert gene_input["formats"] == ["csv/tsv", "xlsx"] and "gene identifiers as column headers" in gene_input["accepts"]
    assert notes["parameters"]["max_request_bytes"] == 8_039_082 and notes["parameters"]["max_file_bytes"] == 5 * 2**20
    assert notes["parameters"]["size_limits"].startswith("a request body up to 7.67 MB (8,039,082 bytes)")


def test_a_note_over_its_limit_is_a_413_and_the_request_limit_is_stated_exactly(service):
    with service.client() as c:
        file_too_large = c.post("/v2/models/symptom-disease/infer", content=b"a " * (3 * 2**20),
                                headers={"Content-Type": "text/plain"})
        body_too_large = c.post("/v2/models/symptom-disease/infer", content=b"a" * (10 * 2**20),
                                headers={"Content-Type": "text/plain"})
    assert file_too_large.status_code == 413
    assert file_too_large.json() == {"error": "The uploaded file is 6.0 MB; the limit for a note is 5.0 MB."}
    assert body_too_large.status_code == 413
    assert body_too_large.json() == {"error": "The request is larger than the 7.67 MB (8,039,082 bytes) this "
                                              "model accepts."}


def test_an_unknown_model_name_is_not_echoed_in_full(service):
    with service.client() as c:
        r = c.get("/v2/models/" + "x" * 5000)
    assert r.status_code == 404 and len(r.json()["error"]) < 250 and "(5000 characters)" in r.json()["error"]


def test_every_answer_carries_a_request_id_and_the_audit_row_has_it(service):
    with service.client() as c:
        mine = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [AGE]}, headers={"X-Request-ID": "ehr-42.7"})
        made = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [AGE]})
        odd = c.get("/v2/health/live", headers={"X-Request-ID": "x" * 500})
        error = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{**AGE, "data": [True]}]},
                       headers={"X-Request-ID": "ehr-43"})
    assert mine.headers["x-request-id"] == "ehr-42.7" and error.headers["x-request-id"] == "ehr-43"
    assert len(made.headers["x-request-id"]) == 32 and made.headers["x-request-id"] != "ehr-42.7"
    assert len(odd.headers["x-request-id"]) == 32  # not a plain token of at most 128 characters: a new one
    rows = service.audit_rows("api.infer", until=lambda rows: {"ehr-42.7", "ehr-43"} <= {
        r["detail"].get("request_id") for r in rows})
    by_id = {r["detail"].get("request_id"): r for r in rows}
    assert by_id["ehr-42.7"]["detail"]["status"] == 200 and by_id["ehr-43"]["detail"]["status"] == 400


def test_openapi_documents_the_real_errors_open_paths_and_case_parameters(service):
    spec = httpx.get(f"{service.url}/openapi.json").json()
    text = json.dumps(spec)
    assert '"422"' not in text and "HTTPValidationError" not in text
    for path in ("/v2", "/v2/health/live", "/v2/health/ready"):
        assert [op["security"] for op in spec["paths"][path].values()] == [[]] * len(spec["paths"][path])
    infer = spec["paths"]["/v2/models/{model_name}/infer"]["post"]
    assert {"400", "401", "403", "404", "409", "413", "415", "429", "503"} <= set(infer["responses"])
    assert infer["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert {p["name"] for p in infer["parameters"] if p["in"] == "query"} == {"case", "case_title", "same_patient",
                                                                                "pixels_checked", "frame_number"}
    assert "security" not in infer  # the document's default: bearer
    # the headers the answers carry, and the media types a raw body may have (generated clients were too strict)
    assert infer["responses"]["429"]["headers"]["Retry-After"]["$ref"].endswith("/Retry-After")
    assert infer["responses"]["503"]["headers"]["Retry-After"]["$ref"].endswith("/Retry-After")
    assert infer["responses"]["401"]["headers"]["WWW-Authenticate"]["$ref"].endswith("/WWW-Authenticate")
    assert {"application/json", "application/dicom", "image/*", "audio/*", "text/csv", "text/tab-separated-values",
            "application/pdf"} <= set(infer["requestBody"]["content"])
    assert spec["components"]["schemas"]["InferenceRequest"]["properties"]["inputs"]["minItems"] == 1


def test_an_unexpected_error_is_a_json_500_and_the_connection_is_kept():
    """An exception handler for Exception alone cannot do this (Starlette re-raises after it and uvicorn then
    closes the connection); the service's RequestIdMiddleware answers such errors itself."""
    import uvicorn

    from medapp.service.app import create_app

    app = create_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 30
        while not server.started and time.time() < deadline:
            time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/boom", headers={"X-Request-ID": "bug-1"})
        first = conn.getresponse()
        body = json.loads(first.read())
        local = conn.sock.getsockname()
        conn.request("GET", "/v2/health/live")
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read()) == {"live": True}
        assert conn.sock.getsockname() == local  # the same connection: not closed after the 500
        assert first.status == 500 and body == {"error": "The service failed on this request; it has been logged."}
        assert first.getheader("x-request-id") == "bug-1"
        conn.close()
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def test_true_or_false_for_a_category_label_is_refused(service):
    # it was read as the text 'True': "Sex: 'True' is not one of female, male"
    with service.client() as c:
        r = c.post(f"/v2/models/{MODEL}/infer",
                   json={"inputs": [{"name": "sex", "datatype": "BYTES", "shape": [1], "data": [True]}]})
    assert r.status_code == 400
    assert r.json()["error"] == ("input 'sex' is BYTES but holds a true/false value; send text (a category's label, "
                                 "or a file).")


def test_an_unreachable_database_is_a_503_with_a_reason_not_a_500(tmp_path, monkeypatch):
    """With PostgreSQL stopped, an authenticated call answered 500 'The service failed'; it is the database. Its
    refusal is audited (an IT review: it left no row), and kept in a file when the database never comes back."""
    import json

    from starlette.testclient import TestClient

    from medapp.service.app import create_app

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MEDAPP_DATABASE_URL", f"postgresql+psycopg://u:pw@127.0.0.1:{free_loopback_port()}/none")
    app = create_app()
    app.state.service.audit_writer.SHUTDOWN_WAIT_S = 0.2  # the database is not coming back in this test
    with TestClient(app) as client:
        r = client.get("/v2/models", headers={"Authorization": "Bearer not-checked-the-store-is-down"})
        ready = client.get("/v2/health/ready")
    [kept] = [json.loads(line) for path in tmp_path.glob("audit-unwritten-*.jsonl") for line in path.read_text().splitlines()]
    assert (kept["action"], kept["detail"]["status"], kept["username"]) == ("api.models", 503, "api:anonymous")
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    assert r.json()["error"].startswith("The case store (its database of tokens, cases and audit, or its folder of "
                                        "stored inputs) cannot be used just now; nothing was saved, or, for a request "
                                        "of several inputs, only those stored before the failure")
    assert ready.status_code == 503 and ready.headers["retry-after"] == "30"


def test_a_folder_of_stored_inputs_that_cannot_be_written_is_a_503_and_nothing_is_saved(tmp_path, monkeypatch):
    """A resilience review: with the blob folder read-only, a save answered 500 "The service failed" and the app showed
    Streamlit's crash box. The folder is a file here (as root, a read-only mode does not stop a write)."""
    from starlette.testclient import TestClient

    from medapp.cases.blobs import BlobStore
    from medapp.cases.store import CaseStore
    from medapp.security.accounts import create_user
    from medapp.security.tokens import create_token
    from medapp.service.app import create_app

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore(f"sqlite:///{tmp_path / 'medapp.db'}", BlobStore(tmp_path / "blobs"))
    create_user(store, "ada", "service pw 123", "admin")
    _, secret = create_token(store, {"username": "ada", "role": "admin"}, "ada")
    body = {"inputs": [{"name": "age", "shape": [1], "datatype": "FP64", "data": [61]}],
            "parameters": {"case": "BLOBS-DOWN"}}
    with TestClient(create_app()) as client:
        assert client.get("/v2/models", headers={"Authorization": f"Bearer {secret}"}).status_code == 200  # store open
        (tmp_path / "blobs").rename(tmp_path / "blobs-away")
        (tmp_path / "blobs").write_text("not a folder")
        r = client.post(f"/v2/models/{MODEL}/infer", json=body, headers={"Authorization": f"Bearer {secret}"})
        (tmp_path / "blobs").unlink()
        (tmp_path / "blobs-away").rename(tmp_path / "blobs")
        again = client.post(f"/v2/models/{MODEL}/infer", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 503 and r.headers["retry-after"] == "30", r.text
    assert "cannot be used just now; nothing was saved" in r.json()["error"] and str(tmp_path) not in r.text
    assert again.status_code == 200, again.text  # back: the same call saves
    [case] = [c for c in store.list_cases() if c["reference"] == "BLOBS-DOWN"]
    assert len(store.case_detail(case["id"], {"username": "ada", "role": "admin"}, log_view=False)["analyses"]) == 1


def test_the_cli_names_a_database_it_cannot_open_in_one_line():
    env = {**os.environ, "MEDAPP_DATABASE_URL": "postgresql+psycopg://u:secretpw@127.0.0.1:1/none"}
    out = subprocess.run([sys.executable, "-m", "medapp", "users", "list"], env=env, capture_output=True, text=True,
                         cwd=REPO, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "secretpw" not in out.stderr
    assert out.stderr.startswith("error: the case database postgresql+psycopg://u:***@127.0.0.1:1/none cannot be used")


def test_samples_of_several_expression_tables_say_which_file_they_came_from(service):
    """An integration review: two tables of 2 and 1 samples came back as "sample 1", "sample 2", "sample 1"."""
    import base64

    import pandas as pd

    from medapp.modalities.genomics.train import read_khan
    from medapp.registry import data_root

    genes, X, _ = read_khan(data_root())
    tables = [pd.DataFrame(X[rows], columns=genes, index=names).to_csv().encode()
              for rows, names in (([0, 30], ["first", "second"]), ([50], ["third"]))]
    request = {"inputs": [{"name": "file", "datatype": "BYTES", "shape": [2],
                           "parameters": {"content_type": "base64", "media_type": "text/csv"},
                           "data": [base64.b64encode(t).decode() for t in tables]}]}
    with service.client() as c:
        out = outputs(c.post("/v2/models/srbct-tumour/infer", json=request))
    samples = [json.loads(d)["sample"] for d in out["details"]["data"]]
    assert samples == ["File 1, first", "File 1, second", "File 2, third"]
    # and a bad sample's refusal names its file too (a re-check: "sample 2: 9 non-numeric value(s)")
    bad = pd.DataFrame(X[[50]], columns=genes, index=["third"]).astype(object)
    bad.iloc[0, 0] = "abc"
    request["inputs"][0]["data"][1] = base64.b64encode(bad.to_csv().encode()).decode()
    with service.client() as c:
        refused = c.post("/v2/models/srbct-tumour/infer", json=request)
    assert refused.status_code == 400 and refused.json()["error"].startswith("File 2, "), refused.text


def test_expression_tables_are_saved_as_profiles_without_their_sample_names(service):
    """A re-check: saving a table of samples to a case was refused at save time ("could not be de-identified"), after
    an earlier file of the same request had been stored: each sample stored the whole uploaded table."""
    import base64

    import pandas as pd

    from medapp.modalities.genomics.train import read_khan
    from medapp.registry import data_root

    genes, X, _ = read_khan(data_root())
    table = pd.DataFrame(X[[0, 30]], columns=genes, index=["LAB-0042", "LAB-0043"]).to_csv().encode()
    request = {"inputs": [{"name": "file", "datatype": "BYTES", "shape": [1],
                           "parameters": {"content_type": "base64", "media_type": "text/csv"},
                           "data": [base64.b64encode(table).decode()]}],
               "parameters": {"case": "API-GEN-SAVE"}}
    with service.client() as c:
        r = c.post("/v2/models/srbct-tumour/infer", json=request)
    assert r.status_code == 200, r.text
    store = service.store()
    detail = store.case_detail(case_id_of(store, "API-GEN-SAVE"), {"username": "ada", "role": "admin"},
                               log_view=False)
    assert len(detail["analyses"]) == 2
    for i, a in enumerate(detail["analyses"], start=1):
        stored = store.blobs.get(a["input_sha256"]).decode()
        assert stored.startswith("gene,value") and "LAB-004" not in stored  # the profile, not the table
        assert a["prediction"].part == f"sample {i} of 2 in the request"  # never the sample's name
        assert "LAB-004" not in str(a["prediction"].to_dict())


def test_notes_about_a_table_that_name_other_samples_are_not_kept_with_a_saved_sample(service):
    """A data-protection review: a row labelled "Smith J 1962" that held text was refused, and the note saying so
    ("Smith J 1962 holds text, not expression values") was saved with every other sample of the file, then shown on
    Cases, in Meeting mode and in both reports."""
    import base64

    import pandas as pd

    from medapp.modalities.genomics.train import read_khan
    from medapp.registry import data_root

    genes, X, _ = read_khan(data_root())
    table = pd.DataFrame(X[[0]], columns=genes, index=["LAB-0051"])
    table.loc["Smith J 1962"] = "pending"
    request = {"inputs": [{"name": "file", "datatype": "BYTES", "shape": [1],
                           "parameters": {"content_type": "base64", "media_type": "text/csv"},
                           "data": [base64.b64encode(table.to_csv().encode()).decode()]}],
               "parameters": {"case": "API-GEN-NOTES"}}
    with service.client() as c:
        r = c.post("/v2/models/srbct-tumour/infer", json=request)
    assert r.status_code == 200, r.text
    assert "Smith J 1962 holds text" in r.text  # the caller, who sent the file, is told
    store = service.store()
    detail = store.case_detail(case_id_of(store, "API-GEN-NOTES"), {"username": "ada", "role": "admin"},
                               log_view=False)
    [saved] = detail["analyses"]
    kept = json.dumps(saved["prediction"].to_dict()) + json.dumps(saved["explanation"].to_dict())
    assert "Smith" not in kept and "LAB-0051" not in kept
    assert saved["prediction"].label in ("EWS", "BL", "NB", "RMS")


def test_a_binary_header_length_out_of_range_is_named_as_it_is(service):
    """An API review: a negative Inference-Header-Content-Length was answered "is larger than the body"."""
    body = json.dumps({"inputs": [{"name": "age", "datatype": "FP64", "shape": [1], "data": [50]}]}).encode()
    url = f"/v2/models/{MODEL}/infer"
    with service.client() as c:
        negative = c.post(url, content=body, headers={"Inference-Header-Content-Length": "-5"})
        too_long = c.post(url, content=body, headers={"Inference-Header-Content-Length": str(len(body) + 10)})
    assert negative.status_code == 400 and negative.json()["error"] == (
        "Inference-Header-Content-Length is -5; it is the JSON header's length in bytes, 0 or more.")
    assert too_long.status_code == 400 and too_long.json()["error"] == (
        f"Inference-Header-Content-Length ({len(body) + 10} bytes) is larger than the body ({len(body)} bytes).")


def test_a_fraction_in_an_integer_tensor_is_refused_and_the_schema_lists_the_datatypes(service):
    """An API review: {"datatype": "INT8", "data": [63.5]} answered 200 with 63.5 read, 300 was given the field's
    range as its fault; and a fuzzer sent a datatype
    of "" because the schema allowed any text."""
    url = f"/v2/models/{MODEL}/infer"
    with service.client() as c:
        r = c.post(url, json={"inputs": [{"name": "age", "datatype": "INT8", "shape": [1], "data": [63.5]}]})
        whole = c.post(url, json={"inputs": [{"name": "age", "datatype": "INT8", "shape": [1], "data": [63.0]}]})
        # 300 as INT8 was answered with the age field's clinical range, as if INT8 could hold it (a review)
        wide = c.post(url, json={"inputs": [{"name": "age", "datatype": "INT8", "shape": [2], "data": [63, 300]}]})
        negative = c.post(url, json={"inputs": [{"name": "age", "datatype": "UINT8", "shape": [1], "data": [-1]}]})
    assert r.status_code == 400 and r.json()["error"] == (
        "input 'age' is INT8 but holds 63.5; send whole numbers, or declare it FP64.")
    assert wide.status_code == 400 and wide.json()["error"] == (
        "input 'age' is INT8 (-128 to 127) but holds 300; declare a wider type (INT32, FP64).")
    assert negative.status_code == 400 and negative.json()["error"].startswith("input 'age' is UINT8 (0 to 255)")
    assert whole.status_code == 200
    spec = httpx.get(f"{service.url}/openapi.json").json()
    assert "INT8" in spec["components"]["schemas"]["RequestInput"]["properties"]["datatype"]["enum"]


def test_nan_in_a_json_request_is_refused_by_name(service):
    """An API review: {"data": [NaN]} (Python's JSON reads it; JSON has no NaN) answered "No values were entered"."""
    body = b'{"inputs": [{"name": "age", "datatype": "FP64", "shape": [1], "data": [NaN]}]}'
    with service.client() as c:
        r = c.post(f"/v2/models/{MODEL}/infer", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == (
        "The request holds NaN, which JSON does not have: send null for a value not measured, or a number.")


def test_binary_data_no_input_claims_is_refused(service):
    """An API review: bytes after the last input's binary_data_size were accepted without a word."""
    import struct

    header = json.dumps({"inputs": [{"name": "age", "datatype": "FP64", "shape": [1],
                                     "parameters": {"binary_data_size": 8}}]}).encode()
    exact = header + struct.pack("<d", 63.0)
    with service.client() as c:
        ok = c.post(f"/v2/models/{MODEL}/infer", content=exact,
                    headers={"Inference-Header-Content-Length": str(len(header))})
        extra = c.post(f"/v2/models/{MODEL}/infer", content=exact + b"\0" * 5,
                       headers={"Inference-Header-Content-Length": str(len(header))})
    assert ok.status_code == 200, ok.text
    assert extra.status_code == 400 and extra.json()["error"] == (
        "5 bytes of binary data follow the inputs' binary_data_size; each input's size must cover its data exactly.")


def test_an_integrators_review_forged_address_slash_redirect_empty_type_and_operation_ids(service):
    """A second IT review (2026-12-07): a caller on this machine wrote any address into the audit trail with
    X-Forwarded-For; "/infer/" was a 307 to an absolute http:// address from the Host header; "Content-Type: ;;;"
    was named as "sent as :"; GET and HEAD shared one operationId."""
    with service.client() as c:
        forged = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [AGE]},
                        headers={"X-Forwarded-For": "10.66.66.66", "X-Request-ID": "forged-xff-1"})
        slash = c.post(f"/v2/models/{MODEL}/infer/", json={"inputs": [AGE]}, headers={"Host": "medapp.example"})
        empty = c.post(f"/v2/models/{MODEL}/infer", content=json.dumps({"inputs": [AGE]}),
                       headers={"Content-Type": ";;;"})
    assert forged.status_code == 200
    assert slash.status_code == 404 and "location" not in slash.headers
    assert empty.status_code == 200, empty.text  # no type given: read as the JSON it is, as with no header
    rows = service.audit_rows("api.infer", until=lambda rows: any(
        r["detail"].get("request_id") == "forged-xff-1" for r in rows))
    [row] = [r for r in rows if r["detail"].get("request_id") == "forged-xff-1"]
    assert row["detail"]["client"] == "127.0.0.1"  # the connection's address, not the header's
    spec = httpx.get(f"{service.url}/openapi.json").json()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert httpx.head(f"{service.url}/v2/health/ready").status_code == 200  # HEAD still answered


def test_a_caller_that_leaves_mid_body_is_audited_as_gone_not_as_a_server_error(service):
    import socket

    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall((f"POST /v2/models/symptom-disease/infer HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {service.tokens['clinician']}\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 100000\r\nX-Request-ID: left-mid-body\r\n\r\nMy skin").encode())
        time.sleep(0.3)
    rows = service.audit_rows("api.infer", until=lambda rows: any(
        r["detail"].get("request_id") == "left-mid-body" for r in rows))
    [row] = [r for r in rows if r["detail"].get("request_id") == "left-mid-body"]
    assert row["detail"]["status"] == 499 and row["detail"]["outcome"] == "client closed the connection"
    assert "unexpected error" not in (service.var / "service.log").read_text()


def test_an_answer_is_compressed_for_a_client_that_asks_and_the_same_when_it_does_not(service):
    with service.client() as c:
        zipped = c.post(f"/v2/models/{MODEL}/explain", json={"inputs": [AGE]}, headers={"Accept-Encoding": "gzip"})
        plain = c.post(f"/v2/models/{MODEL}/explain", json={"inputs": [AGE]}, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert zipped.json()["outputs"] == plain.json()["outputs"]
    assert zipped.headers["x-request-id"] and plain.headers["x-request-id"]
