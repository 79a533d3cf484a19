"""Many sessions at once: every model and explainer gives, beside 20 other sessions, exactly what it gives
alone; the explanation cache hands every session the same result; two app processes writing to one store
lose nothing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from threads import run_together

from medapp.analysis import analyse, clear_cache
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.db.engine import dispose_all
from medapp.registry import list_cards, load_model
from medapp.workload import fingerprint, mixed_jobs, run_concurrent

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_every_model_under_20_concurrent_sessions_matches_its_sequential_twin():
    jobs = mixed_jobs(per_model=3)
    assert {j.model_id for j in jobs} == {c.id for c in list_cards()}
    # distinct inputs per model, so a shared object mixing two sessions' state would show
    for mid in {j.model_id for j in jobs}:
        keys = {load_model(mid).input_key(j.x) for j in jobs if j.model_id == mid}
        assert len(keys) == sum(j.model_id == mid for j in jobs)
    report = run_concurrent(jobs, sessions=20)
    assert report.errors == []
    assert report.differing == []
    assert len(report.latencies_ms) == len(jobs)


def test_the_explanation_cache_gives_every_session_the_same_result():
    model = load_model("heart-disease")
    x = model.example_input()
    clear_cache()
    results, errors = run_together(lambda: analyse(model, x), 20)
    assert errors == []
    assert len({fingerprint(r) for r in results}) == 1
    assert results[0].explanation is not None


WRITER = """
import sys
from medapp.analysis import analyse
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.registry import load_model
url, blobs, case_id, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = CaseStore(url, BlobStore(blobs))
model = load_model("heart-failure")  # a model without scikit-learn: the store is under test, not the model
x = model.example_input()
r = analyse(model, x)
for i in range(15):
    aid = store.add_analysis(case_id, {"username": "carla", "role": "clinician"}, card=model.card,
                             prediction=r.prediction, explanation=r.explanation,
                             input_bytes=f'{{"writer": "{tag}", "n": {i}}}'.encode(), input_name="p.json")
    store.set_verdict(aid, {"username": "rui-" + tag, "role": "reviewer"}, "agree", "", f"{tag} {i}")
print("done")
"""


def test_two_app_processes_writing_to_one_store_lose_nothing(database_url, tmp_path):
    store = CaseStore(database_url, BlobStore(tmp_path / "blobs"))
    case_id = store.create_case("TWO-PROC-1", {"username": "carla", "role": "clinician"})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, database_url, str(tmp_path / "blobs"), str(case_id), tag],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    detail = store.case_detail(case_id, {"username": "carla", "role": "clinician"})
    assert len(detail["analyses"]) == 30
    assert len({a["input_sha256"] for a in detail["analyses"]}) == 30
    assert len(store.audit_events(action="analysis.save")) == 30
    assert len(store.audit_events(action="verdict")) == 30
    dispose_all()
