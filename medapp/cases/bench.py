"""Case store benchmark: what a page following a case (ui/review.follow_case) costs against drawing the case.

Every open Cases or Meeting mode page asks `case_fingerprint` every few seconds; the page is drawn again
(`case_detail`) only when the answer changed. Measured on a throw-away SQLite store holding a review-meeting
sized case: 10 analyses with 3 verdicts each. Meeting mode also asks which cases its filters hold (the list
check): measured with LISTED_CASES other cases in the store, each with one analysis.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from ..analysis import analyse
from ..registry import load_model
from .blobs import BlobStore
from .store import CaseStore

ANALYSES, REVIEWERS, LISTED_CASES = 10, ("ana", "ben", "cai"), 200


def bench_case_follow(repeats: int = 50, listed_cases: int = LISTED_CASES) -> dict[str, float]:
    model = load_model("heart-disease")
    result = analyse(model, model.example_input())
    author = {"username": "bench", "role": "admin"}
    with tempfile.TemporaryDirectory(prefix="medapp-bench-cases-") as folder:
        store = CaseStore(f"sqlite:///{Path(folder) / 'medapp.db'}", BlobStore(Path(folder) / "blobs"))
        case_id = store.create_case("BENCH-1", author)
        for i in range(ANALYSES):
            analysis_id = store.add_analysis(case_id, author, card=model.card, prediction=result.prediction,
                                             explanation=result.explanation, input_bytes=f"{i}".encode(),
                                             input_name=f"p{i}.json")
            for name in REVIEWERS:
                store.set_verdict(analysis_id, {"username": name, "role": "reviewer"}, "agree")

        def timed(call) -> float:
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                call()
                times.append((time.perf_counter() - start) * 1000)
            return round(float(np.median(times)), 3)

        check = timed(lambda: store.case_fingerprint(case_id))
        draw = timed(lambda: store.case_detail(case_id, author, log_view=False))
        for i in range(listed_cases):
            store.add_analysis(None, author, card=model.card, prediction=result.prediction,
                               explanation=result.explanation, input_bytes=f"listed {i}".encode(),
                               input_name="p.json", new_case=(f"BENCH-L{i}", ""))
        listed = timed(lambda: sorted(c["id"] for c in store.list_cases(status="open")))
    return {"case_follow_check_ms_p50": check, "case_detail_ms_p50": draw,
            "meeting_list_check_ms_p50": listed, "meeting_list_cases": listed_cases + 1}
