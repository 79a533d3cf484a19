"""What `serve` writes for the people who support it: a UTC time and a level on each line, one line when readiness
changes (not a traceback per probe), the caller's address in the access log, and options refused where they do not
apply (an IT review)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cli_inprocess import run_medapp

from medapp.ports import free_loopback_port

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) medapp\.")


def _wait_until_live(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/v2/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"the service did not come up: {log.read_text()[-3000:]}")


@pytest.mark.slow  # starts the service
def test_an_unreachable_database_is_said_once_at_start_and_once_when_probed(tmp_path):
    port, dead = free_loopback_port(), free_loopback_port()  # nothing listens on `dead`
    env = {**os.environ, "MEDAPP_VAR_DIR": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3",
           "MEDAPP_DATABASE_URL": f"postgresql+psycopg://medapp:secret-pw@127.0.0.1:{dead}/medapp"}
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "medapp", "serve", "--port", str(port), "--access-log",
                                 "--log-level", "info"],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_live(url, proc, log)
        probes = [httpx.get(f"{url}/v2/health/ready", timeout=30).status_code for _ in range(3)]
        probes.append(httpx.get(f"{url}/v2/health/ready?case_title=John%20Smith%20MRN-777", timeout=30).status_code)
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lines = log.read_text().splitlines()
    assert probes == [503] * 4
    logged = [line for line in lines if " medapp." in line]
    assert logged and all(LINE.match(line) for line in logged), logged
    assert sum("the case database cannot be used now" in line for line in lines) == 1
    assert sum("not ready (answering 503)" in line for line in lines) == 1  # once, not per probe
    assert not any(line.startswith("Traceback") for line in lines)
    assert "secret-pw" not in log.read_text()
    assert "John" not in log.read_text() and "MRN-777" not in log.read_text()  # uvicorn's own line wrote the query
    access = [line for line in lines if " INFO medapp.service.requests " in line]
    assert len(access) >= 4 and all(" 127.0.0.1 GET /v2/health/" in line for line in access)


def test_options_that_do_not_apply_are_refused():
    ray_only = run_medapp("serve", "--replicas", "3", "--num-cpus", "2")
    assert ray_only.returncode == 2 and ray_only.stdout == ""
    assert ray_only.stderr.strip() == "error: --replicas, --num-cpus apply to Ray Serve: add --ray, or leave it out"
    level = run_medapp("serve", "--log-level", "bogus")
    assert level.returncode == 2 and "argument --log-level: invalid choice: 'bogus'" in level.stderr
