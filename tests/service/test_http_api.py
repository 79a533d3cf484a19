"""The inference service over HTTP with httpx: every endpoint and error code on a records model, tokens,
cases and the audit trail. Other modalities are in test_http_modalities.py."""
from __future__ import annotations

import json
import re

import httpx
import numpy as np
import pytest

from medapp.analysis import analyse
from medapp.build import build_id
from medapp.registry import load_model
from medapp.service.app import case_id_of
from medapp.types import InputError

MODEL = "heart-disease"
PATIENTS = {"age": [63, 41], "sex": [1, "female"], "cp": [4, 2], "trestbps": [145, 120], "chol": [233, 199],
            "fbs": [1, 0], "restecg": [2, 0], "thalach": [150, 172], "exang": [0, 0], "oldpeak": [2.3, 0.0],
            "slope": [3, 1], "ca": [0, 0], "thal": ["fixed defect", 3]}


def records_request(patients: dict, **parameters) -> dict:
    n = len(next(iter(patients.values())))
    inputs = [{"name": k, "shape": [n], "datatype": "BYTES" if any(isinstance(v, str) for v in vs) else "FP64",
               "data": vs} for k, vs in patients.items()]
    return {"inputs": inputs, **({"parameters": parameters} if parameters else {})}


def outputs(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return {o["name"]: o for o in response.json()["outputs"]}


def test_health_and_server_metadata_need_no_token(service):
    assert httpx.get(f"{service.url}/v2/health/live").json() == {"live": True}  # the protocol's ServerLiveResponse
    assert httpx.get(f"{service.url}/v2/health/ready").json() == {"ready": True}
    meta = httpx.get(f"{service.url}/v2").json()
    assert meta["name"] == "medapp" and "explain" in meta["extensions"]
    assert meta["build"] == build_id() and meta["build"].startswith(f"{meta['version']}+")  # as saves record it


def test_model_metadata_comes_from_the_card(service):
    card = load_model(MODEL).card
    with service.client() as c:
        meta = c.get(f"/v2/models/{MODEL}").json()
        listed = c.get("/v2/models").json()["models"]
        assert c.get(f"/v2/models/{MODEL}/versions/{card.version}").json() == meta
        assert c.get(f"/v2/models/{MODEL}/ready").json() == {"name": MODEL, "ready": True}
    assert meta["name"] == MODEL and meta["versions"] == [card.version]
    assert [i["name"] for i in meta["inputs"]] == [f["name"] for f in card.input["features"]]
    by_name = {i["name"]: i for i in meta["inputs"]}
    assert by_name["age"]["datatype"] == "FP64" and by_name["age"]["shape"] == [-1]
    assert by_name["sex"]["datatype"] == "INT64" and by_name["sex"]["parameters"]["choices"] == {"0": "female",
                                                                                                  "1": "male"}
    assert by_name["trestbps"]["parameters"]["unit"] == "mmHg"
    probs = next(o for o in meta["outputs"] if o["name"] == "probabilities")
    assert probs["shape"] == [-1, 2] and probs["parameters"]["labels"] == list(card.labels)
    assert {m["name"] for m in listed} >= {"heart-disease", "chest-xray-pneumonia", "heart-sound", "symptom-disease"}


def test_infer_gives_what_the_page_gives_for_each_patient(service):
    model = load_model(MODEL)
    with service.client() as c:
        out = outputs(c.post(f"/v2/models/{MODEL}/infer", json=records_request(PATIENTS)))
    assert "values" not in out  # infer does not explain
    assert out["probabilities"]["shape"] == [2, 2] and out["label"]["shape"] == [2]
    probs = np.array(out["probabilities"]["data"]).reshape(2, 2)
    for i in range(2):
        page = analyse(model, model.record({k: v[i] for k, v in PATIENTS.items()}), explain=False).prediction
        assert np.allclose(probs[i], page.probabilities, atol=1e-12)
        assert out["label"]["data"][i] == page.label
        assert json.loads(out["warnings"]["data"][i]) == list(page.warnings)
        assert json.loads(out["details"]["data"][i])["risk_band"] == page.risk_band
    assert out["model_version"]["data"] == [model.card.version] * 2


def test_explain_is_the_pages_shap_explanation_and_adds_up(service):
    model = load_model(MODEL)
    one = {k: v[:1] for k, v in PATIENTS.items()}
    with service.client() as c:
        out = outputs(c.post(f"/v2/models/{MODEL}/versions/{model.card.version}/explain", json=records_request(one)))
    page = analyse(model, model.record({k: v[0] for k, v in one.items()}))
    values = np.array(out["values"]["data"])
    assert out["values"]["shape"] == [1, len(model.fields)]
    assert np.allclose(values, page.explanation.values, atol=1e-12)
    assert out["names"]["data"] == list(page.explanation.feature_names)
    assert out["method"]["data"] == [page.explanation.method] and out["output_space"]["data"] == ["log-odds"]
    # SHAP additivity in calibrated log-odds: base value + contributions = logit of the probability
    p = out["probabilities"]["data"][1]
    assert out["base_value"]["data"][0] + values.sum() == pytest.approx(np.log(p / (1 - p)), abs=1e-6)
    top = json.loads(out["top_contributions"]["data"][0])
    assert top[0][0] == page.explanation.top_contributions(1)[0][0]


def test_requested_outputs_only(service):
    request = {**records_request({"age": [50]}), "outputs": [{"name": "label"}, {"name": "base_value"}]}
    with service.client() as c:
        out = outputs(c.post(f"/v2/models/{MODEL}/explain", json=request))
        bad = c.post(f"/v2/models/{MODEL}/infer", json={**request, "outputs": [{"name": "nope"}]})
    assert set(out) == {"label", "base_value"}
    assert bad.status_code == 400 and "No output named nope" in bad.json()["error"]


def test_a_missing_field_is_not_measured_and_null_is_accepted(service):
    with service.client() as c:
        out = outputs(c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [
            {"name": "age", "shape": [1], "datatype": "FP64", "data": [60]},
            {"name": "chol", "shape": [1], "datatype": "FP64", "data": [None]}]}))
    assert "12 of 13 values not measured" in json.loads(out["warnings"]["data"][0])[0]


