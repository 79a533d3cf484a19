"""Turn one patient (a form) or a cohort (CSV/Excel) into the model's numeric rows, with messages.

Each value is checked against the field's hard valid range (outside: the row is rejected with a
specific message) and the range seen in training (outside: scored, with a warning). Categories
accept the model's code, the clinical label or a known alias ("1", "male", "yes" ...).
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...security import uploads
from ...types import InputError
from .schema import Field

MAX_COHORT_BYTES = uploads.upload_limit("records")
MAX_COHORT_ROWS = 200_000


@dataclass(frozen=True)
class Record:
    """One patient as the model sees it: values in field order (NaN = not measured) and warnings."""

    values: np.ndarray
    warnings: tuple[str, ...] = ()


@dataclass
class Cohort:
    """A validated table: rows that can be scored, and per-row errors for those that cannot."""

    rows: list[int] = field(default_factory=list)  # 1-based row numbers of the valid rows
    X: np.ndarray | None = None
    warnings: dict[int, list[str]] = field(default_factory=dict)
    errors: dict[int, list[str]] = field(default_factory=dict)
    file_warnings: list[str] = field(default_factory=list)
    ids: dict[int, str] = field(default_factory=dict)  # patient id column, when the file has one


def _fmt(v: float) -> str:
    return f"{v:g}"


def _range_text(f: Field) -> str:
    unit = f" {f.unit}" if f.unit and f.unit != "0-5" else ""
    return f"{_fmt(f.min)}-{_fmt(f.max)}{unit}"


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip() in ("", "?", "NA", "N/A", "na", "nan", "NaN")


def parse_value(f: Field, raw: Any) -> tuple[float, str | None]:
    """(code or number, error message or None). Blank means not measured (NaN)."""
    if _is_blank(raw):
        return math.nan, None
    if f.kind == "category":
        text = str(raw).strip().lower()
        for code, label in f.choices:
            if text == str(label).lower():
                return float(code), None
        for alias, code in f.aliases.items():
            if text == alias.lower():
                return float(code), None
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None and any(number == float(code) for code, _ in f.choices):
            return number, None
        options = ", ".join(str(label) for _, label in f.choices)
        return math.nan, f"{f.label}: '{raw}' is not one of {options}"
    try:
        number = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        return math.nan, f"{f.label}: '{raw}' is not a number"
    if not math.isfinite(number):
        return math.nan, f"{f.label}: '{raw}' is not a finite number"
    if f.zero_means_missing and number == 0:
        return math.nan, None
    if (f.min is not None and number < f.min) or (f.max is not None and number > f.max):
        return math.nan, f"{f.label}: {_fmt(number)} is outside the valid range {_range_text(f)}"
    return number, None


def soft_warnings(fields: tuple[Field, ...], values: np.ndarray, training_range: dict[str, list[float]]) -> list[str]:
    """Plain-language warnings for values the model rarely or never saw."""
    out = []
    missing = [f.label for f, v in zip(fields, values) if math.isnan(v)]
    if missing:
        shown = ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else "")
        out.append(f"{len(missing)} of {len(fields)} values not given ({shown}); the model treats them as not "
                   "measured and the estimate is less certain.")
    for f, v in zip(fields, values):
        lo_hi = training_range.get(f.name)
        if f.kind == "number" and lo_hi and not math.isnan(v) and not lo_hi[0] <= v <= lo_hi[1]:
            unit = f" {f.unit}" if f.unit else ""
            out.append(f"{f.label} {_fmt(v)}{unit} is beyond the values seen in training "
                       f"({_fmt(lo_hi[0])}-{_fmt(lo_hi[1])}); the estimate is less reliable.")
    return out


def record_from_mapping(fields: tuple[Field, ...], values: dict[str, Any],
                        training_range: dict[str, list[float]]) -> Record:
    """One patient from a form or a JSON object; raises InputError listing every bad value."""
    parsed, errors = [], []
    for f in fields:
        number, error = parse_value(f, values.get(f.name))
        parsed.append(number)
        if error:
            errors.append(error)
    if errors:
        raise InputError("; ".join(errors))
    arr = np.asarray(parsed, dtype=float)
    if np.isnan(arr).all():
        raise InputError("No values were entered: enter at least one measurement.")
    return Record(arr, tuple(soft_warnings(fields, arr, training_range)))


def read_table(data: bytes, name: str) -> pd.DataFrame:
    """CSV or Excel by content (xlsx is a ZIP, xls an OLE file), everything read as text."""
    kind = uploads.check(data, name, "records")
    try:
        if kind == "xlsx":
            df = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        else:
            text = data.decode("utf-8-sig", errors="replace")
            df = pd.read_csv(io.StringIO(text), dtype=str, sep=None, engine="python", skipinitialspace=True)
    except InputError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for malformed files
        raise InputError(f"{name} could not be read as a table: {exc}") from None
    if len(df) == 0:
        raise InputError(f"{name} has a header but no patient rows.")
    if len(df) > MAX_COHORT_ROWS:
        raise InputError(f"{name} has {len(df):,} rows; the limit is {MAX_COHORT_ROWS:,}.")
    return df


def _match_columns(df: pd.DataFrame, fields: tuple[Field, ...]) -> dict[str, str]:
    """Field name -> column in the file, matching names or clinical labels, ignoring case."""
    norm = {str(c).strip().lower(): c for c in df.columns}
    found = {}
    for f in fields:
        for candidate in (f.name.lower(), f.label.lower(), f"{f.label} ({f.unit})".lower()):
            if candidate in norm:
                found[f.name] = norm[candidate]
                break
    return found


ID_COLUMNS = ("patient_id", "id", "mrn", "case", "case_id", "patient")


def validate_table(df: pd.DataFrame, fields: tuple[Field, ...], training_range: dict[str, list[float]],
                   model_name: str) -> Cohort:
    columns = _match_columns(df, fields)
    missing = [f for f in fields if f.name not in columns]
    if len(missing) > len(fields) / 2:
        expected = ", ".join(f.name for f in fields)
        raise InputError(f"This table does not look like input for {model_name}: it lacks "
                         f"{len(missing)} of {len(fields)} columns. Expected columns: {expected}.")
    cohort = Cohort()
    if missing:
        cohort.file_warnings.append(
            "Missing columns: " + ", ".join(f"{f.name} ({f.label})" for f in missing)
            + ". These values are treated as not measured for every patient.")
    id_col = next((c for c in df.columns if str(c).strip().lower() in ID_COLUMNS), None)
    cols = [df[columns[f.name]].to_numpy() if f.name in columns else None for f in fields]
    X = np.full((len(df), len(fields)), np.nan)
    valid = np.ones(len(df), dtype=bool)
    for j, f in enumerate(fields):
        if cols[j] is None:
            continue
        for i, raw in enumerate(cols[j]):
            number, error = parse_value(f, raw)
            if error:
                valid[i] = False
                cohort.errors.setdefault(i + 1, []).append(error)
            X[i, j] = number
    for i in range(len(df)):
        if valid[i] and np.isnan(X[i]).all():
            valid[i] = False
            cohort.errors.setdefault(i + 1, []).append("no values in any model column")
    cohort.rows = [i + 1 for i in np.flatnonzero(valid)]
    cohort.X = X[valid]
    for row, values in zip(cohort.rows, cohort.X):
        w = soft_warnings(fields, values, training_range)
        if w:
            cohort.warnings[row] = w
    if id_col is not None:
        cohort.ids = {i + 1: str(v) for i, v in enumerate(df[id_col].to_numpy())}
    return cohort
