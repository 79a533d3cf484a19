"""The audit trail as people read it: case references instead of `case:1`, details as short text."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import select

from ..db.tables import Case, SavedAnalysis
from ..security.audit import detail_text


def _references(store, targets: pd.Series) -> tuple[dict[int, str], dict[int, str]]:
    """Case references by case id and by analysis id, for the ids the trail mentions."""
    case_ids = {int(m) for m in targets.str.extract(r"^case:(\d+)$")[0].dropna()}
    analysis_ids = {int(m) for m in targets.str.extract(r"^analysis:(\d+)$")[0].dropna()}
    with store.Session() as s:
        cases = dict(s.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all()) if case_ids else {}
        by_analysis = dict(s.execute(select(SavedAnalysis.id, Case.reference).join(Case)
                                     .where(SavedAnalysis.id.in_(analysis_ids))).all()) if analysis_ids else {}
    return cases, by_analysis


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


def readable_audit(frame: pd.DataFrame, store) -> pd.DataFrame:
    """The audit frame with targets naming the case reference and the detail as text."""
    if frame.empty:
        frame["detail"] = frame["detail"].astype(str)
        return frame
    cases, by_analysis = _references(store, frame["target"].astype(str))

    def target(t: str) -> str:
        m = re.fullmatch(r"(case|analysis):(\d+)", t or "")
        if not m:
            return t
        kind, n = m.group(1), int(m.group(2))
        ref = cases.get(n) if kind == "case" else by_analysis.get(n)
        return (f"case {ref}" if kind == "case" else f"analysis #{n} (case {ref})") if ref else t

    out = frame.copy()
    out["target"] = out["target"].astype(str).map(target)
    out["detail"] = out["detail"].map(detail_text)
    return out
