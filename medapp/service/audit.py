"""The API's audit rows, written from a background thread, many per transaction."""
from __future__ import annotations

import logging
import os
import queue
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Service

log = logging.getLogger("medapp.service")


class AuditWriter:
    """Writes the API's audit rows from a background thread, many per transaction.

    A commit costs a disk flush (about 10 ms on SQLite here), ten times a record's whole analysis, so a
    call does not wait for its row: rows are written within milliseconds, in batches, and flushed at
    shutdown. The price: rows of calls answered in the last moments before a crash of the process can
    be lost. MEDAPP_API_AUDIT=sync writes each row before the answer instead.
    """

    def __init__(self, service: Service):
        self.service = service
        self.sync = os.environ.get("MEDAPP_API_AUDIT", "batched") == "sync"
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, row: tuple[str, str, str, dict]) -> None:
        if self.sync:
            self._write([row])
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="medapp-api-audit", daemon=True)
                self._thread.start()
        self._queue.put(row)

    def _run(self) -> None:
        while True:
            rows = [self._queue.get()]
            while len(rows) < 500:
                try:
                    rows.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write([r for r in rows if r is not None])
            for _ in rows:
                self._queue.task_done()

    def _write(self, rows: list[tuple[str, str, str, dict]]) -> None:
        if not rows:
            return
        try:
            store = self.service.store
            with store.Session.begin() as s:
                for who, action, target, detail in rows:
                    store.audit_in(s, who, action, target, **detail)
        except Exception:  # logged loudly; the calls themselves were answered
            log.exception("could not write %d audit rows of API calls", len(rows))

    def flush(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.join()
