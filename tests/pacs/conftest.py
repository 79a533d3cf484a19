"""A throw-away Orthanc (DICOMweb plugin, basic auth) filled once per test session."""
from __future__ import annotations

import pytest

from medapp.pacs import samples
from medapp.pacs.config import Endpoint
from medapp.pacs.orthanc import ThrowAwayOrthanc
from medapp.registry import data_root

BATCH_DATE, BATCH_SIZE = "20240301", 12


@pytest.fixture(scope="session")
def orthanc():
    """The server, the demo archive's description, and its contents: a chest study with a CR series
    (4 images, a text report, an undecodable instance) and a DX series, the shared demo DICOM files,
    and a 12-instance study list dated 2024-03-01."""
    archive, files = samples.demo_archive(data_root())
    files += samples.study_list(data_root(), BATCH_SIZE, study_date=BATCH_DATE, per_study=4)
    server = ThrowAwayOrthanc()
    try:
        for data in files:
            server.upload(data)
        server.archive, server.batch_date, server.batch_size = archive, BATCH_DATE, BATCH_SIZE
        yield server
    finally:
        server.stop()


@pytest.fixture
def endpoint(orthanc) -> Endpoint:
    return Endpoint("test-orthanc", orthanc.dicomweb_url, "basic", orthanc.user, orthanc.password,
                    connect_timeout=5, read_timeout=30)
