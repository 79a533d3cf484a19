"""A throw-away Orthanc with the DICOMweb plugin, for the tests and the benchmark (never for patients).

Loopback only, its own storage in a temporary folder, HTTP basic authentication on, the DICOM
network port off. Debian's packages: `orthanc` and `orthanc-dicomweb`.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from ..ports import free_loopback_port

PLUGIN_DIRS = (Path("/usr/share/orthanc/plugins"), Path("/usr/lib/orthanc"))


def find_binary() -> str | None:
    return shutil.which("Orthanc") or (str(Path("/usr/sbin/Orthanc")) if Path("/usr/sbin/Orthanc").exists() else None)


def find_dicomweb_plugin() -> Path | None:
    for folder in PLUGIN_DIRS:
        for candidate in sorted(folder.glob("libOrthancDicomWeb.so*")):
            return candidate
    return None


class ThrowAwayOrthanc:
    def __init__(self, user: str = "medapp", password: str = "orthanc-test-pw"):
        binary, plugin = find_binary(), find_dicomweb_plugin()
        if not binary or not plugin:
            raise RuntimeError("Orthanc or its DICOMweb plugin is missing (Debian: apt-get install orthanc "
                               "orthanc-dicomweb; tests/system_deps.sh installs them)")
        self.user, self.password = user, password
        self.root = Path(tempfile.mkdtemp(prefix="medapp-orthanc-"))
        self.port = free_loopback_port()
        config = {
            "Name": "medapp-throwaway", "StorageDirectory": str(self.root / "db"),
            "IndexDirectory": str(self.root / "db"), "HttpPort": self.port, "DicomServerEnabled": False,
            "RemoteAccessAllowed": False, "AuthenticationEnabled": True,
            "RegisteredUsers": {user: password}, "Plugins": [str(plugin)],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}, "HttpCompressionEnabled": False,
            "StorageCompression": False, "ConcurrentJobs": 1,
        }
        (self.root / "orthanc.json").write_text(json.dumps(config))
        self.log = open(self.root / "orthanc.log", "w")
        self.proc = subprocess.Popen([binary, str(self.root / "orthanc.json")], stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.root)
        self.session = requests.Session()
        self.session.auth = (user, password)
        self._wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def _wait(self, seconds: float = 30) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Orthanc exited: {(self.root / 'orthanc.log').read_text()[-2000:]}")
            try:
                if self.session.get(f"{self.url}/system", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("Orthanc did not answer within 30 s")

    def upload(self, data: bytes) -> str:
        """Store one DICOM file through Orthanc's REST API; its Orthanc id."""
        r = self.session.post(f"{self.url}/instances", data=data, timeout=30)
        r.raise_for_status()
        return r.json()["ID"]

    def lookup(self, uid: str) -> str:
        """Orthanc's id of the object with this DICOM UID."""
        r = self.session.post(f"{self.url}/tools/lookup", data=uid, timeout=10)
        r.raise_for_status()
        found = r.json()
        if not found:
            raise KeyError(uid)
        return found[0]["ID"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ThrowAwayOrthanc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
