"""`python -m medapp pacs ...` against the test Orthanc: JSON lines, exit codes, secrets only from the environment."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_inprocess import run_medapp

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


def test_analyse_a_study_reports_what_cannot_be_analysed(orthanc):
    out = _run("analyse", "--url", orthanc.dicomweb_url, "--user", orthanc.user, "--password-env", "PACS_PW",
               "--study", orthanc.archive.chest.study_uid, password=orthanc.password)
    rows = [r for r in map(json.loads, out.stdout.splitlines()) if r["series_uid"] == orthanc.archive.cr_series_uid]
    assert len(rows) == 6 and sum("label" in r for r in rows) == 4
    assert any("without an image" in r.get("skipped", "") for r in rows)
    assert any("cannot be decoded" in r.get("error", "") for r in rows)
    assert all(r["explanation"]["method"] for r in rows if "label" in r)
    assert out.returncode == 1  # one instance failed


def test_wrong_password_and_server_down_exit_2_with_a_message(orthanc):
    out = _run("analyse", "--url", orthanc.dicomweb_url, "--user", orthanc.user, "--password-env", "PACS_PW",
               "--date", "20240301", password="wrong-password-9")
    assert out.returncode == 2 and "HTTP 401" in out.stderr and "Traceback" not in out.stderr
    assert "wrong-password-9" not in out.stderr
    down = _run("test", "--url", "http://127.0.0.1:9/dicom-web", password="")
    assert down.returncode == 1 and "connection refused" in down.stdout
