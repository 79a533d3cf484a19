"""One real inference service per test session: `python -m medapp serve` on a free loopback port, over a
throw-away store, with users and API tokens made through the command line as an admin would."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.ports import free_loopback_port
from medapp.security.accounts import create_user
from medapp.security.tokens import create_token

REPO = Path(__file__).resolve().parents[2]


def medapp_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "medapp", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def wait_until_live(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/v2/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the service did not answer within the timeout")


@dataclass
class Service:
    url: str
    var: Path
    env: dict
    tokens: dict[str, str]  # role name -> secret
    token_ids: dict[str, int]

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return medapp_cli(self.env, *args)

    def store(self) -> CaseStore:
        return CaseStore(f"sqlite:///{self.var / 'medapp.db'}", BlobStore(self.var / "blobs"))

    def client(self, who: str = "clinician", **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[who]}"},
                            timeout=120, **kwargs)

    def audit_rows(self, action: str, *, at_least: int = 1, until=None, timeout: float = 30) -> list[dict]:
        """The audit rows of an action (API rows are written in batches a few ms after the answer; a loaded
        machine can take seconds). `until(rows)` waits for the rows a test itself caused, not earlier ones."""
        deadline = time.time() + timeout
        while True:
            rows = self.store().audit_events(action=action)
            done = until(rows) if until is not None else len(rows) >= at_least
            if done or time.time() > deadline:
                return rows
            time.sleep(0.1)


@pytest.fixture(scope="session")
def service(tmp_path_factory) -> Service:
    var = tmp_path_factory.mktemp("service-var")
    env = {**os.environ, "MEDAPP_VAR_DIR": str(var), "TF_CPP_MIN_LOG_LEVEL": "3", "MEDAPP_PW": "service pw 123"}
    env.pop("MEDAPP_DATABASE_URL", None)
    # accounts and tokens made in-process (fast); test_http_api drives the tokens command line itself
    store = CaseStore(f"sqlite:///{var / 'medapp.db'}", BlobStore(var / "blobs"))
    for name, role in (("ada", "admin"), ("cleo", "clinician"), ("remy", "reviewer")):
        create_user(store, name, "service pw 123", role)
    admin = {"username": "ada", "role": "admin"}
    tokens, ids = {}, {}
    for key, user, kwargs in (("clinician", "cleo", {"label": "EHR"}), ("reviewer", "remy", {}),
                              ("no-cases", "cleo", {"may_save_cases": False}),
                              ("slow", "cleo", {"rate_per_minute": 3})):
        ids[key], tokens[key] = create_token(store, admin, user, **kwargs)
    port = free_loopback_port()
    log = var / "service.log"
    proc = subprocess.Popen([sys.executable, "-m", "medapp", "serve", "--host", "127.0.0.1", "--port", str(port),
                             ], cwd=REPO, env=env, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_live(url, proc, log)
    yield Service(url, var, env, tokens, ids)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
