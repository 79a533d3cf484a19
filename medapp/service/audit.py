"""The API's audit rows, written from a background thread, many per transaction."""
from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..config import var_dir
from ..db.database import audit_event
from ..types import to_jsonable

if TYPE_CHECKING:
    from .app import Service

log = logging.getLogger("medapp.service")

Row = tuple[str, str, str, dict, datetime]  # who, action, target, detail, when the call was answered


class AuditWriter:
    """Writes the API's audit rows from a background thread, many per transaction.

    A commit costs a disk flush (about 10 ms on SQLite here), ten times a record's whole analysis, so a
    call does not wait for its row: rows are written within milliseconds, in batches, each stamped with the
    time its call was answered. A batch the database does not take (locked, unreachable) is held and tried again,
    every 0.5 s doubling to 30 s, never dropped (an IT review found the rows of calls answered during a 40-second
    lock gone, and the rows written later stamped with the time of writing). While `MAX_HELD` rows are held the
    service refuses new calls (503): it answers no more calls than it can account for. At shutdown it waits up
    to `SHUTDOWN_WAIT_S` for the database and then writes what is still held to var/audit-unwritten-*.jsonl,
    named in the log. The price of batching: rows of calls answered in the last moments before a crash of the
    process can be lost. MEDAPP_API_AUDIT=sync writes each row before the answer instead.
    """

    MAX_HELD = 10_000
    SHUTDOWN_WAIT_S = 10.0
    RETRY_FIRST_S, RETRY_MAX_S = 0.5, 30.0

    def __init__(self, service: Service):
        self.service = service
        self.sync = os.environ.get("MEDAPP_API_AUDIT", "batched") == "sync"
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # the thread's start, and `_held` between the writer and a shutdown
        self._held: list[Row] = []  # taken from the queue, not yet written
        self._pending = 0  # put and not yet written (in the queue, in `_held`, or between the two)
        self.failing_since: float | None = None  # monotonic time of the first write the database refused

    def put(self, row: tuple[str, str, str, dict]) -> None:
        stamped = (*row, datetime.now(UTC))
        if self.sync:
            if not self._write([stamped]):
                self._spill([stamped])
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="medapp-api-audit", daemon=True)
                self._thread.start()
        with self._lock:
            self._pending += 1
        self._queue.put(stamped)

    @property
    def held(self) -> int:
        """Rows answered and not yet in the database."""
        return self._pending

    @property
    def full(self) -> bool:
        """The database has refused rows long enough that `MAX_HELD` are waiting: new calls are refused."""
        return self.failing_since is not None and self.held >= self.MAX_HELD

    def _run(self) -> None:
        wait = self.RETRY_FIRST_S
        while True:
            if not self._held:
                first = self._queue.get()
                with self._lock:
                    self._held.append(first)
            with self._lock:
                while len(self._held) < 500:
                    try:
                        self._held.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                batch = list(self._held)
            if self._write(batch):
                with self._lock:
                    del self._held[:len(batch)]
                    self._pending = max(0, self._pending - len(batch))  # 0 already when a shutdown kept them
                if self.failing_since is not None:
                    log.warning("audit trail written again after %.0f s: the rows held meanwhile are in it",
                                time.monotonic() - self.failing_since)
                    self.failing_since = None
                wait = self.RETRY_FIRST_S
            else:
                time.sleep(wait)
                wait = min(wait * 2, self.RETRY_MAX_S)

    def _write(self, rows: list[Row]) -> bool:
        if not rows:
            return True
        try:
            store = self.service.store
            with store.Session.begin() as s:
                for who, action, target, detail, at in rows:
                    s.add(audit_event(who, action, target, detail, at))
            return True
        except Exception as exc:  # noqa: BLE001 - held and tried again; said once per outage, not per try
            if self.failing_since is None:
                self.failing_since = time.monotonic()
                log.error("could not write %d audit rows of API calls (%s: %s): held and tried again until the "
                          "database takes them", len(rows), type(exc).__name__, str(exc).splitlines()[0][:300])
            return False

    def flush(self) -> None:
        """At shutdown: wait for the rows to be written, up to SHUTDOWN_WAIT_S, then keep the rest in a file."""
        deadline = time.monotonic() + self.SHUTDOWN_WAIT_S
        while self.held and time.monotonic() < deadline and self._thread is not None and self._thread.is_alive():
            time.sleep(0.02)
        with self._lock:
            rest = list(self._held)
            self._held.clear()
            self._pending = 0
            while True:
                try:
                    rest.append(self._queue.get_nowait())
                except queue.Empty:
                    break
        if rest:
            self._spill(rest)

    def _spill(self, rows: list[Row]) -> None:
        """Rows the database would not take, kept beside it (owner-only) and named in the log."""
        path = var_dir() / f"audit-unwritten-{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}.jsonl"
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as f:
            for who, action, target, detail, at in rows:
                f.write(json.dumps({"at": at.isoformat(), "username": who, "action": action, "target": target,
                                    "detail": to_jsonable(detail or {})}) + "\n")
        log.error("%d audit rows of API calls could not be written to the database: kept in %s", len(rows), path)
