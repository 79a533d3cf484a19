"""The audit trail, and every CSV the app offers, safe to open in a spreadsheet."""
from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    # The store keeps UTC without a zone; written out with it ("2026-12-03T18:40:12+00:00"), as the screen says UTC,
    # so a spreadsheet or SIEM in another zone does not read local time.
    if isinstance(value, datetime) and not pd.isna(value):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat(timespec="seconds")
    # A failed sign-in records whatever name was typed; a cell starting like a formula would be
    # executed by a spreadsheet (CSV injection), so such text is prefixed with an apostrophe.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def spreadsheet_csv(frame: pd.DataFrame, **to_csv) -> str:
    """`frame` as CSV with text that starts like a formula made inert: every CSV the app offers for download (a
    cohort's patient ids were written as typed, "=HYPERLINK(...)" included: a security review)."""
    return frame.map(_cell).to_csv(**{"index": False, **to_csv})


def audit_csv(frame: pd.DataFrame) -> str:
    return spreadsheet_csv(frame)


_BEFORE_AFTER = ("role", "active")  # user.update stores these as [before, after]


def detail_text(detail) -> str:
    """`{"old": "open", "new": "closed"}` as `old: open · new: closed` (nested values kept compact)."""
    if not isinstance(detail, dict) or not detail:
        return "" if not detail else str(detail)
    parts = []
    for key, value in detail.items():
        if key in _BEFORE_AFTER and isinstance(value, (list, tuple)) and len(value) == 2:
            # an account change [old, new]: "active: True, False" was easy to read backwards
            old, new = (("active" if v else "disabled") if isinstance(v, bool) else v for v in value)
            value = f"{old} → {new}"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items() if v not in ("any", None, [], ""))
        elif isinstance(value, (list, tuple)):
            value = ", ".join(map(str, value))
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return " · ".join(parts)
