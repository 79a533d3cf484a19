"""Free what Streamlit keeps of browser sessions it dropped without shutting them down.

A closed tab's session is kept for `server.disconnectedSessionTTL` (120 s) in a TTL cache, so a reconnect can
resume it. When the entry expires (or the cache, 128 sessions, evicts it), Streamlit 1.5x-1.6x forgets the session
without calling its `shutdown()`, which is the only place its uploaded files are removed and its media files
released (streamlit/runtime/memory_session_storage.py builds its TTLCache without a removal callback). The files of
every closed tab then stayed in the server's memory: a soak review saw about 7 MB more per closed session, never
given back. `release_dropped_sessions()`, called once a minute at most from app.py, removes the uploaded files and
media references of every session Streamlit no longer knows (neither open nor kept for a reconnect).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 60.0
_last_sweep = [0.0]
_sweep_lock = threading.Lock()


def release(uploads, media, known: Iterable[str]) -> list[str]:
    """Remove the uploaded files and media references of sessions not in `known`; their ids.

    `uploads`: Streamlit's MemoryUploadedFileManager; `media`: its MediaFileManager."""
    known = set(known)
    dropped = sorted({sid for sid in list(getattr(uploads, "file_storage", {})) if sid not in known}
                     | {sid for sid in list(getattr(media, "_files_by_session_and_coord", {})) if sid not in known})
    for sid in dropped:
        uploads.remove_session_files(sid)
        media.clear_session_refs(sid)
    if dropped:
        media.remove_orphaned_files()
    return dropped


def release_dropped_sessions() -> int:
    """`release` over the running server's managers, once per SWEEP_EVERY_S; how many sessions were freed."""
    now = time.monotonic()
    with _sweep_lock:
        if now - _last_sweep[0] < SWEEP_EVERY_S:
            return 0
        _last_sweep[0] = now
    try:
        from streamlit.runtime import Runtime

        runtime = Runtime.instance()
        known = [info.session.id for info in runtime._session_mgr.list_sessions()]
        dropped = release(runtime._uploaded_file_mgr, runtime.media_file_mgr, known)
    except Exception:  # another Streamlit's internals, or the list changing under us: next minute
        log.debug("could not release dropped sessions", exc_info=True)
        return 0
    if dropped:
        log.info("released the uploads and media of %d browser session(s) Streamlit dropped", len(dropped))
    return len(dropped)
