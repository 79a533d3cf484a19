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
AUDIT_COLUMNS = {"id": "#", "at": "time", "username": "user", "what": "what happened", "action": "action",
                 "target": "about", "detail": "detail"}

# Each action in words, beside its code (the filter and the CSV keep the codes): the table showed only codes
# such as "analysis.run" and "logout.disabled" (a review)
ACTION_WORDS = {
    "login": "signed in", "login.failed": "sign-in failed", "login.locked": "sign-in refused: account locked",
    "login.unlock": "account unlocked", "logout": "signed out", "logout.disabled": "signed out: account disabled",
    "logout.revoked": "signed out: session revoked", "logout.timeout": "signed out: inactive too long",
    "session.resume": "session resumed after a reload", "session.expired": "session expired",
    "session.revoke": "sessions revoked", "user.create": "account created", "user.update": "account changed",
    "token.create": "API token created", "token.revoke": "API token revoked", "case.create": "case created",
    "case.view": "case opened", "case.status": "case status changed", "analysis.run": "analysed",
    "analysis.save": "analysis saved to a case", "verdict": "verdict recorded", "export": "case report exported",
    "export.csv": "results table exported", "export.dicom": "de-identified DICOM downloaded", "audit.export": "audit trail exported",
    "audit.verify": "saved analyses checked against the audit trail",
    "api.infer": "API: prediction", "api.explain": "API: prediction with explanation",
    "api.metadata": "API: model described", "api.ready": "API: model readiness", "api.models": "API: models listed",
    "cli.predict": "analysed from the command line", "cli.transcribe": "dictations transcribed from the command line",
    "pacs.analyse": "PACS images analysed", "pacs.send": "result sent to the PACS",
    "pacs.send_failed": "sending to the PACS failed", "pacs.search": "PACS searched", "pacs.endpoint_saved": "PACS endpoint saved",
    "pacs.endpoint_deleted": "PACS endpoint deleted", "blobs.collect": "unused stored inputs removed",
    "vocabulary_changed": "dictation vocabulary changed", "case.erase": "case erased", "title.erase": "case title erased",
    "analysis.erase": "analysis erased", "verdict.erase": "verdict erased",
    "meeting.lead": "began leading a meeting", "meeting.stop_lead": "stopped leading a meeting",
}


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action.replace("_", " ").replace(".", ": "))


def shown_audit(frame: pd.DataFrame) -> pd.DataFrame:
    """The readable audit frame as the table shows it: times as "2026-12-03 12:03 UTC", and each action in words
    before its code."""
    out = frame.copy()
    out["at"] = [time_text(t) for t in out["at"]]
    out.insert(list(out.columns).index("action"), "what", [action_words(a) for a in out["action"]])
    return out
