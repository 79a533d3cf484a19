"""DICOMweb search and retrieval against a real Orthanc: filters, listings, errors in plain words."""
from __future__ import annotations

import io
import socket
import threading

import pydicom
import pytest

from medapp.pacs.client import InstanceCache, PacsClient, PacsError, date_range
from medapp.pacs.config import Endpoint
from medapp.ports import free_loopback_port

pytestmark = pytest.mark.system


def test_connection_reports_what_answered(endpoint):
    report = PacsClient(endpoint).test_connection()
    assert report.ok and "DICOMweb answered" in report.message and "holds studies" in report.message


def test_wrong_credentials_are_a_401_message_without_the_password(orthanc, endpoint):
    bad = Endpoint(endpoint.name, endpoint.url, "basic", endpoint.username, "not-the-password-xyz")
    report = PacsClient(bad).test_connection()
    assert not report.ok and "refused the credentials (HTTP 401)" in report.message
    assert "not-the-password-xyz" not in report.message and orthanc.password not in report.message
    with pytest.raises(PacsError, match="HTTP 401"):
        PacsClient(bad).search_studies()
    assert "not-the-password-xyz" not in repr(bad)


def test_server_down_and_silent_server_and_not_dicomweb(orthanc, endpoint):
    free = free_loopback_port()  # nothing listens there
    down = PacsClient(Endpoint("down", f"http://127.0.0.1:{free}/dicom-web")).test_connection()
    assert not down.ok and "connection refused" in down.message
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        slow = Endpoint("silent", f"http://127.0.0.1:{port}/dicom-web", connect_timeout=1, read_timeout=0.5)
        report = PacsClient(slow).test_connection()
    assert not report.ok and "did not answer within 0.5 s (timed out)" in report.message
    root = Endpoint("root", orthanc.url, "basic", orthanc.user, orthanc.password)  # Orthanc's REST root
    report = PacsClient(root).test_connection()
    assert not report.ok and "not a DICOMweb" in report.message


def test_search_by_patient_name_date_modality_accession(endpoint, orthanc):
    client = PacsClient(endpoint)
    chest = orthanc.archive.chest
    by_id = client.search_studies(patient_id=chest.patient_id)
    assert [s["study_uid"] for s in by_id] == [chest.study_uid]
    # CR and DX (other tests may have added a result's OT and SR series to this study by now)
    assert {"CR", "DX"} <= set(by_id[0]["modalities"].split("/")) and by_id[0]["patient_name"] == "Test^Alice"
    assert [s["study_uid"] for s in client.search_studies(patient_name="test^ali")] == [chest.study_uid]
    assert [s["study_uid"] for s in client.search_studies(accession="ACC-0001")] == [chest.study_uid]
    assert client.search_studies(study_date=date_range("2024-01-01", "2024-01-31")) == by_id
    batch = client.search_studies(study_date=orthanc.batch_date, modalities=["CR"])
    assert len(batch) == orthanc.batch_size // 4 and all(s["date"] == orthanc.batch_date for s in batch)
    ct = {s["study_uid"] for s in client.search_studies(modalities=["CT"])}
    assert chest.study_uid not in ct and len(ct) == 2  # the two shared CT files
    assert [s["study_uid"] for s in client.search_studies(modalities=["US"])] == [orthanc.archive.breast.study_uid]
    assert client.search_studies(patient_id="nobody-has-this-id") == []


def test_series_and_instances_with_descriptions(endpoint, orthanc):
    client = PacsClient(endpoint)
    archive = orthanc.archive
    series = [s for s in client.series(archive.chest.study_uid) if s["number"] in (1, 2)]
    assert [(s["modality"], s["description"], s["instances"]) for s in series] == [
        ("CR", "Chest PA", 6), ("DX", "Chest AP portable", 2)]
    refs = client.instances(archive.chest.study_uid, archive.cr_series_uid)
    assert [r.instance_number for r in refs] == [1, 2, 3, 4, 5, 6]
    assert refs[0].name.startswith("Chest PA #1")


def test_retrieve_returns_the_stored_file_once_per_session(endpoint, orthanc):
    client = PacsClient(endpoint)
    ref = client.instances(orthanc.archive.chest.study_uid, orthanc.archive.dx_series_uid)[0]
    cache = InstanceCache()
    data = client.retrieve(ref, cache)
    ds = pydicom.dcmread(io.BytesIO(data))
    assert ds.SOPInstanceUID == ref.sop_uid and ds.Modality == "DX" and ds.pixel_array.shape == (224, 224)
    assert client.retrieve(ref, cache) is data and client.fetches == 1
    assert ref.sop_uid in cache


def test_date_range_formats():
    assert date_range("20240101", "20240101") == "20240101"
    assert date_range("2024-01-01", None) == "20240101-"
    assert date_range(None, None) is None


def test_a_pacs_that_is_down_fails_at_once_and_a_busy_one_is_retried():
    """A review: every call to a PACS that was down retried five times over 30 s (dicomweb-client's retrying retries
    any exception), so a series stalled for tens of minutes. A refused connection now fails on the first try; a
    503 is retried and the answer after it read."""
    import http.server

    free = free_loopback_port()
    client = PacsClient(Endpoint("down", f"http://127.0.0.1:{free}/dicom-web"))
    attempts = []
    real_send = client.session.send
    client.session.send = lambda request, **kw: (attempts.append(request.url), real_send(request, **kw))[1]
    with pytest.raises(PacsError, match="connection refused") as refused:
        client.search_studies(patient_id="X")
    assert len(attempts) == 1  # one try, no retries of a refused connection
    assert refused.value.unreachable  # a series stops at it (ui/pacs.py), rather than failing image after image

    answers = [503, 200]

    class Busy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # the http.server hook's name
            code = answers.pop(0) if answers else 200
            self.send_response(code)
            self.send_header("Content-Type", "application/dicom+json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        busy = PacsClient(Endpoint("busy", f"http://127.0.0.1:{server.server_address[1]}/dicom-web"))
        assert busy.search_studies(patient_id="X") == []
        assert answers == []  # the 503 was answered, then the retry read
    finally:
        server.shutdown()