def test_bad_input_is_a_400_with_the_message_the_page_shows(service):
    model = load_model(MODEL)
    with pytest.raises(InputError) as page_error:
        model.record({"age": 63, "trestbps": 999})
    with service.client() as c:
        r = c.post(f"/v2/models/{MODEL}/infer", json=records_request({"age": [63], "trestbps": [999]}))
        assert r.status_code == 400 and r.json() == {"error": page_error.value.message}
        assert "Resting blood pressure: 999 is outside the valid range 60-250 mmHg" in r.json()["error"]
        r = c.post(f"/v2/models/{MODEL}/infer", json=records_request({"age": [63, 30], "trestbps": [120, 999]}))
        assert r.status_code == 400 and r.json()["error"].startswith("row 2: Resting blood pressure: 999")
        # every bad row is named, as for a CSV body (only the first was: an integration review)
        r = c.post(f"/v2/models/{MODEL}/infer", json=records_request({"age": [63, 999, 40],
                                                                      "trestbps": [145, 120, 9999]}))
        assert r.status_code == 400 and r.json()["error"].startswith("row 2: Age: 999 ")
        assert " | row 3: Resting blood pressure: 9999 " in r.json()["error"]
        r = c.post(f"/v2/models/{MODEL}/infer", json=records_request({"weight": [80]}))
        assert r.status_code == 400 and "'weight' is not an input of" in r.json()["error"]
        r = c.post(f"/v2/models/{MODEL}/infer", content=b"{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
        r = c.post(f"/v2/models/{MODEL}/infer", json={"inputs": [{"name": "age", "shape": [3], "datatype": "FP64",
                                                                  "data": [1, 2]}]})
        assert r.status_code == 400 and "does not match its 2 data elements" in r.json()["error"]


def test_a_csv_file_as_the_raw_body_is_a_cohort(service):
    csv = (",".join(PATIENTS) + "\n" + "\n".join(",".join(str(v[i]) for v in PATIENTS.values())
                                                 for i in range(2)) + "\n").encode()
    with service.client() as c:
        out = outputs(c.post(f"/v2/models/{MODEL}/infer", content=csv, headers={"Content-Type": "text/csv"}))
        assert out["label"]["shape"] == [2]
        bad = c.post(f"/v2/models/{MODEL}/infer", content=csv.replace(b",145,", b",999,"),
                     headers={"Content-Type": "text/csv"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("row 1: Resting blood pressure: 999")


def test_unknown_model_or_version_is_a_404(service):
    with service.client() as c:
        assert c.get("/v2/models/no-such-model").status_code == 404
        r = c.post("/v2/models/no-such-model/infer", json=records_request({"age": [50]}))
        assert r.status_code == 404 and "no model 'no-such-model'" in r.json()["error"]
        assert c.post(f"/v2/models/{MODEL}/versions/9.9.9/infer", json=records_request({"age": [50]})).status_code == 404


def test_no_token_or_a_wrong_one_is_a_401(service):
    body = records_request({"age": [50]})
    r = httpx.post(f"{service.url}/v2/models/{MODEL}/infer", json=body)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = httpx.post(f"{service.url}/v2/models/{MODEL}/infer", json=body,
                   headers={"Authorization": "Bearer medapp_not-a-real-token"})
    assert r.status_code == 401 and "unknown, revoked or expired" in r.json()["error"]
    assert httpx.get(f"{service.url}/v2/models/{MODEL}").status_code == 401


def test_too_large_is_a_413_before_the_body_is_read(service):
    # the notes model accepts 5 MB files: 8 MB is refused from the Content-Length header alone
    with service.client() as c:
        r = c.post("/v2/models/symptom-disease/infer", content=b"a" * (8 * 2**20),
                   headers={"Content-Type": "text/plain"})
    assert r.status_code == 413 and "larger than the" in r.json()["error"]


def test_too_many_calls_is_a_429_with_retry_after(service):
    body = records_request({"age": [50]})
    with service.client("slow") as c:  # this token may make 3 calls a minute
        codes = [c.post(f"/v2/models/{MODEL}/infer", json=body).status_code for _ in range(5)]
        r = c.post(f"/v2/models/{MODEL}/infer", json=body)
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_saving_to_a_case_is_de_identified_and_needs_a_token_that_may(service):
    one = {k: v[:1] for k, v in PATIENTS.items()}
    with service.client() as c:
        out = c.post(f"/v2/models/{MODEL}/explain", json=records_request(one, case="API-WARD-7",
                                                                         case_title="from the EHR")).json()
        again = c.post(f"/v2/models/{MODEL}/infer?case=API-WARD-7", content=(",".join(one) + "\n" + ",".join(str(v[1]) for v in PATIENTS.values()) + "\n").encode(),
                       headers={"Content-Type": "text/csv"}).json()
    saved = out["parameters"]["case"]
    assert saved["reference"] == "API-WARD-7" and len(saved["analysis_ids"]) == 1
    assert again["parameters"]["case"]["id"] == saved["id"]  # the second call joined the existing case
    detail = service.store().case_detail(saved["id"], {"username": "ada", "role": "admin"}, log_view=False)
    assert detail["title"] == "from the EHR" and [a["author"] for a in detail["analyses"]] == ["cleo", "cleo"]
    first = detail["analyses"][0]
    assert first["input_name"].startswith("records-") and first["input_name"].endswith(".json")
    assert first["explanation"] is not None and first["model_version"] == load_model(MODEL).card.version
    assert detail["analyses"][1]["explanation"] is not None  # saved with its explanation for the meeting
    with service.client("no-cases") as c:
        r = c.post(f"/v2/models/{MODEL}/infer", json=records_request(one, case="API-WARD-7"))
        assert r.status_code == 403 and "not save to cases" in r.json()["error"]
        assert c.post(f"/v2/models/{MODEL}/infer", json=records_request(one)).status_code == 200
    # this test's saves only: another test's save (the reviewer's) in the shared service is not this one's to judge
    mine = {f"analysis:{i}" for i in saved["analysis_ids"] + again["parameters"]["case"]["analysis_ids"]}
    rows = [r for r in service.audit_rows("analysis.save", at_least=2) if r["target"] in mine]
    assert len(rows) == 2 and {r["username"] for r in rows} == {"cleo"}
    # de-identified: the stored input holds the patient's values, not a name or record number sent beside them
    assert all(a["input_name"].startswith("records-") for a in detail["analyses"])


def test_every_call_is_audited_without_the_input(service):
    body = json.dumps(records_request({"age": [58], "trestbps": [131]})).encode()
    with service.client() as c:
        assert c.post(f"/v2/models/{MODEL}/infer", content=body).status_code == 200  # no Content-Type: JSON
    httpx.post(f"{service.url}/v2/models/{MODEL}/infer", content=body)
    import hashlib

    digest = hashlib.sha256(body).hexdigest()

    def mine_and_denied(rows):
        return ([r for r in rows if r["detail"].get("input_sha256") == digest and r["detail"]["status"] == 200],
                [r for r in rows if r["username"] == "api:anonymous" and r["detail"]["status"] == 401])

    rows = service.audit_rows("api.infer", until=lambda rows: all(mine_and_denied(rows)))
    mine, denied = mine_and_denied(rows)
    assert mine and mine[0]["username"] == "cleo" and mine[0]["target"] == f"model:{MODEL}"
    assert mine[0]["detail"]["token"] == service.token_ids["clinician"] and mine[0]["detail"]["outcome"] == "ok"
    assert mine[0]["detail"]["model"] == MODEL and mine[0]["detail"]["version"]
    # what was analysed and what saved, each by its name (the count of inputs was called "cases" beside no save)
    assert mine[0]["detail"]["inputs"] == 1 and mine[0]["detail"]["saved_analyses"] == []
    # and what was answered, by the code that answered (a quality auditor found no output in the row)
    from medapp.build import build_id

    assert sum(mine[0]["detail"]["labels"].values()) == 1 and set(mine[0]["detail"]["labels"]) <= {"absent", "present"}
    assert mine[0]["detail"]["with_warnings"] in (0, 1) and mine[0]["detail"]["app"] == build_id()
    assert denied
    # never the input itself: no field name, no field value (a digest or timing may contain the digits "131")
    assert all("trestbps" not in json.dumps(r["detail"]) for r in rows)
    assert all(131 not in [v for v in r["detail"].values() if isinstance(v, int | float)] for r in rows)


@pytest.mark.slow  # six runs of the command line, a few seconds each
def test_token_lifecycle_create_list_revoke_and_expiry(service):
    out = service.cli("tokens", "create", "remy", "--expires-days", "1", "--label", "research pipeline")
    assert out.returncode == 0
    secret = out.stdout.strip().splitlines()[-1]
    token_id = int(out.stdout.split()[2])
    assert secret.startswith("medapp_") and len(secret) > 40
    listing = service.cli("tokens", "list").stdout
    assert "research pipeline" in listing and secret not in listing and secret[:12] in listing
    rates = {line.split()[0]: line.split()[5] for line in listing.splitlines()[1:]}  # the calls/min column
    assert rates[str(service.token_ids["slow"])] == "3" and rates[str(token_id)] == "default"
    with service.store().Session() as s:  # stored only as a hash
        from sqlalchemy import text

        stored = [tuple(r) for r in s.execute(text("SELECT * FROM api_tokens"))]
    assert stored and not any(secret in str(row) for row in stored)
    headers = {"Authorization": f"Bearer {secret}"}
    body = records_request({"age": [50]})
    assert httpx.post(f"{service.url}/v2/models/{MODEL}/infer", json=body, headers=headers).status_code == 200
    revoked = service.cli("tokens", "revoke", str(token_id))
    assert revoked.returncode == 0 and revoked.stdout.strip() == f"revoked token {token_id}"
    again = service.cli("tokens", "revoke", str(token_id))  # said as it is, not "revoked" again
    assert again.returncode == 0 and again.stdout.strip().startswith(f"token {token_id} was already revoked on ")
    assert again.stdout.strip().endswith(" UTC; nothing changed")
    assert httpx.post(f"{service.url}/v2/models/{MODEL}/infer", json=body, headers=headers).status_code == 401
    assert f"{token_id:>4}  remy" in service.cli("tokens", "list").stdout
    assert "revoked" in [line for line in service.cli("tokens", "list").stdout.splitlines()
                         if line.strip().startswith(str(token_id))][0]
    # an expired token: its expiry moved into the past in the database
    out = service.cli("tokens", "create", "remy", "--expires-days", "1")
    expired_secret, expired_id = out.stdout.strip().splitlines()[-1], int(out.stdout.split()[2])
    with service.store().Session.begin() as s:
        from sqlalchemy import text

        s.execute(text("UPDATE api_tokens SET expires_at = '2000-01-01 00:00:00' WHERE id = :i"), {"i": expired_id})
    r = httpx.post(f"{service.url}/v2/models/{MODEL}/infer", json=body,
                   headers={"Authorization": f"Bearer {expired_secret}"})
    assert r.status_code == 401
    assert service.cli("tokens", "create", "nobody").returncode == 2
    actions = {r["action"] for r in service.store().audit_events()}
    assert {"token.create", "token.revoke"} <= actions
    # the refusals' audit rows say which token and why, and from where (they read "api:anonymous", token null,
    # "no valid token" alike: an IT review)
    unknown = httpx.post(f"{service.url}/v2/models/{MODEL}/infer", json=body,
                         headers={"Authorization": f"Bearer {secret[:-4]}xxxx"})
    assert unknown.status_code == 401

    def refusals(rows):
        return {r["detail"].get("token"): r["detail"] for r in rows
                if r["detail"]["status"] == 401 and r["detail"].get("refused")}

    rows = service.audit_rows("api.infer", until=lambda rows: len({token_id, expired_id, None} & set(refusals(rows))) == 3)
    refused = refusals(rows)
    assert refused[token_id]["refused"] == "revoked" and refused[token_id]["token_user"] == "remy"
    assert refused[expired_id]["refused"] == "expired"
    # rows without a token: other tests of the session's service (the fuzzing) send them too, in any order
    assert "unknown token" in {r["detail"]["refused"] for r in rows if r["detail"]["status"] == 401
                               and r["detail"].get("refused") and r["detail"].get("token") is None}
    assert all(d["client"] == "127.0.0.1" and d["outcome"] == "no valid token" for d in refused.values())


def test_a_reviewer_token_saves_as_the_reviewer(service):
    # a reviewer's role includes saving (roles are ordered: clinician < reviewer < admin); the save is the reviewer's
    with service.client("reviewer") as c:
        out = c.post(f"/v2/models/{MODEL}/infer", json=records_request({"age": [50]}, case="API-REVIEW-1")).json()
    analysis_id = out["parameters"]["case"]["analysis_ids"][0]
    rows = service.audit_rows("analysis.save", at_least=1)
    assert any(r["username"] == "remy" and r["target"] == f"analysis:{analysis_id}" for r in rows)
    detail = service.store().case_detail(out["parameters"]["case"]["id"], {"username": "ada", "role": "admin"},
                                         log_view=False)
    assert detail["reference"] == "API-REVIEW-1" and [a["author"] for a in detail["analyses"]] == ["remy"]


def test_openapi_docs_are_served(service):
    spec = httpx.get(f"{service.url}/openapi.json").json()
    assert "/v2/models/{model_name}/explain" in spec["paths"]
    assert "InferenceRequest" in spec["components"]["schemas"]
    # offline: every script and style sheet of /docs and /redoc comes from the service (it used a CDN: blank pages
    # on a hospital network without the internet)
    for page in ("/docs", "/redoc"):
        html = httpx.get(f"{service.url}{page}").text
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
        assert len(assets) >= 1 and "/openapi.json" in html and "https://" not in html and "http://" not in html, html
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from outside the service"
            reply = httpx.get(f"{service.url}{asset}")
            assert reply.status_code == 200 and len(reply.content) > 10_000, (asset, reply.status_code)


def test_a_survival_model_takes_the_same_field_tensors_and_tables(service):
    model = load_model("heart-failure")
    typical = model.card.input["typical"]
    request = {"inputs": [{"name": k, "shape": [1], "datatype": "FP64", "data": [v]} for k, v in typical.items()],
               "parameters": {"case": "API-HF-1"}}
    csv = (",".join(typical) + "\n" + ",".join(str(v) for v in typical.values()) + "\n").encode()
    with service.client() as c:
        meta = c.get("/v2/models/heart-failure").json()
        out = outputs(c.post("/v2/models/heart-failure/explain", json=request))
        table = outputs(c.post("/v2/models/heart-failure/infer", content=csv, headers={"Content-Type": "text/csv"}))
    assert [i["name"] for i in meta["inputs"]] == [f.name for f in model.fields]
    page = analyse(model, model.record(typical))
    assert np.allclose(out["probabilities"]["data"], page.prediction.probabilities, atol=1e-12)
    assert table["probabilities"]["data"] == out["probabilities"]["data"]
    assert np.allclose(out["values"]["data"], np.ravel(page.explanation.values), atol=1e-12)
    # the band and the risk group the page, the CLI and the warnings speak of (an integration review: absent), last
    curve = page.prediction.survival
    assert json.loads(table["survival_band"]["data"][0]) == pytest.approx(curve.band_by_horizon())
    assert table["risk_group"]["data"] == [curve.risk_group] and out["risk_group"]["data"] == [curve.risk_group]
    assert [o["name"] for o in meta["outputs"]][-2:] == ["survival_band", "risk_group"]
    detail = service.store().case_detail(case_id_of(service.store(), "API-HF-1"),
                                         {"username": "ada", "role": "admin"}, log_view=False)
    assert detail["analyses"][0]["model_id"] == "heart-failure"


def test_a_survival_table_names_every_bad_row_and_saved_rows_keep_their_place(service):
    """A re-check: a survival CSV sent to the API named only its first bad row (a records CSV names up to five), and
    two patients saved from one request said nothing of which row each was."""
    from medapp.render.stored import part_analysed

    model = load_model("heart-failure")
    typical = model.card.input["typical"]
    header = ",".join(typical)
    good = ",".join(str(v) for v in typical.values())
    age_only = ",".join(str(v) if k == "age" else "" for k, v in typical.items())
    too_old = ",".join("650" if k == "age" else str(v) for k, v in typical.items())
    bad = f"{header}\n{good}\n{age_only}\n{too_old}\n{age_only}\n".encode()
    two = f"{header}\n{good}\n{good.replace(str(typical['age']), '71', 1)}\n".encode()
    with service.client() as c:
        refused = c.post("/v2/models/heart-failure/infer", content=bad, headers={"Content-Type": "text/csv"})
        saved = c.post("/v2/models/heart-failure/infer?case=API-HF-ROWS", content=two,
                       headers={"Content-Type": "text/csv"})
    said = refused.json()["error"]
    assert refused.status_code == 400 and said.startswith("row 2: Only 1 of the model's 11 values was given")
    assert " | row 3: Age: 650 is outside the valid range" in said and " | row 4: Only 1 of the model's" in said
    assert saved.status_code == 200, saved.text
    detail = service.store().case_detail(case_id_of(service.store(), "API-HF-ROWS"),
                                         {"username": "ada", "role": "admin"}, log_view=False)
    assert sorted(part_analysed(a) for a in detail["analyses"]) == ["row 1 of 2 in the request",
                                                                    "row 2 of 2 in the request"]


def test_an_integrators_mistakes_get_their_own_answers(service):
    """A hospital IT review: a JSON request sent as a file read "has a header but no patient rows"; a UTF-8 BOM
    turned JSON into a table lacking every column; ?case= and parameters.case could disagree silently; a
    closed case was a 400; BOOL tensors read as 1; a resent input was stored once without a word."""
    one = {k: v[:1] for k, v in PATIENTS.items()}
    body = json.dumps(records_request(one)).encode()
    url = f"/v2/models/{MODEL}/infer"
    with service.client() as c:
        as_file = c.post(url, content=body, headers={"Content-Type": "application/octet-stream"})
        with_bom = c.post(url, content=b"\xef\xbb\xbf" + body, headers={"Content-Type": ""})
        disagree = c.post(f"{url}?case=API-Q-1", json=records_request(one, case="API-P-1"))
        title_alone = c.post(url, json=records_request(one, case_title="no case"))
        boolean = c.post(url, json={"inputs": [{"name": "fbs", "datatype": "BOOL", "shape": [1], "data": [True]}]})
        first = c.post(url, json=records_request(one, case="API-AGAIN-1")).json()["parameters"]["case"]
        again = c.post(url, json=records_request(one, case="API-AGAIN-1")).json()["parameters"]["case"]
    assert as_file.status_code == 400 and as_file.json()["error"] == (
        "The body is a JSON inference request but was sent as application/octet-stream: send it with "
        "Content-Type: application/json (or with no Content-Type).")
    assert with_bom.status_code == 200, with_bom.text
    assert disagree.status_code == 400 and disagree.json()["error"] == (
        "?case=API-Q-1 and parameters.case = 'API-P-1' disagree: send one of them.")
    assert title_alone.status_code == 400 and "send them with case" in title_alone.json()["error"]
    assert boolean.status_code == 400 and "input 'fbs' is BOOL" in boolean.json()["error"]
    assert "already_in_case" not in first and again["already_in_case"] == first["analysis_ids"]
    store = service.store()
    case_id = case_id_of(store, "API-AGAIN-1")
    store.set_status(case_id, {"username": "remy", "role": "reviewer"}, "closed")
    with service.client() as c:
        closed = c.post(url, json=records_request({k: v[1:] for k, v in PATIENTS.items()}, case="API-AGAIN-1"))
    assert closed.status_code == 409 and closed.json()["error"].startswith("Case API-AGAIN-1 is closed")


def test_metadata_says_where_zero_means_not_measured(service):
    with service.client() as c:
        inputs = {i["name"]: i["parameters"] for i in c.get("/v2/models/diabetes").json()["inputs"]}
    assert inputs["glucose"]["zero_means"].startswith("not measured")
    assert "zero_means" not in inputs["age"]


def test_a_compressed_body_is_inflated_within_the_limit(service):
    import gzip

    one = {k: v[:1] for k, v in PATIENTS.items()}
    body = json.dumps(records_request(one)).encode()
    url = f"/v2/models/{MODEL}/infer"
    with service.client() as c:
        plain = c.post(url, content=body, headers={"Content-Type": "application/json"})
        packed = c.post(url, content=gzip.compress(body),
                        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        bomb = c.post(url, content=gzip.compress(b" " * (120 * 2**20)),  # 120 MB of spaces in 120 KB
                      headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        unknown = c.post(url, content=body, headers={"Content-Type": "application/json", "Content-Encoding": "br"})
        broken = c.post(url, content=b"not gzip at all",
                        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert packed.status_code == 200 and outputs(packed)["probabilities"] == outputs(plain)["probabilities"]
    assert bomb.status_code == 413 and "decompressed, is larger than" in bomb.json()["error"]
    assert unknown.status_code == 400 and unknown.json()["error"].startswith("Content-Encoding br is not supported")
    assert broken.status_code == 400 and "could not be decompressed" in broken.json()["error"]


def test_a_note_sent_base64_without_saying_so_is_refused_not_classified(service):
    import base64

    note = "Patient presents with itchy red rash on both arms for three days, mild fever."
    encoded = base64.b64encode(note.encode()).decode()
    tensor = {"name": "note", "shape": [1], "datatype": "BYTES", "data": [encoded]}
    with service.client() as c:
        bare = c.post("/v2/models/symptom-disease/infer", json={"inputs": [tensor]})
        said = c.post("/v2/models/symptom-disease/infer",
                      json={"inputs": [{**tensor, "parameters": {"content_type": "base64"}}]})
        plain = c.post("/v2/models/symptom-disease/infer", json={"inputs": [{**tensor, "data": [note]}]})
    assert bare.status_code == 400 and "looks base64-encoded" in bare.json()["error"]
    assert said.status_code == 200 and plain.status_code == 200
    assert outputs(said)["label"]["data"] == outputs(plain)["label"]["data"]


def test_metadata_says_a_score_over_the_threshold_alone_is_not_a_refusal(service):
    with service.client() as c:
        text = c.get("/v2/models/chest-xray-pneumonia").json()["parameters"]["not_assessed"]
    assert "refused beyond the card's `ood_refuse_ratio` times it" in text and "at most 1.5" in text
    assert "assessed with a caution" in text


def test_a_note_the_page_calls_not_a_clear_answer_says_so_in_its_warnings(service):
    """A clinical-safety review: a note spread over classes was "Not a clear answer" on the page only."""
    note = ("I have no chest pain, no cough, no fever and no shortness of breath. I feel completely well and came "
            "for a routine check.")
    with service.client() as c:
        r = c.post("/v2/models/symptom-disease/infer",
                   json={"inputs": [{"name": "note", "shape": [1], "datatype": "BYTES", "data": [note]}]})
    assert r.status_code == 200
    warnings = json.loads(outputs(r)["warnings"]["data"][0])
    assert warnings[0].startswith("Much of this note denies findings ('no chest pain'")
    assert warnings[-1].startswith("Not a clear answer: ") and "read each class's, not only the first" in warnings[-1]


def test_a_resend_in_another_encoding_is_the_same_patient_already_in_the_case(service):
    """An integration review: sex as 1, "male" or "Male", or a field sent as null instead of left out, stored the
    same patient again (the raw request values were stored, not the validated ones)."""
    one = {k: v[:1] for k, v in PATIENTS.items()}
    url = f"/v2/models/{MODEL}/infer?case=API-ENC-1"
    with service.client() as c:
        first = c.post(url, json=records_request(one)).json()["parameters"]["case"]
        resends = [c.post(url, json=records_request(one | change)).json()["parameters"]["case"]
                   for change in ({"sex": ["male"]}, {"sex": ["Male"]}, {"thal": [6]})]
        csv = "\n".join([",".join(one), ",".join(str(v[0]) for v in one.values())]).encode()
        as_csv = c.post(url, content=csv, headers={"Content-Type": "text/csv"}).json()["parameters"]["case"]
    assert "already_in_case" not in first
    assert [r.get("already_in_case") for r in resends + [as_csv]] == [first["analysis_ids"]] * 4


def test_a_misspelt_save_parameter_is_refused_not_ignored(service):
    """An integration review: parameters.case_ref answered 200 and saved nothing, without a word."""
    one = {k: v[:1] for k, v in PATIENTS.items()}
    url = f"/v2/models/{MODEL}/infer"
    with service.client() as c:
        misspelt = c.post(url, json=records_request(one, case_ref="WARD7-0042"))
        in_query = c.post(f"{url}?cas=WARD7-0042", content=b"age\n63\n", headers={"Content-Type": "text/csv"})
        other = c.post(url, json=records_request(one, priority=1))  # a protocol parameter a client may send
        reference = c.post(url, json=records_request(one, reference="WARD7-0042"))  # the response's own word
        other_query = c.post(f"{url}?foo=1", json=records_request(one))  # answered 200, ignored (an API review)
    assert misspelt.status_code == 400 and misspelt.json()["error"].startswith(
        "Unknown parameter 'case_ref': did you mean 'case'? Saving takes case (the case reference)")
    assert in_query.status_code == 400 and "Unknown parameter 'cas': did you mean 'case'?" in in_query.json()["error"]
    assert other.status_code == 200 and reference.status_code == 400
    assert other_query.status_code == 400 and other_query.json()["error"].startswith(
        "Unknown query parameter 'foo': the address takes case, case_title, same_patient, pixels_checked and "
        "frame_number only")
    assert "WARD7-0042" not in {c["reference"] for c in service.store().list_cases()}


def test_the_same_call_sent_many_times_at_once_to_a_new_case_is_stored_once(service):
    """An integration review: 4 identical calls at the same moment naming a new case stored 4 analyses. One is
    stored, the call that made the case says so and the others say it is already there. (The race itself is
    reproduced reliably by tests/cases/test_store.py, with the saves held at a barrier; here the calls' answers.)"""
    from concurrent.futures import ThreadPoolExecutor

    one = {k: v[1:] for k, v in PATIENTS.items()}
    url = f"/v2/models/{MODEL}/infer?case=API-RACE-1"

    def send(_):
        with service.client() as c:
            return c.post(url, json=records_request(one))

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(6)))
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    cases = [a.json()["parameters"]["case"] for a in answers]
    assert len({tuple(c["analysis_ids"]) for c in cases}) == 1
    assert sum("already_in_case" not in c for c in cases) == 1
    [case] = [c for c in service.store().list_cases() if c["reference"] == "API-RACE-1"]
    assert case["analyses"] == 1


def test_probes_form_uploads_and_a_forged_audit_line(service):
    """An API review: HEAD on the health checks was a 405; a multipart form upload of a note was analysed and saved,
    boundary lines and file name included; a model name holding an encoded line break went into the audit as is."""
    one = {k: v[:1] for k, v in PATIENTS.items()}
    with service.client() as c:
        heads = [c.head(path) for path in ("/v2/health/live", "/v2/health/ready", "/v2", f"/v2/models/{MODEL}/ready")]
        head_unknown = c.head("/v2/models/no-such-model/ready")
        form = c.post("/v2/models/symptom-disease/infer?case=API-FORM-1",
                      files={"file": ("note.txt", b"My joints ache and my knees swell in the morning.")})
        answer = c.post(f"/v2/models/{MODEL}/infer", json=records_request(one))
        unknown = c.get("/v2/models/forged%0Aline%09here/ready")
        # curl --data-urlencode: "note=My+skin+itches" was analysed and saved as the note (a re-check); JSON sent
        # with curl -d (the same media type) is still read as JSON
        web_form = c.post("/v2/models/symptom-disease/infer?case=API-FORM-2", data={"note": "My skin itches."})
        json_as_form = c.post(f"/v2/models/{MODEL}/infer", content=json.dumps(records_request(one)).encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        twice = c.post(f"/v2/models/{MODEL}/infer?case=API-Q-A&case=API-Q-B", json=records_request(one))
    assert [h.status_code for h in heads] == [200, 200, 200, 200] and not any(h.content for h in heads)
    assert head_unknown.status_code == 404
    assert form.status_code == 415 and form.json()["error"].startswith(
        "The body is a form upload (multipart/form-data); this API takes the file itself as the body")
    assert case_id_of(service.store(), "API-FORM-1") is None
    assert web_form.status_code == 415 and web_form.json()["error"].startswith(
        "The body is web-form data (application/x-www-form-urlencoded, what curl -d and --data-urlencode send")
    assert case_id_of(service.store(), "API-FORM-2") is None
    assert json_as_form.status_code == 200, json_as_form.text
    assert twice.status_code == 400 and twice.json()["error"] == (
        "?case= is given 2 times; send it once. Nothing was analysed or saved.")
    assert case_id_of(service.store(), "API-Q-B") is None
    assert answer.headers["cache-control"] == "no-store"  # results of patients: no cache keeps them
    assert unknown.status_code == 404
    rows = service.audit_rows("api.ready", until=lambda rows: any("forged" in r["target"] for r in rows))
    assert [r["target"] for r in rows if "forged" in r["target"]] == ["model:forged\\nline\\there"]


def test_a_path_holding_a_line_break_cannot_forge_an_access_log_line(caplog, tmp_path, monkeypatch):
    """An API review: `serve --access-log` wrote the decoded path as is, so an encoded line break added a line that
    read like another request's."""
    from starlette.testclient import TestClient

    from medapp.service.app import create_app

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    forged = "live%0A2026-12-05 23:59:59,000 medapp.service.requests POST -> 200"
    with caplog.at_level("INFO", logger="medapp.service.requests"), TestClient(create_app()) as client:
        assert client.get("/v2/health/" + forged).status_code == 404
    [line] = [r.getMessage() for r in caplog.records if r.name == "medapp.service.requests"]
    # the caller's address first (TestClient's is "testclient"; an IT review found no address in any log)
    assert "\n" not in line and line.startswith("testclient GET /v2/health/live\\n2026-12-05 23:59:59,000")


def test_a_body_of_a_media_type_the_api_does_not_read_is_refused_before_anything_is_read(service):
    """An IT review: an HL7 v2 message sent as application/hl7-v2 was read as a note, classified and saved to the
    case with the patient's name in it; XML and HTML were read the same way. Only the listed file types are read."""
    hl7 = b"MSH|^~\\&|LAB|HOSP|||202612060101||ORU^R01|1|P|2.5\rPID|1||123456^^^HOSP^MR||SMITH^JOHN||19600101|M\r"
    with service.client() as c:
        refused = {media: c.post("/v2/models/symptom-disease/infer?case=API-HL7-1", content=hl7,
                                 headers={"Content-Type": media})
                   for media in ("application/hl7-v2", "application/xml", "text/html", "application/vnd.foo")}
        # the listed types are still read: a note as text/plain, with a charset, and a table as Excel's CSV type
        note = c.post("/v2/models/symptom-disease/infer", content=b"My joints ache and my knees swell.",
                      headers={"Content-Type": "text/plain; charset=utf-8"})
        openapi = httpx.get(f"{service.url}/openapi.json").json()
    for media, r in refused.items():
        assert r.status_code == 415, (media, r.text)
        assert r.json()["error"].startswith(f"The body is {media}, which this API does not read; send a JSON "
                                            "inference request (application/json), or one file as the body")
    assert case_id_of(service.store(), "API-HL7-1") is None
    assert note.status_code == 200, note.text
    media = openapi["paths"]["/v2/models/{model_name}/infer"]["post"]["requestBody"]["content"]
    assert "application/hl7-v2" not in media and {"text/plain", "application/dicom", "image/*"} <= set(media)


def test_a_flood_of_patients_or_half_a_character_is_a_400_not_minutes_or_a_500(service):
    """A security review: 2,000,000 patients in one 5.7 MB request held the service 93 s and 3 GB (the 200,000-row
    limit applied to files only); a lone surrogate escape ("\\ud800") was a 500 wherever it went."""
    url = f"/v2/models/{MODEL}/infer"
    flood = {"inputs": [{"name": "age", "datatype": "FP64", "shape": [200_001], "data": [63] * 200_001}]}
    lone = '{"id": "\\ud800", "inputs": [{"name": "age", "datatype": "FP64", "shape": [1], "data": [63]}]}'
    with service.client() as c:
        too_many = c.post(url, json=flood)
        half = c.post(url, content=lone.encode(), headers={"Content-Type": "application/json"})
        in_case = c.post(url, content=json.dumps(records_request({"age": [63]}, case="A\ud800")).encode(),
                         headers={"Content-Type": "application/json"})
        pair = c.post(url, content=lone.replace("\\ud800", "\\ud83d\\ude00").encode(),
                      headers={"Content-Type": "application/json"})
        # the same half character as raw bytes (ED A0 80), which json.loads lets through (the re-check)
        raw = c.post(url, content=lone.replace("\\ud800", "\ud800").encode("utf-8", "surrogatepass"),
                     headers={"Content-Type": "application/json"})
    assert too_many.status_code == 400 and too_many.json()["error"] == (
        "input 'age' has 200,001 patients; the limit is 200,000 per request (send them in parts).")
    for refused in (half, in_case):
        assert refused.status_code == 400 and "half of a surrogate pair" in refused.json()["error"], refused.text
    assert raw.status_code == 400 and raw.json()["error"] == (
        "The request body is not valid UTF-8 (or UTF-16/32) text: send JSON encoded as UTF-8.")
    assert pair.status_code == 200 and pair.json()["id"] == "\U0001F600"  # a pair is one character, answered as sent
