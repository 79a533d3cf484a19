"""The audit trail as CSV, safe to open in a spreadsheet."""
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


def audit_csv(frame: pd.DataFrame) -> str:
    return frame.map(_cell).to_csv(index=False)
