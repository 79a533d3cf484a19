"""The audit trail, and every CSV the app offers, safe to open in a spreadsheet."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import select

from ..db.tables import Case, SavedAnalysis

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


def _references(store, targets: pd.Series) -> tuple[dict[int, str], dict[int, str]]:
    """Case references by case id and by analysis id, for the ids the trail mentions."""
    case_ids = {int(m) for m in targets.str.extract(r"^case:(\d+)$")[0].dropna()}
    analysis_ids = {int(m) for m in targets.str.extract(r"^analysis:(\d+)$")[0].dropna()}
    with store.Session() as s:
        cases = dict(s.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all()) if case_ids else {}
        by_analysis = dict(s.execute(select(SavedAnalysis.id, Case.reference).join(Case)
                                     .where(SavedAnalysis.id.in_(analysis_ids))).all()) if analysis_ids else {}
    return cases, by_analysis


def readable_audit(frame: pd.DataFrame, store) -> pd.DataFrame:
    """The audit frame as people read it, on the Admin page and in `audit --format csv`: targets name the case
    reference ("analysis #5 (case MDT-3)", not `analysis:5`), and the detail is text without the case's database id
    when the target already names the case (the CSV said "case id: 1" beside every verdict)."""
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
        if ref is None:  # cases and analyses leave the database only by an administrator's erasure
            return f"{kind} #{n} (erased)"
        return f"case {ref}" if kind == "case" else f"analysis #{n} (case {ref})"

    def detail(raw, shown_target: str) -> str:
        if isinstance(raw, dict) and "case_id" in raw and "(case " in shown_target:
            raw = {k: v for k, v in raw.items() if k != "case_id"}
        return detail_text(raw)

    out = frame.copy()
    out["target"] = out["target"].astype(str).map(target)
    out["detail"] = [detail(raw, shown) for raw, shown in zip(frame["detail"], out["target"])]
    return out
