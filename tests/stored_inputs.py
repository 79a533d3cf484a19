"""Stored inputs (blobs) made older in tests: an erasure keeps an input written in the last few seconds, since a save
of the same file may be about to commit its row (medapp/cases/erasure.py)."""
from __future__ import annotations

import os


def aged(store, seconds: float = 60.0):
    """Every stored input of `store` as if saved `seconds` ago; returns the store."""
    for path in store.blobs.root.glob("??/*"):
        past = path.stat().st_mtime - seconds
        os.utime(path, (past, past))
    return store
