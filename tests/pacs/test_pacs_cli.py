"""`python -m medapp pacs ...` against the test Orthanc: JSON lines, exit codes, secrets only from the environment."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pydicom
import pytest
from cli_inprocess import run_medapp

from medapp.registry import data_root

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.system


def _run(*args: str, password: str) -> subprocess.CompletedProcess:
    return run_medapp("pacs", *args, env={"PACS_PW": password})


def test_analyse_a_date_prints_one_json_line_per_instance(orthanc):
    out = _run("analyse", "--url", orthanc.dicomweb_url, "--user", orthanc.user, "--password-env", "PACS_PW",
               "--date", f"{orthanc.batch_date}-{orthanc.batch_date}", "--modality", "CR,DX", "--no-explain",
               password=orthanc.password)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == orthanc.batch_size
    assert all(r["study_date"] == orthanc.batch_date and r["label"] in ("normal", "pneumonia") for r in rows)
    assert all(abs(sum(r["probabilities"].values()) - 1) < 1e-6 for r in rows)
    assert orthanc.password not in out.stdout + out.stderr
    # the run is in the audit trail: who, which server, how many images by which model and build
    from medapp.build import build_id
    from medapp.db.database import Database

    row = Database().audit_events(action="pacs.analyse", limit=1)[0]
    assert row["username"].startswith("cli:") and row["target"].startswith("pacs:")
    assert row["detail"]["instances"] == orthanc.batch_size and row["detail"]["failed"] == 0
    assert row["detail"]["analysed"] == {"chest-xray-pneumonia": orthanc.batch_size} and row["detail"]["app"] == build_id()


def test_analyse_a_study_reports_what_cannot_be_analysed(orthanc):
    out = _run("analyse", "--url", orthanc.dicomweb_url, "--user", orthanc.user, "--password-env", "PACS_PW",
               "--study", orthanc.archive.chest.study_uid, password=orthanc.password)
    rows = [r for r in map(json.loads, out.stdout.splitlines()) if r["series_uid"] == orthanc.archive.cr_series_uid]
    assert len(rows) == 6 and sum("label" in r for r in rows) == 4
    assert any("without an image" in r.get("skipped", "") for r in rows)
    assert any("cannot be decoded" in r.get("error", "") for r in rows)
    assert all(r["explanation"]["method"] for r in rows if "label" in r)
    assert out.returncode == 1  # one instance failed


def test_automatic_sends_each_image_to_the_model_that_fits_it(orthanc):
    """No --model: chest radiographs go to the chest model and breast ultrasound to the breast model (one default
    model once sent every image to the chest model); a CT fits neither and is reported, not analysed."""
    ct = next(pydicom.dcmread(p, stop_before_pixels=True) for p in sorted((data_root() / "dicom").glob("CT*.dcm")))
    out = _run("analyse", "--url", orthanc.dicomweb_url, "--user", orthanc.user, "--password-env", "PACS_PW",
               "--study", orthanc.archive.chest.study_uid, orthanc.archive.breast.study_uid, ct.StudyInstanceUID,
               "--no-explain", password=orthanc.password)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    by_modality = {}
    for r in rows:
        by_modality.setdefault(r["modality"], []).append(r)
    assert {r.get("model") for r in by_modality["CR"] + by_modality["DX"] if "label" in r} == {"chest-xray-pneumonia"}
    assert [r["model"] for r in by_modality["US"]] == ["breast-ultrasound"] * orthanc.archive.us_images
    assert all(r["assessed"] and r["label"] in ("normal", "benign", "malignant") for r in by_modality["US"])
    assert by_modality["CT"] and all("Not analysed: The image does not fit any imaging model" in r["skipped"]
                                     and "DICOM modality is CT" in r["skipped"] for r in by_modality["CT"])
    # the CT, the text report and whatever other tests sent back to these studies (result SR, Secondary Capture)
    skipped = sum("skipped" in r for r in rows)
    assert skipped >= len(by_modality["CT"]) + 1 and f"not analysed: {skipped} " in out.stderr
    assert "by breast-ultrasound" in out.stderr and "by chest-xray-pneumonia" in out.stderr


def test_wrong_password_and_server_down_exit_2_with_a_message(orthanc):
    out = _run("analyse", "--url", orthanc.dicomweb_url, "--user", orthanc.user, "--password-env", "PACS_PW",
               "--date", "20240301", password="wrong-password-9")
    assert out.returncode == 2 and "HTTP 401" in out.stderr and "Traceback" not in out.stderr
    assert "wrong-password-9" not in out.stderr
    down = _run("test", "--url", "http://127.0.0.1:9/dicom-web", password="")
    assert down.returncode == 1 and "connection refused" in down.stdout


def test_a_model_that_is_not_an_imaging_model_is_refused_before_the_pacs_is_asked():
    """--model heart-disease printed '4 instances in 1 studies' and then an AttributeError traceback."""
    out = _run("analyse", "--url", "http://127.0.0.1:9/dicom-web", "--date", "20240301", "--model", "heart-disease",
               password="")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == ("error: heart-disease is a records model; the PACS holds images: use one of "
                                  "breast-ultrasound, chest-xray-pneumonia or --model auto")
