"""Shared fixtures: a running app for browser tests, and Debian's chromium driven by Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_var_dir(tmp_path_factory) -> Path:
    """State directory of the app under test (its own SQLite database and blobs)."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def app_url(app_var_dir):
    """The real app, started with streamlit on a free loopback port; stopped after the session."""
    port = _free_port()
    env = {**os.environ, "MEDAPP_VAR_DIR": str(app_var_dir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    log = open(app_var_dir / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                break
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: {(app_var_dir / 'streamlit.log').read_text()}")
    else:
        proc.kill()
        raise RuntimeError("streamlit did not answer within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture
def signed_in_page(page, app_url):
    """A browser page on the running app, signed in as a clinician-capable user.

    The login step is added with the account system (issue 6); pages are then reached by clicking
    their sidebar link (a fresh URL would start a new, signed-out session).
    """
    page.goto(app_url)
    page.get_by_text("medapp", exact=False).first.wait_for()
    return page
