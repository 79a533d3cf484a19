"""Benchmarks of the app itself in a browser: seconds from starting streamlit to the first page shown, and what
one rerun of a page costs the server once every modality's model (Keras included) is loaded."""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import REPO_ROOT
from .ports import free_loopback_port

USER, PASSWORD = "bench-admin", "bench-password-123"
# `page.wait_for_function(IDLE)`: the page's run has ended. The browser marks a rerun it has sent at once, so this
# waits for the run to end (also used by the browser tests).
IDLE = "document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"


# `page.evaluate(NEXT_PAINT)`: two animation frames, so the browser has applied a scroll or a click's layout
# change and painted it.
NEXT_PAINT = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def wait_until_still(page, *targets, still_ms: int = 150, timeout_s: float = 60.0, each=None) -> tuple:
    """The targets' bounding boxes once none has moved for `still_ms` (or at the deadline): a just-opened expander
    grows for a moment. `each` (a scroll, say) runs before every look."""
    deadline, boxes = time.time() + timeout_s, None
    while True:
        if each is not None:
            each()
        page.wait_for_timeout(still_ms)
        page.evaluate(NEXT_PAINT)
        before, boxes = boxes, tuple(target.bounding_box() for target in targets)
        if (None not in boxes and boxes == before) or time.time() > deadline:
            return boxes


def click_when_still(page, target) -> None:
    """Click `target` once it has stopped moving: on a loaded machine a button in a just-opened expander can move
    between Playwright's own stability check and the click, which then misses it (a Save lost 1 time in 16 that
    way in a browser test, with nothing sent)."""
    target.scroll_into_view_if_needed()
    wait_until_still(page, target)
    target.click()


@contextmanager
def _app(timeout: float) -> Iterator[tuple[str, subprocess.Popen, Path, float]]:
    """A fresh app (own state folder, one admin) started from the repository like `make run`: (url, process,
    state folder, seconds until its health check answered)."""
    port, var = free_loopback_port(), Path(tempfile.mkdtemp(prefix="medapp-bench-"))
    env = {**os.environ, "MEDAPP_VAR_DIR": str(var), "TF_CPP_MIN_LOG_LEVEL": "3", "MEDAPP_BENCH_PW": PASSWORD}
    subprocess.run([sys.executable, "-m", "medapp", "users", "add", "--admin", USER, "--password-env",
                    "MEDAPP_BENCH_PW"], cwd=REPO_ROOT, env=env, check=True, capture_output=True)
    url = f"http://127.0.0.1:{port}"
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
        yield url, proc, var, time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(var, ignore_errors=True)


@contextmanager
def _browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield browser
        finally:
            browser.close()


def first_page(timeout: float = 60.0) -> dict[str, float]:
    """Browser started first (not part of the app's time), then the server; time until the first heading."""
    if shutil.which("chromium") is None:
        return {}
    with _browser() as browser:
        page = browser.new_page()
        start = time.perf_counter()
        with _app(timeout) as (url, _, _, ready_s):
            page.goto(url)
            # The first page is up when its heading (home, or the sign-in screen) is drawn.
            page.locator("h1").first.wait_for(timeout=timeout * 1000)
            return {"app.server_ready_s": round(ready_s, 2),
                    "app.first_page_s": round(time.perf_counter() - start, 2)}


def sign_in(page, url: str, user: str, password: str) -> None:
    """Sign a Playwright page in through the app's real login form (also used by the browser tests)."""
    page.goto(url)
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {user}").wait_for()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rerun_cost(timeout: float = 180.0, reruns: int = 10) -> dict[str, float]:
    """Server CPU-seconds and seconds until the page settles for one rerun of the Case records page (Estimate
    risk clicked again), after a heart sound was analysed in the same app (so Keras is loaded): what every
    click of every session costs the shared server (medapp/ui/runtime.py)."""
    if shutil.which("chromium") is None or not Path("/proc/self/stat").exists():
        return {}
    from playwright.sync_api import expect

    from .modalities.audio.synth import synthetic_heart_sound, wav_bytes

    with tempfile.TemporaryDirectory(prefix="medapp-bench-") as folder, _browser() as browser, \
            _app(timeout) as (url, proc, _, _):
        recording = Path(folder) / "heart.wav"
        recording.write_bytes(wav_bytes(synthetic_heart_sound(4.0, murmur=True), 8000))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(timeout * 1000)
        sign_in(page, url, USER, PASSWORD)
        page.get_by_role("link", name="Heart & lung sounds").click()
        page.locator('input[type="file"]').first.set_input_files(str(recording))
        page.get_by_text("Model's assessment").wait_for()
        page.get_by_role("link", name="Case records").click()
        page.get_by_role("button", name="Load example patient").click()
        expect(page.get_by_role("spinbutton").first).not_to_have_value("")
        page.wait_for_function(IDLE)
        button, settled, cpu = page.get_by_role("button", name="Estimate risk"), [], []
        for _ in range(reruns):
            time.sleep(1.0)  # whatever the server does after a run is counted before the next click
            before, start = _cpu_seconds(proc.pid), time.perf_counter()
            button.click()
            page.wait_for_timeout(50)
            page.wait_for_function(IDLE)
            settled.append(time.perf_counter() - start)
            time.sleep(1.0)
            cpu.append(_cpu_seconds(proc.pid) - before)
    return {"app.rerun_server_cpu_s_p50": round(statistics.median(cpu), 3),
            "app.rerun_settled_s_p50": round(statistics.median(settled), 3)}


def follow_cost(timeout: float = 180.0, sessions: int = 4, window_s: float = 30.0) -> dict[str, float]:
    """Server CPU per open page per second: `sessions` signed-in pages idle on Home, then the same pages idle on
    Meeting mode, which checks every few seconds whether its case changed elsewhere (ui/review.follow_case)."""
    if shutil.which("chromium") is None or not Path("/proc/self/stat").exists():
        return {}
    from .analysis import analyse
    from .cases.blobs import BlobStore
    from .cases.store import CaseStore
    from .registry import load_model

    with _browser() as browser, _app(timeout) as (url, proc, var, _):
        store, model = CaseStore(f"sqlite:///{var / 'medapp.db'}", BlobStore(var / "blobs")), load_model("heart-disease")
        result, chair = analyse(model, model.example_input()), {"username": USER, "role": "admin"}
        store.add_analysis(None, chair, card=model.card, prediction=result.prediction, explanation=result.explanation,
                           input_bytes=b"{}", input_name="p.json", new_case=("BENCH-FOLLOW", ""))
        pages = []
        for _ in range(sessions):
            page = browser.new_context().new_page()
            page.set_default_timeout(timeout * 1000)
            sign_in(page, url, USER, PASSWORD)
            pages.append(page)
        out = {}
        for where in ("home", "meeting"):
            for page in pages if where == "meeting" else ():
                page.get_by_role("link", name="Meeting mode").click()
                page.get_by_role("heading", name="BENCH-FOLLOW").wait_for()
            time.sleep(5.0)  # the last page's run is over
            before = _cpu_seconds(proc.pid)
            time.sleep(window_s)
            out[f"app.idle_{where}_server_cpu_ms_per_page_s"] = round(
                1000 * (_cpu_seconds(proc.pid) - before) / window_s / sessions, 2)
    return out
