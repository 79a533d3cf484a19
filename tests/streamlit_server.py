"""A Streamlit script served on a free loopback port, for browser tests (the app, or a small test page)."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from medapp.ports import free_loopback_port


def start_streamlit(script: Path, *, env: dict, cwd: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Start `script` with streamlit and wait until it answers its health check; (process, URL)."""
    port = free_loopback_port()
    out = open(log, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()  # the child holds its own handle
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log.read_text()}")
    proc.kill()
    raise RuntimeError("streamlit did not answer within 60 s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextlib.contextmanager
def small_page(script: Path, tmp_path: Path, **env: str):
    """A small test page (tests/e2e/apps/) served with the repository on its path and `env` added; yields its URL."""
    proc, url = start_streamlit(script, env={**os.environ, **env}, cwd=tmp_path, log=tmp_path / "streamlit.log")
    try:
        yield url
    finally:
        stop(proc)
