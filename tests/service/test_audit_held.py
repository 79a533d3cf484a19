"""The API's audit rows while the database will not take them: held and written later with the time of each call,
kept in a file at shutdown, and new calls refused once too many wait (an IT review lost the rows of calls answered
during a 40-second lock, and rows written later carried the time of writing)."""
from __future__ import annotations

import json
import logging
import os
import stat
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.service.app import AUDIT_FULL, Service, create_app


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    return CaseStore(f"sqlite:///{tmp_path / 'medapp.db'}", BlobStore(tmp_path / "blobs"))


def _trail_away(store: CaseStore, away: bool) -> None:
    """The audit table out of reach (every write fails: "no such table"), or back."""
    old, new = ("audit_events", "audit_events_away") if away else ("audit_events_away", "audit_events")
    with store.Session.begin() as s:
        s.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


def _until(check, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def _api_rows(store: CaseStore) -> list[dict]:
    return [e for e in store.audit_events(action="api.infer")]


def test_rows_the_database_refuses_are_held_and_written_later_with_their_calls_times(store, caplog):
    writer = Service(store).audit_writer
    writer.RETRY_FIRST_S = 0.05
    _trail_away(store, True)
    before = datetime.now(UTC)
    with caplog.at_level(logging.WARNING, logger="medapp.service"):
        for n in range(3):
            writer.put(("ana", "api.infer", "model:heart-disease", {"request_id": f"held-{n}", "status": 200}))
        answered = datetime.now(UTC)
        _until(lambda: writer.failing_since is not None)
        time.sleep(0.3)  # several tries refused
        assert writer.held == 3
        _trail_away(store, False)
        _until(lambda: writer.held == 0)
    rows = _api_rows(store)
    assert sorted(r["detail"]["request_id"] for r in rows) == ["held-0", "held-1", "held-2"]
    for r in rows:  # the time of the call, not of the write a few tries later
        at = r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=UTC)
        assert before <= at <= answered, (at, before, answered)
    said = [rec.getMessage() for rec in caplog.records]
    assert sum("could not write 3 audit rows" in m for m in said) == 1, said  # once per outage, not per try
    assert sum("audit trail written again" in m for m in said) == 1, said


def test_rows_still_held_at_shutdown_are_kept_in_a_file_named_in_the_log(store, tmp_path, caplog):
    writer = Service(store).audit_writer
    writer.RETRY_FIRST_S, writer.SHUTDOWN_WAIT_S = 0.05, 0.3
    _trail_away(store, True)
    for n in range(2):
        writer.put(("ana", "api.infer", "model:heart-disease", {"request_id": f"kept-{n}"}))
    _until(lambda: writer.failing_since is not None)
    with caplog.at_level(logging.ERROR, logger="medapp.service"):
        writer.flush()
    [kept] = list(tmp_path.glob("audit-unwritten-*.jsonl"))
    rows = [json.loads(line) for line in kept.read_text().splitlines()]
    assert [r["detail"]["request_id"] for r in rows] == ["kept-0", "kept-1"]
    assert all(r["username"] == "ana" and r["action"] == "api.infer" and r["at"] for r in rows)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert any(str(kept) in rec.getMessage() and "2 audit rows" in rec.getMessage() for rec in caplog.records)
    assert writer.held == 0


def test_calls_are_refused_while_too_many_rows_wait(store):
    app = create_app(store)
    writer = app.state.service.audit_writer
    writer.RETRY_FIRST_S, writer.MAX_HELD, writer.SHUTDOWN_WAIT_S = 0.05, 2, 0.1
    with TestClient(app) as client:
        assert client.get("/v2/models").status_code == 401  # no token: refused as usual, and audited
        _trail_away(store, True)
        for n in range(2):
            writer.put(("ana", "api.infer", "model:heart-disease", {"request_id": f"wait-{n}"}))
        _until(lambda: writer.full)
        answer = client.get("/v2/models")
        assert answer.status_code == 503 and answer.json() == {"error": AUDIT_FULL}
        assert answer.headers["Retry-After"] == "30"
        _trail_away(store, False)
        _until(lambda: writer.held == 0)
        assert client.get("/v2/models").status_code == 401  # answered again once the rows are written
    assert sorted(r["detail"]["request_id"] for r in _api_rows(store)) == ["wait-0", "wait-1"]


def test_twenty_callers_at_once_through_an_outage_lose_no_row_and_write_none_twice(store):
    """Concurrency is normal use: 20 threads put rows while the database refuses them and after it takes them again."""
    from concurrent.futures import ThreadPoolExecutor

    writer = Service(store).audit_writer
    writer.RETRY_FIRST_S = 0.05
    _trail_away(store, True)

    def caller(n: int) -> None:
        for k in range(50):
            writer.put(("ana", "api.infer", "model:heart-disease", {"request_id": f"c{n}-{k}"}))
            if k == 25 and n == 0:
                _until(lambda: writer.failing_since is not None)
                _trail_away(store, False)  # back while the others are still putting

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(caller, range(20)))
    _until(lambda: writer.held == 0)
    ids = [r["detail"]["request_id"] for r in _api_rows(store)]
    assert len(ids) == 1000 and set(ids) == {f"c{n}-{k}" for n in range(20) for k in range(50)}


def test_a_call_refused_because_the_store_is_down_is_audited(store):
    """An IT review: with PostgreSQL stopped, calls answered 503 left no audit row (the token check failed before the
    call was recorded); the refusal is now a row, held and written once the database takes it."""
    from medapp.security.accounts import create_user
    from medapp.security.tokens import create_token
    from medapp.service.middleware import STORE_DOWN

    create_user(store, "ana", "clinician pw 123", "clinician")
    _, secret = create_token(store, {"username": "ana", "role": "admin"}, "ana")
    app = create_app(store)
    with TestClient(app) as client:
        with store.Session.begin() as s:  # the tokens out of reach: every check fails as with the database down
            s.execute(text("ALTER TABLE api_tokens RENAME TO api_tokens_away"))
        answer = client.get("/v2/models", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 503 and answer.json() == {"error": STORE_DOWN}
        assert answer.headers["Retry-After"] == "30"
        with store.Session.begin() as s:
            s.execute(text("ALTER TABLE api_tokens_away RENAME TO api_tokens"))
        _until(lambda: app.state.service.audit_writer.held == 0)
    [row] = [e for e in store.audit_events(action="api.models") if e["detail"]["status"] == 503]
    assert row["username"] == "api:anonymous" and row["detail"]["outcome"] == "unavailable"
    assert row["detail"]["request_id"] == answer.headers["X-Request-ID"]


def test_the_service_is_not_ready_while_the_disk_of_stored_inputs_is_nearly_full(store, monkeypatch):
    """An IT review: with the disk full every save answered 503 while /v2/health/ready answered 200."""
    import shutil
    from collections import namedtuple

    import medapp.service.app as service_app

    usage = namedtuple("usage", "total used free")
    real = shutil.disk_usage
    app = create_app(store)
    with TestClient(app) as client:
        assert client.get("/v2/health/ready").status_code == 200
        monkeypatch.setattr(service_app.shutil, "disk_usage", lambda path: usage(10 * 2**30, 10 * 2**30, 5 * 2**20))
        answer = client.get("/v2/health/ready")
        assert answer.status_code == 503 and answer.json() == {"ready": False}
        monkeypatch.setattr(service_app.shutil, "disk_usage", real)
        assert client.get("/v2/health/ready").status_code == 200
