"""The service as a Ray Serve application on one local Ray instance (2 CPUs): two model groups with their
own replicas (records x2, survival x1) behind two ingress replicas; one records replica killed mid-load.
Every request is answered (the client retries on 503 only), every save is stored exactly once, and the
per-token rate limit holds across the ingress replicas."""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.ports import free_loopback_port
from medapp.security.accounts import create_user
from medapp.security.tokens import create_token
from medapp.service.app import case_id_of

pytestmark = [pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
SERVED = ("heart-disease", "diabetes", "heart-failure")  # records: the first two; survival: the last
ADMIN = {"username": "ada", "role": "admin"}
RATE = 12


@pytest.fixture(scope="module")  # only this file: Ray and its replicas stop when it ends, not with the session
def ray_service(tmp_path_factory):
    ray = pytest.importorskip("ray")
    from ray import serve

    from medapp.registry import models_dir
    from medapp.service.ray_app import allow_slow_proxy_start, build

    var = tmp_path_factory.mktemp("ray-var")
    models = tmp_path_factory.mktemp("ray-models")  # three models, so the test starts only two light groups
    for model_id in SERVED:
        (models / model_id).symlink_to(models_dir() / model_id, target_is_directory=True)
    store = CaseStore(f"sqlite:///{var / 'medapp.db'}", BlobStore(var / "blobs"))
    create_user(store, "ada", "service pw 123", "admin")
    _, secret = create_token(store, ADMIN, "ada")
    _, slow_secret = create_token(store, ADMIN, "ada", rate_per_minute=RATE)
    port = free_loopback_port()
    allow_slow_proxy_start()  # the proxy's start took over Serve's 5 s beside a busy core: serve.start() failed
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    env = {"MEDAPP_VAR_DIR": str(var), "MEDAPP_MODELS_DIR": str(models), "PYTHONPATH": str(REPO),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    before = os.environ.get("MEDAPP_MODELS_DIR")
    os.environ["MEDAPP_MODELS_DIR"] = str(models)  # build() lists the models to form the groups
    try:
        application = build({"replicas": 1, "replicas_for": "records=2", "cpus": 0.4, "ingress_replicas": 2,
                             "ingress_cpus": 0.2, "env": env})
    finally:
        if before is None:
            del os.environ["MEDAPP_MODELS_DIR"]
        else:
            os.environ["MEDAPP_MODELS_DIR"] = before
    serve.run(application, name="medapp", route_prefix="/")
    yield f"http://127.0.0.1:{port}", secret, slow_secret, store
    ray.shutdown()  # ends the local instance, its replicas with it (a graceful serve.shutdown() first: 6 s)


def _replicas(deployment: str) -> list[dict]:
    import ray

    return [a for a in ray.util.list_named_actors(all_namespaces=True)
            if "SERVE_REPLICA" in a["name"] and f"#{deployment}#" in a["name"]]


def _first_replica_seen_busy(replicas: list[dict]) -> tuple[dict, object]:
    """The first replica seen holding a call (Serve's own count of its ongoing requests), and its actor.

    Called while only the long calls are in flight (the short ones are sent after the kill), so a busy replica
    holds a long one. It is returned at first sight: on a quiet machine a replica holds a 30,000-patient call
    for under a second (the rest of the call is HTTP and JSON in the ingress), so waiting to see it busy for a
    while could miss it (seen on a quiet machine; a loaded one holds it for seconds)."""
    import ray

    actors = [(r, ray.get_actor(r["name"], namespace=r["namespace"])) for r in replicas]
    deadline = time.time() + 120
    while time.time() < deadline:
        for replica, actor in actors:
            if ray.get(actor.get_num_ongoing_requests.remote(), timeout=10) > 0:
                return replica, actor
        time.sleep(0.02)
    raise AssertionError("no replica of the group held a call within 120 s")


def _record(i: int, case: bool, patients: int = 1) -> dict:
    ages, pressures = [30 + (i + k) % 60 for k in range(patients)], [110 + (i + k) % 50 for k in range(patients)]
    body = {"inputs": [{"name": "age", "shape": [patients], "datatype": "FP64", "data": ages},
                       {"name": "trestbps", "shape": [patients], "datatype": "FP64", "data": pressures}]}
    if case:
        body["parameters"] = {"case": f"RAY-{i % 5}"}
    return body


def _call(url: str, secret: str, model: str, body: dict, action: str = "infer") -> tuple[int, dict, int]:
    """(status, JSON answer, 503s seen): retried on 503 only, as the service asks."""
    seen = 0
    for _ in range(20):
        # 300 s: a long call may run twice (killed, then retried) on a loaded machine
        r = httpx.post(f"{url}/v2/models/{model}/{action}", json=body, timeout=300,
                       headers={"Authorization": f"Bearer {secret}"})
        if r.status_code != 503:
            try:
                return r.status_code, r.json(), seen
            except ValueError:  # not the service's JSON: Serve's proxy answered (say which, for the CI log)
                raise AssertionError(f"{action} answered {r.status_code} {r.headers.get('content-type')}: "
                                     f"{r.text[:300]!r}") from None
        seen += 1
        assert r.json()["error"] and int(r.headers["retry-after"]) >= 1
        time.sleep(float(r.headers["retry-after"]))
    return 503, {}, seen


def test_each_group_has_its_own_replicas(ray_service):
    url, secret, _, _ = ray_service
    assert len(_replicas("group-records")) == 2 and len(_replicas("group-survival")) == 1
    assert len(_replicas("medapp")) == 2 and len(_replicas("rate-limits")) == 1
    status, answer, _ = _call(url, secret, "heart-failure", {"inputs": [
        {"name": name, "shape": [1], "datatype": "FP64", "data": [value]}  # half the values at least: estimated
        for name, value in (("age", 70), ("ejection_fraction", 20), ("sex", 1), ("serum_creatinine", 1.9),
                            ("serum_sodium", 130), ("smoking", 0))]})
    assert status == 200 and answer["model_name"] == "heart-failure"
    status, answer, _ = _call(url, secret, "heart-disease", _record(0, case=False))
    assert status == 200 and len(answer["outputs"][1]["data"]) == 2  # two class probabilities
    r = httpx.get(f"{url}/v2/models/no-such-model", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 404 and "no-such-model" in r.json()["error"]


def _kill_round(url: str, secret: str, records: list[dict], first: int) -> tuple[list, dict]:
    """One round: two long calls (30,000 patients explained: most of a second on a group replica of a quiet
    machine, seconds on a loaded one, where a short call spends milliseconds beside its HTTP, auth and save in the
    ingress) go first; the first replica seen holding one is killed, while 32 short calls (a quarter saved to
    cases) run around them. Returns the (status, answer, 503s seen, saved to a case) of every call, and the
    replica killed. `first` numbers the calls, so no two rounds send the same input."""
    import ray

    results: list[tuple[int, dict, int, bool]] = []
    lock = threading.Lock()

    def worker(i: int, patients: int) -> None:
        case = patients == 1  # one patient saved to a case, or a cohort explained
        body = _record(i, case, patients)
        status, answer, seen = _call(url, secret, "heart-disease", body, "infer" if case else "explain")
        with lock:
            results.append((status, answer, seen, case))

    long_calls = 2
    sizes = [30000] * long_calls + [1 if i % 4 == 0 else 5 for i in range(32)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(worker, first + i, n) for i, n in enumerate(sizes[:long_calls])]
        victim, actor = _first_replica_seen_busy(records)
        futures += [pool.submit(worker, first + i, n) for i, n in enumerate(sizes[long_calls:], start=long_calls)]
        ray.kill(actor, no_restart=True)
        for f in futures:
            f.result()
    assert [s for s, *_ in results] == [200] * len(sizes)  # every call answered
    assert sorted(len(answer["outputs"][0]["data"]) for _, answer, _, _ in results) == sorted(sizes)
    return results, victim


def _retried(store, timeout: float) -> list[dict]:
    """The API's audit rows of calls the ingress ran again on another replica (written in batches, after the
    answers: slow on a loaded machine)."""
    deadline = time.time() + timeout
    while True:
        rows = [e for e in store.audit_events() if e["action"].startswith("api.") and e["detail"].get("retries")]
        if rows or time.time() > deadline:
            return rows
        time.sleep(0.5)


def _wait_for_records_replicas(victim: dict) -> None:
    deadline = time.time() + 60  # Serve replaces the killed replica
    while time.time() < deadline and len(_replicas("group-records")) < 2:
        time.sleep(1)
    assert victim["name"] not in {a["name"] for a in _replicas("group-records")}


def test_losing_a_replica_mid_load_answers_every_call_and_saves_once(ray_service):
    url, secret, _, store = ray_service
    results = []
    # A kill can land just after the replica finished its call (seen once in a loaded CI run: the replica is seen
    # busy, and by the time the kill arrives its last second of work is done); then another round, up to three.
    for attempt in range(3):
        records = _replicas("group-records")
        assert len(records) == 2
        round_results, victim = _kill_round(url, secret, records, first=40 * attempt)
        results += round_results
        # rows are written within milliseconds of the answers (service/audit.AuditWriter); a missed kill costs 5 s
        retried = _retried(store, timeout=60 if attempt == 2 else 5)
        _wait_for_records_replicas(victim)
        if retried:
            break
    # the kill hit calls in flight: the ingress ran them again on the other replica and audited it
    assert retried, "no killed replica held a call: the test did not exercise a failure"
    saved = [i for status, answer, _, case in results if case for i in answer["parameters"]["case"]["analysis_ids"]]
    assert len(saved) == 8 * (attempt + 1) == len(set(saved))
    in_store = []
    for ref in {f"RAY-{i}" for i in range(0, 5)}:
        detail = store.case_detail(case_id_of(store, ref), ADMIN, log_view=False)
        in_store += [a["id"] for a in detail["analyses"]]
    assert sorted(in_store) == sorted(saved)  # each save stored exactly once, none lost


def test_rate_limit_holds_across_ingress_replicas(ray_service):
    url, _, slow_secret, _ = ray_service

    def get(_):
        return httpx.get(f"{url}/v2/models", headers={"Authorization": f"Bearer {slow_secret}"}, timeout=30)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(get, range(3 * RATE)))
    codes = [r.status_code for r in answers]
    assert set(codes) == {200, 429}
    # one bucket of RATE calls (plus at most one refilled while the calls ran), not one per ingress replica
    assert RATE <= codes.count(200) <= RATE + 1
    assert int(next(r for r in answers if r.status_code == 429).headers["retry-after"]) >= 1


def test_hostile_inputs_are_refused_through_ray_as_by_the_plain_service(ray_service):
    """The security review's inputs (tested on the plain service in test_http_api.py) sent through the Ray ingress
    and a group replica: the same 4xx and the same words, no 500, and the group replica still answers after."""
    url, secret, _, _ = ray_service
    auth = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    infer = f"{url}/v2/models/heart-disease/infer"
    flood = {"inputs": [{"name": "age", "datatype": "FP64", "shape": [200_001], "data": [63] * 200_001}]}
    lone = '{"inputs": [{"name": "age", "datatype": "FP64", "shape": [1], "data": [63]}], "id": "\\ud800"}'
    with httpx.Client(timeout=120) as c:
        too_many = c.post(infer, json=flood, headers=auth)
        half = c.post(infer, content=lone.encode(), headers=auth)
        raw = c.post(infer, content=lone.replace("\\ud800", "\ud800").encode("utf-8", "surrogatepass"), headers=auth)
        hl7 = c.post(infer, content=b"MSH|^~\\&|LAB\rPID|1||123456^^^MRN||SMITH^JOHN",
                     headers={**auth, "Content-Type": "application/hl7-v2"})
        huge = c.post(infer, content=b"{" + b" " * (72 * 2**20), headers=auth)  # the limit is 70 MB
        nan = c.post(infer, content=lone.replace("63", "NaN").replace('"\\ud800"', '"x"').encode(), headers=auth)
    assert too_many.status_code == 400 and too_many.json()["error"] == (
        "input 'age' has 200,001 patients; the limit is 200,000 per request (send them in parts).")
    assert half.status_code == 400 and "half of a surrogate pair" in half.json()["error"], half.text
    assert raw.status_code == 400 and raw.json()["error"] == (
        "The request body is not valid UTF-8 (or UTF-16/32) text: send JSON encoded as UTF-8.")
    assert hl7.status_code == 415 and hl7.json()["error"].startswith("The body is application/hl7-v2, which this API "
                                                                     "does not read"), hl7.text
    assert huge.status_code == 413 and "larger than the" in huge.json()["error"], huge.text
    assert nan.status_code == 400 and "NaN" in nan.json()["error"], nan.text
    status, answer, _ = _call(url, secret, "heart-disease", _record(7, case=False))
    assert status == 200 and answer["model_name"] == "heart-disease"


def test_every_medapp_setting_reaches_the_replicas(monkeypatch):
    """An IT review: a fixed list of names left MEDAPP_UID_ROOT, MEDAPP_API_AUDIT and MEDAPP_SECRETS_FILE behind."""
    from medapp.service.ray_app import forwarded_env

    monkeypatch.setenv("MEDAPP_UID_ROOT", "1.2.826.0.1.1234567.5.")
    monkeypatch.setenv("MEDAPP_API_AUDIT", "sync")
    monkeypatch.setenv("UNRELATED_SECRET", "x")
    env = forwarded_env()
    assert env["MEDAPP_UID_ROOT"] == "1.2.826.0.1.1234567.5." and env["MEDAPP_API_AUDIT"] == "sync"
    assert "UNRELATED_SECRET" not in env
