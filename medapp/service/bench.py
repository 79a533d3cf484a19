"""`python -m medapp bench --http N`: the inference service under load, through real HTTP on loopback.

Starts `python -m medapp serve` on a free loopback port over a throw-away store (its own user and
token), then measures:
1. one record inferred N times in a row by one client (the service's whole overhead included);
2. 50 concurrent clients, each sending a mix of modalities (a record, a chest X-ray DICOM, a heart
   sound WAV, a clinical note; real files from the shared data when present), N requests in all,
   with p50/p95 per modality and every error counted.
Both phases are bounded by a time limit; nothing leaves the machine.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..ports import free_loopback_port

REPO = Path(__file__).resolve().parents[2]
MIX = ("heart-disease", "chest-xray-pneumonia", "heart-sound", "symptom-disease")


def _requests() -> dict[str, tuple[str, bytes, str]]:
    """model id -> (path, body, content type) of a representative input."""
    from ..registry import data_root, get_card

    card = get_card("heart-disease")
    typical = card.input["typical"]
    record = {"inputs": [{"name": k, "shape": [1], "datatype": "FP64", "data": [v]} for k, v in typical.items()]}
    out = {"heart-disease": ("/v2/models/heart-disease/infer", json.dumps(record).encode(), "application/json")}
    dicom = data_root() / "dicom" / "CR-MONO1-10-chest.dcm"
    if dicom.is_file():
        out["chest-xray-pneumonia"] = ("/v2/models/chest-xray-pneumonia/infer", dicom.read_bytes(), "application/dicom")
    else:  # no shared data here: the model's own example thumbnail as a PNG
        import io

        from PIL import Image

        from ..registry import load_model
        x = load_model("chest-xray-pneumonia").example_input()
        buf = io.BytesIO()
        Image.fromarray((x.image * 255).astype(np.uint8)).save(buf, format="PNG")
        out["chest-xray-pneumonia"] = ("/v2/models/chest-xray-pneumonia/infer", buf.getvalue(), "image/png")
    wavs = sorted((data_root() / "audio" / "heart_sounds").glob("*/*.wav"))
    if wavs:
        wav = wavs[0].read_bytes()
    else:
        import io

        import soundfile as sf

        from ..modalities.audio.synth import synthetic_heart_sound
        buf = io.BytesIO()
        sf.write(buf, synthetic_heart_sound(seconds=4.0, rate=8000, seed=0), 8000, format="WAV")
        wav = buf.getvalue()
    out["heart-sound"] = ("/v2/models/heart-sound/infer", wav, "audio/wav")
    note = get_card("symptom-disease").input["example"]
    out["symptom-disease"] = ("/v2/models/symptom-disease/infer", note.encode(), "text/plain")
    return out


def _start_server(models: list[str]) -> tuple[subprocess.Popen, str, str, Path]:
    from ..cases.blobs import BlobStore
    from ..cases.store import CaseStore
    from ..security.accounts import create_user
    from ..security.tokens import create_token

    var = Path(tempfile.mkdtemp(prefix="medapp-bench-http-"))
    store = CaseStore(f"sqlite:///{var / 'medapp.db'}", BlobStore(var / "blobs"))
    create_user(store, "bench", "bench password 1", "clinician")
    create_user(store, "bench-admin", "bench password 1", "admin")
    _, secret = create_token(store, {"username": "bench-admin", "role": "admin"}, "bench", expires_days=1,
                             rate_per_minute=10_000_000, label="bench --http")
    port = free_loopback_port()
    env = {**os.environ, "MEDAPP_VAR_DIR": str(var), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("MEDAPP_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "medapp", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--preload", ",".join(models)], cwd=REPO, env=env,
                            stdout=open(var / "service.log", "w"), stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}", secret, var


def _wait(url: str, proc: subprocess.Popen, timeout: float = 900) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the service exited before answering")
        try:
            if httpx.get(f"{url}/v2/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError("the service did not start in time")


def _summary(ms: list[float], errors: int) -> dict[str, Any]:
    if not ms:
        return {"n": 0, "errors": errors}
    return {"n": len(ms), "errors": errors, "p50_ms": round(float(np.median(ms)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def run_http_bench(n: int = 200, clients: int = 50, time_limit_s: float = 120.0,
                   models: tuple[str, ...] = MIX) -> dict[str, Any]:
    import httpx

    n = max(1, min(n, 5000))
    bodies = {m: b for m, b in _requests().items() if m in models}
    proc, url, secret, var = _start_server(list(bodies))
    headers = {"Authorization": f"Bearer {secret}"}
    report: dict[str, Any] = {"url": url, "clients": clients}
    try:
        _wait(url, proc)
        # 1. one record, one client, one after another (keep-alive connection)
        path, body, ctype = bodies["heart-disease"]
        single, errors = [], 0
        with httpx.Client(base_url=url, headers={**headers, "Content-Type": ctype}, timeout=60) as c:
            for _ in range(5):
                c.post(path, content=body)  # warm the connection and the cache-free path
            deadline = time.time() + time_limit_s / 2
            for _ in range(n):
                start = time.perf_counter()
                r = c.post(path, content=body)
                single.append((time.perf_counter() - start) * 1000)
                errors += r.status_code != 200
                if time.time() > deadline:
                    break
        report["one_record_sequential"] = _summary(single, errors)

        # 2. many clients at once, mixed modalities
        per_model: dict[str, list[float]] = {m: [] for m in bodies}
        failed: dict[str, int] = {m: 0 for m in bodies}
        examples: list[str] = []
        lock = threading.Lock()
        order = [list(bodies)[i % len(bodies)] for i in range(max(n, clients))]
        deadline = time.time() + time_limit_s

        def client(slot: int) -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
                for i in range(slot, len(order), clients):
                    if time.time() > deadline:
                        return
                    model = order[i]
                    p, b, t = bodies[model]
                    start = time.perf_counter()
                    try:
                        r = c.post(p, content=b, headers={"Content-Type": t})
                        ok, why = r.status_code == 200, f"{r.status_code} {r.text[:120]}"
                    except httpx.HTTPError as exc:
                        ok, why = False, repr(exc)
                    ms = (time.perf_counter() - start) * 1000
                    with lock:
                        if ok:
                            per_model[model].append(ms)
                        else:
                            failed[model] += 1
                            if len(examples) < 5:
                                examples.append(f"{model}: {why}")

        wall = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(client, range(clients)))
        wall = time.perf_counter() - wall
        report["concurrent_mixed"] = {m: _summary(per_model[m], failed[m]) for m in bodies}
        report["concurrent_total"] = {"requests": sum(len(v) for v in per_model.values()) + sum(failed.values()),
                                      "errors": sum(failed.values()), "wall_s": round(wall, 2),
                                      "per_s": round(sum(len(v) for v in per_model.values()) / wall, 1),
                                      "error_examples": examples}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return report


def format_http(report: dict[str, Any]) -> str:
    lines = ["HTTP inference service (loopback, records/imaging/audio/notes infer)"]
    one = report["one_record_sequential"]
    lines.append(f"one record, one client, {one['n']} calls: p50 {one.get('p50_ms')} ms, p95 {one.get('p95_ms')} ms, "
                 f"errors {one['errors']}   (target p50 <= 10 ms)")
    total = report["concurrent_total"]
    lines.append(f"{report['clients']} concurrent clients, mixed modalities: {total['requests']} requests in "
                 f"{total['wall_s']} s ({total['per_s']}/s), errors {total['errors']}   (target 0 errors)")
    for model, row in report["concurrent_mixed"].items():
        lines.append(f"  {model:24} n={row['n']:<5} p50 {row.get('p50_ms')} ms  p95 {row.get('p95_ms')} ms  "
                     f"errors {row['errors']}")
    for example in total["error_examples"]:
        lines.append(f"  error: {example}")
    return "\n".join(lines)
