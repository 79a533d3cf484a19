"""Benchmark of the app itself: seconds from starting streamlit to the first page shown in a browser."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from .registry import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_page(timeout: float = 60.0) -> dict[str, float]:
    """Browser started first (not part of the app's time), then the server; time until the first heading."""
    chromium = shutil.which("chromium")
    if chromium is None:
        return {}
    from playwright.sync_api import sync_playwright

    port, var = _free_port(), tempfile.mkdtemp(prefix="medapp-bench-")
    env = {**os.environ, "MEDAPP_VAR_DIR": var, "TF_CPP_MIN_LOG_LEVEL": "3"}
    url = f"http://127.0.0.1:{port}"
    out: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"), "--server.port",
                                 str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                                 "--browser.gatherUsageStats", "false"], cwd=REPO_ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while time.perf_counter() - start < timeout:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).status == 200:
                        break
                except OSError:
                    time.sleep(0.05)
            out["app.server_ready_s"] = round(time.perf_counter() - start, 2)
            page.goto(url)
            # The first page is up when its heading (home, or the sign-in screen) is drawn.
            page.locator("h1").first.wait_for(timeout=timeout * 1000)
            out["app.first_page_s"] = round(time.perf_counter() - start, 2)
        finally:
            browser.close()
            proc.terminate()
            proc.wait(timeout=10)
            shutil.rmtree(var, ignore_errors=True)
    return out
