"""Case store benchmark: what a page following a case (ui/review.follow_case) costs against drawing the case.

Every open Cases or Meeting mode page asks `case_fingerprint` every few seconds; the page is drawn again
(`case_detail`) only when the answer changed. Measured on a throw-away SQLite store holding a review-meeting
sized case: 10 analyses with 3 verdicts each. Meeting mode also asks which cases its filters hold (the list
check): measured with LISTED_CASES other cases in the store, each with one analysis; and, for a presenter's
followers, where the presenter is (a read per timer tick) and, for the presenter, a move (a write per page run); a
reviewer's unrecorded verdict draft written (per change of a field) and read back (once per new session); and one
save of an analysis (its input stored, its row and audit row, its model card kept once and named).
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import replace
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

        # a save: the input de-identified and stored, the row, its audit row, the model card kept (once) and named
        saves, saved_to = iter(range(10**9)), store.create_case("BENCH-S", author)  # not the followed case
        save = _median_ms(lambda: store.add_analysis(saved_to, author, card=model.card, prediction=result.prediction,
                                                     explanation=result.explanation,
                                                     input_bytes=f"save {next(saves)}".encode(), input_name="p.json"),
                          repeats)
        check = _median_ms(lambda: store.case_fingerprint(case_id), repeats)
        draw = _median_ms(lambda: store.case_detail(case_id, author, log_view=False), repeats)
        for i in range(listed_cases):
            store.add_analysis(None, author, card=model.card, prediction=result.prediction,
                               explanation=result.explanation, input_bytes=f"listed {i}".encode(),
                               input_name="p.json", new_case=(f"BENCH-L{i}", ""))
        listed = _median_ms(lambda: sorted(c["id"] for c in store.list_cases(status="open")), repeats)
        # a presenter leading: each of their page's runs writes where they are; each following screen's timer reads it
        presenter, moves = {"username": "chair", "role": "reviewer"}, iter(range(10**9))
        lead_move = _median_ms(lambda: store.lead_meeting(presenter, case_id, next(moves) % 7 + 1, 7), repeats)
        lead_check = _median_ms(lambda: store.meeting_lead("chair"), repeats)
        # a reviewer's unrecorded draft: written when a field's value changes, read once per new session per case
        reviewer, edits, analyses = {"username": "ana", "role": "reviewer"}, iter(range(10**9)), range(1, ANALYSES + 1)
        draft_keep = _median_ms(lambda: store.keep_draft(1, reviewer, ("uncertain", "", f"edit {next(edits)}"), 1),
                                repeats)
        draft_read = _median_ms(lambda: store.verdict_drafts(reviewer, analyses), repeats)
    return {"analysis_save_ms_p50": save, "case_follow_check_ms_p50": check, "case_detail_ms_p50": draw,
            "meeting_list_check_ms_p50": listed, "meeting_list_cases": listed_cases + 1,
            "meeting_lead_move_ms_p50": lead_move, "meeting_lead_check_ms_p50": lead_check,
            "verdict_draft_keep_ms_p50": draft_keep, "verdict_drafts_read_ms_p50": draft_read}


def bench_patient_check(repeats: int = 50) -> dict[str, float]:
    """What the one-patient-per-case check adds to a save and to drawing Save to case: the keyed hash of a DICOM
    file's Patient ID (a header read, stopped before the pixels) and the query for the case's patients, on a case
    holding ANALYSES images of one patient."""
    import io

    import pydicom

    from ..registry import data_root

    source = pydicom.dcmread(data_root() / "dicom" / "CR-MONO1-10-chest.dcm", force=True)

    def image(patient_id: str, instance: int) -> bytes:
        source.PatientID, source.InstanceNumber = patient_id, instance
        buf = io.BytesIO()
        source.save_as(buf)
        return buf.getvalue()

    model = load_model("heart-disease")  # the store keeps any prediction; the input decides the patient
    result = analyse(model, model.example_input())
    card = replace(model.card, modality="imaging")
    author = {"username": "bench", "role": "admin"}
    with tempfile.TemporaryDirectory(prefix="medapp-bench-patients-") as folder:
        store = CaseStore(f"sqlite:///{Path(folder) / 'medapp.db'}", BlobStore(Path(folder) / "blobs"))
        case_id = store.create_case("BENCH-P", author)
        for i in range(ANALYSES):
            store.add_analysis(case_id, author, card=card, prediction=result.prediction, explanation=None,
                               input_bytes=image("MRN-1", i), input_name="i.dcm")
        other = image("MRN-2", 99)
        key = store.patient_key("imaging", other)
        out = {"patient_key_ms_p50": _median_ms(lambda: store.patient_key("imaging", other), repeats),
               "patient_check_ms_p50": _median_ms(lambda: store.other_patient_in_case(case_id, key), repeats)}
    return {**out, "patient_check_dicom_kb": round(len(other) / 1024, 1)}


def _median_ms(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return round(float(np.median(times)), 3)
