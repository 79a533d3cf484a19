"""The audit trail as the Admin page shows it (readable targets and details: medapp.security.audit.readable_audit)."""
from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd


def time_text(ts, empty: str = "—") -> str:
    """A stored time as the admin tables show it, "2026-12-03 12:03 UTC" (not "2026-12-03 12:44:38+00:00"); a
    time without a zone is UTC, as the database keeps it; no time reads `empty`."""
    if ts is None or (not isinstance(ts, str) and pd.isna(ts)):
        return empty
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    if isinstance(ts, pd.Timestamp):
        ts = ts.to_pydatetime()
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    return f"{ts:%Y-%m-%d %H:%M} UTC"


# How the audit table's columns read (the frame keeps its keys for the CSV export and for code)
AUDIT_COLUMNS = {"id": "#", "at": "time", "username": "user", "action": "action", "target": "about",
                 "detail": "detail"}


def shown_audit(frame: pd.DataFrame) -> pd.DataFrame:
    """The readable audit frame as the table shows it: times as "2026-12-03 12:03 UTC"."""
    out = frame.copy()
    out["at"] = [time_text(t) for t in out["at"]]
    return out
