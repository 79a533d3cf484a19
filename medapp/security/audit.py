"""The audit trail as CSV, safe to open in a spreadsheet."""
from __future__ import annotations

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    # A failed sign-in records whatever name was typed; a cell starting like a formula would be
    # executed by a spreadsheet (CSV injection), so such text is prefixed with an apostrophe.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def audit_csv(frame: pd.DataFrame) -> str:
    return frame.map(_cell).to_csv(index=False)
