"""Shared fixtures: a running app for browser tests, and Debian's chromium driven by Playwright."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from streamlit_server import start_streamlit, stop

from medapp.ports import free_loopback_port

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Tests never touch the repository's ./var: the in-process store (AppTest pages) gets its own folder.
os.environ["MEDAPP_VAR_DIR"] = tempfile.mkdtemp(prefix="medapp-test-var-")
os.environ.pop("MEDAPP_DATABASE_URL", None)

E2E_USER, E2E_PASSWORD = "e2e-admin", "e2e-password-123"


def _scan_for_streamlit_components_once() -> None:
    """Each new AppTest scans the metadata of every installed distribution for Streamlit components on its first
    run (about 0.3 s of CPU; 15 s of a one-process run of the suite went there). The installed packages do not
    change while the tests run, so every AppTest of this process shares the first scan's result."""
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.testing.v1.app_test import AppTest

    original_init, scanned = AppTest.__init__, []

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if not scanned:
            manager = BidiComponentManager()
            manager.discover_and_register_components(start_file_watching=False)
            scanned.append(manager)
        self._bidi_component_manager = scanned[0]  # AppTest scans only when this is None

    AppTest.__init__ = init


_scan_for_streamlit_components_once()


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Marks by folder, so `make test-fast` (-m "not app and not e2e and not system and not slow") needs no list.

    Groups for `pytest -n 2 --dist loadgroup` (`make test`): a file's tests stay on one worker (its module
    and server fixtures start once), every browser test shares one worker and one app server, in order, and
    every test of the HTTP service shares one worker and one service process, and the two tests that read the
    fresh inference process share it.

    Order: the browser group first, then every group with a server, browser or subprocess test in it (marked
    system or slow), then the rest. `make test` passes --no-loadscope-reorder, so xdist hands the groups out in
    this order: the long ones start early and the two workers finish together. (xdist's own order, most tests
    first, started the 43-second Ray file last: one worker ended 17 s after the other.)"""
    group_of, long_groups = {}, set()
    for item in items:
        parts = Path(str(item.fspath)).relative_to(REPO / "tests").parts
        if parts[0] in ("app", "e2e"):
            item.add_marker(getattr(pytest.mark, parts[0]))
        names = getattr(item, "fixturenames", ())
        group = ("browser" if parts[0] == "e2e" else "service" if "service" in names
                 else "fresh-process" if "fresh_inference_process" in names else "/".join(parts))
        item.add_marker(pytest.mark.xdist_group(group))
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        if "postgres_server" in names or "app_url" in names or on_postgres:
            item.add_marker(pytest.mark.system)
        group_of[item] = group
        if item.get_closest_marker("system") or item.get_closest_marker("slow"):
            long_groups.add(group)
    items.sort(key=lambda item: (group_of[item] != "browser", group_of[item] not in long_groups))  # stable


# A fresh process that loads every registered model as the app does, then reports what three checks read: the
# modules it imported (no training code at inference: tests/test_architecture.py), what it wrote to stderr (the
# same file), and the notes encoder's bfloat16 result on the loading thread and on a new one
# (tests/notes/test_precision.py). One process for both: loading
# every model costs 12-18 CPU-seconds.
_FRESH_INFERENCE_PROCESS = """
import json, sys, threading
import torch
torch.set_num_threads(1)  # a process set to one thread (imaging training once did this to the whole process)
from medapp import registry
for card in registry.list_cards():
    registry.load_model(card.id)  # dictation-whisper brings CTranslate2's own OpenMP threads into the process
modules = sorted(sys.modules)
from medapp.workload import real_inputs
model = registry.load_model("symptom-disease")
model.encoder.precision = "bf16"
x = real_inputs(model, 1)[0][1]
here, there = float(model.predict(x).probability), []
worker = threading.Thread(target=lambda: there.append(float(model.predict(x).probability)))
worker.start(); worker.join()
print(json.dumps({"loaded": [c.id for c in registry.list_cards()], "modules": modules,
                  "bf16_loading_thread": repr(here), "bf16_new_thread": repr(there[0])}))
"""


@pytest.fixture(scope="session")
def fresh_inference_process() -> dict:
    run = subprocess.run([sys.executable, "-c", _FRESH_INFERENCE_PROCESS], cwd=REPO, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return {**json.loads(run.stdout.strip().splitlines()[-1]), "stderr": run.stderr}


@pytest.fixture(scope="session")
def app_var_dir(tmp_path_factory) -> Path:
    """State directory of the app under test (its own SQLite database and blobs)."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def app_url(app_var_dir):
    """The real app, started with streamlit on a free loopback port; stopped after the session."""
    env = {**os.environ, "MEDAPP_VAR_DIR": str(app_var_dir), "TF_CPP_MIN_LOG_LEVEL": "3",
           "MEDAPP_E2E_PASSWORD": E2E_PASSWORD}
    subprocess.run([sys.executable, "-m", "medapp", "users", "add", "--admin", E2E_USER,
                    "--password-env", "MEDAPP_E2E_PASSWORD"], cwd=REPO, env=env, check=True, capture_output=True)
    proc, url = start_streamlit(REPO / "app.py", env=env, cwd=REPO, log=app_var_dir / "streamlit.log")
    yield url
    stop(proc)


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed  # read by `page` below
    return report


def _new_page(browser):
    """A page in its own browser context (its own cookies, so its own app session)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)  # a 2-core CI machine loading several models at once is slow
    return context, page


@pytest.fixture
def page(browser, request):
    context, page = _new_page(browser)
    yield page
    if getattr(request.node, "call_failed", False):  # what the browser showed when the test failed, for CI logs
        shot = Path(tempfile.gettempdir()) / f"e2e-failed-{request.node.name}.png".replace(" ", "_").replace("/", "_")
        try:
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot of the failed page: {shot}")
        except Exception as exc:  # noqa: BLE001 - a closed or crashed page must not hide the test's own failure
            print(f"\nno screenshot of the failed page: {exc}")
    context.close()


@pytest.fixture
def signed_in_page(page, app_url):
    """A browser page on the running app, signed in through the real login form as an admin.

    Pages are then reached by clicking their sidebar link (a fresh URL starts a new, signed-out session).
    """
    from medapp.appbench import sign_in

    sign_in(page, app_url, E2E_USER, E2E_PASSWORD)
    return page


@pytest.fixture(scope="module")
def module_signed_in_page(browser, app_url):
    """One signed-in page shared by a file's tests, each reaching its page by a sidebar link: a sign-in is a
    full Streamlit page load (about 2 CPU-seconds of chromium on a loaded machine). No failure screenshot:
    tests using it save their own."""
    from medapp.appbench import sign_in

    context, page = _new_page(browser)
    sign_in(page, app_url, E2E_USER, E2E_PASSWORD)
    yield page
    context.close()


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (tests/system_deps.sh installs Debian's postgresql)")
    return found[-1].parent


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL cluster on loopback, run as the postgres user (it refuses root)."""
    bin_dir = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="medapp-pg-", dir="/tmp"))
    os.chmod(root, 0o755)
    data = root / "data"
    port = free_loopback_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        subprocess.run(["chown", "postgres:postgres", str(root)], check=True)
    subprocess.run([*as_pg, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
    subprocess.run(["rm", "-rf", str(root)])


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database on each engine: the store tests run against both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'medapp.db'}"
    from sqlalchemy import create_engine, text

    server = request.getfixturevalue("postgres_server")
    name = f"t_{request.node.name.split('[')[0][-40:].lower()}_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"
