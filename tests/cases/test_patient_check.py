"""Saving an image of another patient into an existing case is refused (DICOM Patient IDs compared by keyed hash)."""
from __future__ import annotations

import io
from dataclasses import replace

import pydicom
import pytest
from pydicom.data import get_testdata_file
from sqlalchemy import text

from medapp.cases.blobs import BlobStore
from medapp.cases.store import BurnedInTextError, CaseStore, PatientMismatchError

CLIN = {"username": "carla", "role": "clinician"}


def _dicom(patient_id: str, issuer: str = "", instance: str = "1", burned_in: str | None = None) -> bytes:
    """A CT image of `patient_id`; images differing only in their patient de-identify to the same bytes (one
    stored input), so each image here has its own instance number."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    ds.PatientID, ds.PatientName, ds.InstanceNumber = patient_id, "Doe^Jane", instance
    if issuer:
        ds.IssuerOfPatientID = issuer
    if burned_in is not None:
        ds.BurnedInAnnotation = burned_in
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@pytest.fixture
def save(store, heart):
    card, pred, expl = heart
    imaging = replace(card, modality="imaging")

    def _save(case_id, data: bytes, **kw):
        return store.save_analysis(case_id, CLIN, card=imaging, prediction=pred, explanation=expl,
                                   input_bytes=data, input_name="image.dcm", **kw)
    return _save


def _count(store, case_id) -> int:
    return len(store.case_detail(case_id, CLIN, log_view=False)["analyses"])


def test_an_image_of_another_patient_is_refused_until_confirmed(store, save):
    case_id = store.create_case("PAT-1", CLIN)
    save(case_id, _dicom("MRN-111", instance="1"))
    save(case_id, _dicom("MRN-111", instance="2"))  # the same patient's second image: no question
    assert _count(store, case_id) == 2

    with pytest.raises(PatientMismatchError, match="Not saved to PAT-1: its images are of another patient"):
        save(case_id, _dicom("MRN-222", instance="5"))
    assert _count(store, case_id) == 2  # nothing stored

    analysis_id, created = save(case_id, _dicom("MRN-222", instance="5"), same_patient=True)
    assert created and _count(store, case_id) == 3
    [event] = [e for e in store.audit_events(action="analysis.save") if e["target"] == f"analysis:{analysis_id}"]
    assert event["detail"]["other_patient_id_confirmed"] is True
    save(case_id, _dicom("MRN-222", instance="3"))  # the ID confirmed once belongs to the case now
    with pytest.raises(PatientMismatchError):
        save(case_id, _dicom("MRN-333", instance="6"))
    with pytest.raises(PatientMismatchError):  # one ID from two issuers is two patients
        save(case_id, _dicom("MRN-111", issuer="OTHER-HOSPITAL", instance="7"))


def test_inputs_without_a_patient_id_are_never_questioned(store, save, heart):
    case_id = store.create_case("PAT-2", CLIN)
    save(case_id, _dicom("MRN-111"))
    save(case_id, _dicom("", instance="2"))  # an empty Patient ID names nobody
    card, pred, expl = heart
    store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b'{"age": 50}',
                       input_name="record.json")
    assert _count(store, case_id) == 3
    new_id, _ = save(None, _dicom("MRN-999"), new_case=("PAT-3", ""))  # a new case has nobody to differ from
    assert store.case_of(new_id)["reference"] == "PAT-3"


def test_the_key_is_a_keyed_hash_shared_by_processes_of_one_database(store, save, database_url, tmp_path):
    case_id = store.create_case("PAT-4", CLIN)
    save(case_id, _dicom("MRN-111"))
    with store.Session() as s:
        [stored] = s.execute(text("SELECT patient_key FROM analyses")).scalars().all()
        secret = s.execute(text("SELECT value FROM installation_settings")).scalar_one()
    assert len(stored) == 64 and "MRN" not in stored and len(secret) == 64
    other = CaseStore(database_url, BlobStore(tmp_path / "other-blobs"))  # another app process, same database
    assert other.patient_key("imaging", _dicom("MRN-111")) == stored
    assert other.other_patient_in_case(case_id, other.patient_key("imaging", _dicom("MRN-222")))
    assert not other.other_patient_in_case(case_id, other.patient_key("imaging", _dicom("MRN-111")))
    assert other.patient_key("imaging", b"\x89PNG\r\n\x1a\n") is None and other.patient_key("notes", b"MRN-111") is None


def test_bench_measures_the_patient_check():
    from medapp.bench import extras_for
    from medapp.cases.bench import bench_patient_check

    assert "medapp.cases.bench:bench_patient_check" in extras_for(None)  # in `python -m medapp bench`
    row = bench_patient_check(repeats=3)
    assert set(row) == {"patient_key_ms_p50", "patient_check_ms_p50", "patient_check_dicom_kb"}
    assert all(v > 0 for v in row.values())


def test_a_refused_save_leaves_its_stored_input_for_collection_and_a_saved_one_is_kept(store, save, tmp_path):
    """A review: a refused save left its de-identified file in var/blobs with no analysis referring to it."""
    import os
    import time

    case_id = store.create_case("PAT-GC", CLIN)
    save(case_id, _dicom("MRN-111", instance="1"))
    with pytest.raises(PatientMismatchError):
        save(case_id, _dicom("MRN-222", instance="5"))
    stored = {d for d, _ in store.blobs.digests()}
    [kept] = {a["input_sha256"] for a in store.case_detail(case_id, CLIN, log_view=False)["analyses"]}
    [orphan] = stored - {kept}
    assert store.collect_unreferenced_blobs(3600) == []  # too fresh: a save may be about to refer to it
    hour_ago = time.time() - 7200
    for digest in stored:
        os.utime(store.blobs.path(digest), (hour_ago, hour_ago))
    store.blobs.put(store.blobs.get(orphan))  # a save storing the same input again touches it: kept
    assert store.collect_unreferenced_blobs(3600) == []
    os.utime(store.blobs.path(orphan), (hour_ago, hour_ago))
    assert store.collect_unreferenced_blobs(3600) == [orphan]
    assert {d for d, _ in store.blobs.digests()} == {kept}  # the input of the saved analysis stays


def test_a_failed_write_leaves_no_partial_file_and_collection_removes_an_old_one(store, monkeypatch):
    """A data-protection review: a write that failed inside `put` left its tmp file (a de-identified input, half
    written) for good: `collect` only looked at 64-character names."""
    import os
    import time

    from medapp.db.engine import StoreUnavailable

    blobs = store.blobs

    def full_disk(*_):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", full_disk)
        with pytest.raises(StoreUnavailable, match="file folder .* cannot be written: No space left on device"):
            blobs.put(b"a de-identified input")
    assert list(blobs.root.glob("??/tmp*")) == []
    killed = blobs.path("ab" * 32).parent / "tmpkilled"  # what a process killed mid-write leaves
    killed.parent.mkdir(parents=True, exist_ok=True)
    killed.write_bytes(b"half")
    assert store.collect_unreferenced_blobs(3600) == [] and killed.exists()  # fresh: a put may be writing it
    old = time.time() - 7200
    os.utime(killed, (old, old))
    store.collect_unreferenced_blobs(3600)
    assert not killed.exists()


def test_an_image_declaring_burned_in_text_is_saved_only_once_the_user_says_they_looked(store, save, tmp_path):
    """Text burned into the pixels is not removed by de-identification; such an image is shown in the case, on the
    projector and in reports, so it is stored only when the user says no name, date or number in it identifies the
    patient (the pages' tick, the API's pixels_checked), and the audit keeps that they said so."""
    import zipfile

    case_id = store.create_case("PIX-1", CLIN)
    blobs_before = len(list(store.blobs.root.glob("??/*")))
    with pytest.raises(BurnedInTextError, match=r"declares burned-in annotation .*Nothing was saved"):
        save(case_id, _dicom("MRN-1", burned_in="YES"))
    series = io.BytesIO()
    with zipfile.ZipFile(series, "w") as z:  # one image of a series declaring it is enough
        z.writestr("a.dcm", _dicom("MRN-1", instance="1", burned_in="NO"))
        z.writestr("b.dcm", _dicom("MRN-1", instance="2", burned_in="yes"))
    with pytest.raises(BurnedInTextError):
        save(case_id, series.getvalue())
    assert _count(store, case_id) == 0 and len(list(store.blobs.root.glob("??/*"))) == blobs_before  # nothing kept

    analysis_id, created = save(case_id, _dicom("MRN-1", burned_in="YES"), pixels_checked=True)
    assert created
    [event] = [e for e in store.audit_events(action="analysis.save") if e["target"] == f"analysis:{analysis_id}"]
    assert event["detail"]["burned_in_text_checked"] is True
    plain, _ = save(case_id, _dicom("MRN-1", instance="7", burned_in="NO"))  # declared clean: no question
    [event] = [e for e in store.audit_events(action="analysis.save") if e["target"] == f"analysis:{plain}"]
    assert "burned_in_text_checked" not in event["detail"]
