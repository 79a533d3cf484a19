"""Turn one patient (a form) or a cohort (CSV/Excel) into the model's numeric rows, with messages.

Each value is checked against the field's hard valid range (outside: the row is rejected with a
specific message) and the range seen in training (outside: scored, with a warning). Categories
accept the model's code, the clinical label or a known alias ("1", "male", "yes" ...).
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ...security import uploads
from ...security.workbooks import MAX_CELLS as WORKBOOK_CELLS
from ...security.workbooks import xlsx_rows
from ...types import InputError
from ..base import array_key
from . import cohort_checks
from .schema import Field, number_text, with_unit

log = logging.getLogger(__name__)

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
    # those of file_warnings that are about the file's columns, not any patient's values (a column not used, the
    # outcome): said once for the file, and not kept with a patient saved from it (a review found a survival
    # patient's case and report warned "Outcome columns time, cens are not used as inputs")
    file_notes: list[str] = field(default_factory=list)
    ids: dict[int, str] = field(default_factory=dict)  # patient id column, when the file has one

    def note(self, text: str) -> None:
        self.file_warnings.append(text)
        self.file_notes.append(text)


def _fmt(v: float) -> str:
    return f"{v:g}"


def _range_text(f: Field) -> str:
    """'10,000-1,000,000 /µL', '5-70%' ('10000-1e+06 /µL' and '5-70 %' until 2026-12-05)."""
    return with_unit(f"{number_text(f.min)}-{number_text(f.max)}", f)


def _quoted(names: list) -> str:
    """"'agee', 'sexx'", at most five of them."""
    return ", ".join(f"'{k}'" for k in names[:5]) + (" ..." if len(names) > 5 else "")


def _other_unit(f: Field, number: float, expected: tuple[float, float]) -> tuple[str, float] | None:
    """(unit, converted value) for the first other unit this value is reported in that puts `number` in `expected`
    (a range where patients' values lie); else None."""
    for unit, factor in f.other_units:
        converted = float(f"{number * factor:.3g}")  # three significant figures: 0.792, 126, 7,800
        if expected[0] <= converted <= expected[1]:
            return unit, converted
    return None


def unit_hint(f: Field, number: float, expected: tuple[float, float]) -> str:
    """' In µmol/L? 70 µmol/L is 0.792 mg/dL: enter that.' when `number`, read in one of the other units this value
    is reported in, lands in `expected`; else ''."""
    found = _other_unit(f, number, expected)
    if found is None:
        return ""
    unit, converted = found
    into = with_unit(number_text(converted), f)
    if unit == "a fraction":
        return f" A fraction? {_fmt(number)} as a fraction is {into}: enter that."
    return f" In {unit}? {_fmt(number)} {unit} is {into}: enter that."


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
        codes = ", ".join(f"{code:g}" if isinstance(code, float) else str(code) for code, _ in f.choices)
        # the codes too: an integrator sending numbers read only the labels (a review)
        return math.nan, f"{f.label}: '{raw}' is not one of {options} (or their codes {codes})"
    text = str(raw).strip() if isinstance(raw, str) else None
    if text is not None and _GROUPED.fullmatch(text):
        # "12,500" read as 12.5 (a browser review): a thousands separator and a decimal comma look alike here
        return math.nan, (f"{f.label}: '{raw}' is ambiguous (a thousands separator or a decimal comma?): write "
                          f"{text.replace(',', '')} or {text.replace(',', '.', 1)}")
    try:
        number = float(text.replace(",", ".")) if text is not None else float(raw)  # "1,5": a decimal comma
    except (TypeError, ValueError):
        return math.nan, f"{f.label}: '{raw}' is not a number"
    if not math.isfinite(number):
        return math.nan, f"{f.label}: '{raw}' is not a finite number"
    if f.zero_means_missing and number == 0:
        return math.nan, None
    if (f.min is not None and number < f.min) or (f.max is not None and number > f.max):
        shown = _fmt(number) if text is None or "," not in text else f"'{raw}' (read as {_fmt(number)})"
        reason = f" {f.range_reason}" if f.range_reason else ""
        return math.nan, (f"{f.label}: {shown} is outside the valid range {_range_text(f)}.{reason}"
                          + unit_hint(f, number, f.usual or (f.min, f.max))).rstrip(".")
    return number, None


# digits in groups of three after a comma: 12,500 or 1,234,567 (a decimal comma has other lengths: 1,5 or 7,25)
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+")


# How the case-record models (version 1.1) use a value that is not measured; other models say their own.
NOT_MEASURED_HANDLING = ("the model scores each as 'not measured' (a state it learnt from training patients with "
                         "values hidden, not a typical value)")


def soft_warnings(fields: tuple[Field, ...], values: np.ndarray, training_range: dict[str, list[float]],
                  missing_handling: str = "") -> list[str]:
    """Plain-language warnings for values the model rarely or never saw."""
    out = []
    missing = [f.label for f, v in zip(fields, values) if math.isnan(v)]
    if missing:
        shown = ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else "")
        # without a handling phrase (survival models say theirs in a note of their own) no stray "; and"
        how = f"; {missing_handling}, and" if missing_handling else ";"
        out.append(f"{len(missing)} of {len(fields)} values not measured ({shown}){how} the estimate is less "
                   "certain.")
    out.extend(q for q in (_value_query(f, v, training_range) for f, v in zip(fields, values)) if q)
    return out


def _value_query(f: Field, v: float, training_range: dict[str, list[float]]) -> str | None:
    """The warning for one number outside the usual range or the values seen in training, with the unit it may be
    in; None for a value the model saw often (or a category, or not measured)."""
    if f.kind != "number" or math.isnan(v):
        return None
    unit = f" {f.unit}" if f.unit else ""
    lo_hi = training_range.get(f.name)
    if f.usual is not None and not f.usual[0] <= v <= f.usual[1]:
        # inside the training range only because the training file has errors of this kind: a unit slip?
        lo, hi = f.usual
        return (f"{f.label} {_fmt(v)}{unit} is outside the usual range of patients' values ({_fmt(lo)}-"
                f"{_fmt(hi)}{unit}): check the value and its unit." + unit_hint(f, v, f.usual))
    if lo_hi and not lo_hi[0] <= v <= lo_hi[1]:
        return (f"{f.label} {_fmt(v)}{unit} is beyond the values seen in training "
                f"({_fmt(lo_hi[0])}-{_fmt(lo_hi[1])}); the estimate is less reliable." + unit_hint(f, v, tuple(lo_hi)))
    return None


def _unit_slip(f: Field, v: float, training_range: dict[str, list[float]]) -> str | None:
    """The other unit `v` reads as a patient's value in, when it is outside the field's usual (or training) range
    and fits it in that unit (tumour size 2.1 in cm); else None."""
    expected = f.usual or tuple(training_range.get(f.name) or ())
    if f.kind != "number" or math.isnan(v) or not expected or expected[0] <= v <= expected[1]:
        return None
    found = _other_unit(f, v, expected)
    return found[0] if found else None


def column_unit_warnings(fields: tuple[Field, ...], X: np.ndarray,
                         training_range: dict[str, list[float]]) -> list[tuple[int, str, str]]:
    """A column most of whose values read as another unit is said for the whole column: each such value got its
    own query, but a value that fits both units (a tumour of 3.5 cm read as 3.5 mm) was scored without a word (a
    review)."""
    out = []
    for j, f in enumerate(fields):
        given = X[~np.isnan(X[:, j]), j] if len(X) else X[:0, j]
        slips = [(v, _unit_slip(f, v, training_range)) for v in given]
        units = [u for _, u in slips if u]
        if len(units) < 2 or len(units) * 2 < len(given):
            continue
        unit = max(set(units), key=units.count)
        examples = ", ".join(_fmt(v) for v in [v for v, u in slips if u == unit][:5])
        out.append((j, unit, f"{f.label}: {len(units)} of {len(given)} values read as {unit}, not {f.unit} "
                            f"({examples}" + ("" if len(units) <= 5 else " ...") + "; the others fit either unit). "
                            f"Every value of the column was scored in {f.unit}: if the column is in {unit}, convert "
                            "all of it and upload the file again."))
    return out


def record_from_mapping(fields: tuple[Field, ...], values: dict[str, Any],
                        training_range: dict[str, list[float]], missing_handling: str = "",
                        handled_elsewhere: tuple[str, ...] = ()) -> Record:
    """One patient from a form or a JSON object; raises InputError listing every bad value. Names that are not
    fields are said (`handled_elsewhere`: names the caller says something about itself, e.g. outcomes)."""
    names = [f.name for f in fields]
    skip = {n.lower() for n in handled_elsewhere}
    if values and not any(name in values for name in names):
        # {"agee": 50} read "No values were entered"; the API named the unknown input, now the CLI does too
        outcomes = [str(k) for k in values if str(k).strip().lower() in skip]
        if outcomes and len(outcomes) == len(values):  # only what the model predicts: said so (an API review)
            raise InputError(f"Only {_quoted(outcomes)} {'was' if len(outcomes) == 1 else 'were'} given: "
                             f"{'it is' if len(outcomes) == 1 else 'they are'} what the model predicts, not an input. "
                             f"Its inputs are {', '.join(names)}")
        raise InputError(f"None of {_quoted(list(values))} is an input of this model; its inputs are "
                         f"{', '.join(names)}")
    unknown = [str(k) for k in values if k not in names and str(k).strip().lower() not in skip]
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
    warnings = soft_warnings(fields, arr, training_range, missing_handling)
    if unknown:  # {"age": 50, "sexx": "male"}: sex read "not measured" with no word of why
        warnings.insert(0, f"Not an input of this model, so not used: {_quoted(unknown)}.")
    return Record(arr, tuple(warnings))


def read_table(data: bytes, name: str) -> pd.DataFrame:
    """CSV or Excel by content (xlsx is a ZIP, xls an OLE file), everything read as text."""
    kind = uploads.check(data, name, "records")
    try:
        if kind == "xlsx":  # within the workbook limits (security/workbooks.py), stopped one row past MAX_COHORT_ROWS
            df = _sheet_frame(xlsx_rows(data, name, max_rows=MAX_COHORT_ROWS), name)
        else:
            df = _read_csv(data.decode("utf-8-sig", errors="replace"), name)
    except InputError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for malformed files
        # our own reader is inside this too: the error's type goes to the log (never the file's name), its traceback
        # at debug level, so a bug can be seen
        log.warning("a table could not be read (%s)", type(exc).__name__)  # one line per upload
        log.debug("the table's error", exc_info=True)
        raise InputError(f"{name} could not be read as a table: {exc}") from None
    if len(df) == 0 and not df.attrs.get("bad_rows"):
        raise InputError(f"{name} has a header but no patient rows.")
    return df  # both readers stop one row past MAX_COHORT_ROWS


def _sheet_frame(rows: list[list[str]], name: str) -> pd.DataFrame:
    """A sheet's rows as read_table's frame: the first row names the columns (an empty name "Unnamed: i", a repeated
    one "age.1", as pandas named them), short rows are padded, empty rows are left out as a CSV's blank lines are."""
    rows = [r for r in rows if any(v.strip() for v in r)]
    if not rows:
        raise InputError(f"{name} has no header row.")
    width = max(len(r) for r in rows)
    if len(rows) * width > WORKBOOK_CELLS:  # one long row would pad every short one (16,384 cells each)
        raise InputError(f"{name} is {len(rows):,} rows by {width:,} columns once its rows are made the same length, "
                         f"more than {WORKBOOK_CELLS:,} cells: a table of patients has one column per field.")
    header, seen = [], {}
    for i, h in enumerate(rows[0] + [""] * (width - len(rows[0]))):
        h = h.strip() or f"Unnamed: {i}"
        header.append(h if h not in seen else f"{h}.{seen[h]}")
        seen[h] = seen.get(h, 0) + 1
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=str).replace("", None)


def _too_many_rows(name: str) -> InputError:
    return InputError(f"{name} has more than {MAX_COHORT_ROWS:,} rows; the limit is {MAX_COHORT_ROWS:,} (send them "
                      "in parts).")


def _read_csv(text: str, name: str) -> pd.DataFrame:
    """A CSV read row by row, so that one ragged line (a stray comma, a pasted note) costs that row only.

    The frame's index is the 1-based data row number; rows whose number of values differs from the
    header's are left out and named, with their line in the file, in df.attrs["bad_rows"].
    """
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=first.count) if any(d in first for d in ",;\t|") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    try:
        header = next(reader, None)
        if not header:
            raise InputError(f"{name} has no header row.")
        header = [h.strip() for h in header]
        rows, index, bad = [], [], {}
        row = 0
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue  # blank line
            row += 1
            if row > MAX_COHORT_ROWS:
                raise _too_many_rows(name)
            if len(values) != len(header):
                bad[row] = (f"line {line} of the file has {len(values)} values where the header has "
                            f"{len(header)} columns (a separator inside a value? quote it); not scored")
                continue
            rows.append(values)
            index.append(row)
    except csv.Error as exc:
        raise InputError(f"{name} could not be read as a table: line {reader.line_num}: {exc}") from None
    if not rows and bad:
        raise InputError(f"{name}: no row has the header's {len(header)} columns: "
                         + "; ".join(list(bad.values())[:3]))
    df = pd.DataFrame(rows, columns=header, index=pd.Index(index, dtype=int), dtype=str)
    df.attrs["bad_rows"] = bad
    return df


def row_numbers(df: pd.DataFrame) -> list[int]:
    """1-based row number of each row of a table from read_table (a CSV's ragged rows are left out of it)."""
    return [int(i) for i in df.index] if df.attrs.get("bad_rows") is not None else list(range(1, len(df) + 1))


def row_positions(df: pd.DataFrame, rows: list[int]) -> np.ndarray:
    """Positions in df of the given 1-based row numbers (e.g. a Cohort's valid rows)."""
    where = {n: i for i, n in enumerate(row_numbers(df))}
    return np.array([where[r] for r in rows], dtype=int)


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


def _other_model_hint(df: pd.DataFrame, model_name: str) -> str:
    """" Its columns are those of Heart disease (heart-disease): choose that model." when another installed records or
    survival model takes most of the table's columns (a cohort dropped on the page's default model, a review)."""
    from ...registry import list_cards  # here, not at import: the registry lists every modality's cards
    from .schema import fields_from_card

    best, best_share = None, 0.5
    for card in list_cards():
        features = card.input.get("features") if isinstance(card.input, dict) else None
        if card.name == model_name or not features:
            continue
        share = len(_match_columns(df, fields_from_card(features))) / len(features)
        if share > best_share:
            best, best_share = card, share
    return f" Its columns are those of {best.name}, model id {best.id}: choose that model." if best else ""


def validate_table(df: pd.DataFrame, fields: tuple[Field, ...], training_range: dict[str, list[float]],
                   model_name: str, missing_handling: str = "", predicted: str | None = None,
                   reference: Mapping[str, Any] | None = None) -> Cohort:
    """The rows of a cohort table, each scored or refused; `predicted` is the column of the training file the model
    predicts (its label), said as such when a file carries it rather than as an unknown column; `reference` (the
    card's input) lets the cohort as a whole be checked against the training patients (cohort_checks.py)."""
    columns = _match_columns(df, fields)
    missing = [f for f in fields if f.name not in columns]
    if len(missing) > len(fields) / 2:
        expected = ", ".join(f.name for f in fields)
        raise InputError(f"This table does not look like input for {model_name}: it lacks "
                         f"{len(missing)} of {len(fields)} columns. Expected columns: {expected}."
                         + _other_model_hint(df, model_name))
    cohort = Cohort()
    numbers = row_numbers(df)
    for row, message in df.attrs.get("bad_rows", {}).items():
        cohort.errors[row] = [message]
    if missing:
        cohort.file_warnings.append(
            "Missing columns: " + ", ".join(f"{f.name} ({f.label})" for f in missing)
            + ". These values are treated as not measured for every patient.")
    id_col = next((c for c in df.columns if str(c).strip().lower() in ID_COLUMNS), None)
    # named, not dropped unsaid: "serum_creatinine (umol/L)" left creatinine not measured for every patient, and the
    # page named only the missing column (a review); a label column the model predicts is listed as well
    used = {*columns.values(), id_col}
    label = next((c for c in df.columns if predicted and str(c).strip().lower() == predicted.lower()), None)
    if label is not None:
        used.add(label)
        cohort.note(f"Column {label} is what the model predicts (the training file's label): not used as an input.")
    unused = [str(c) for c in df.columns if c not in used]
    if unused:
        cohort.note(f"Not input{'s' if len(unused) > 1 else ''} of this model, so not used: " + ", ".join(unused) + ".")
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
                cohort.errors.setdefault(numbers[i], []).append(error)
            X[i, j] = number
    for i in range(len(df)):
        if valid[i] and np.isnan(X[i]).all():
            valid[i] = False
            cohort.errors.setdefault(numbers[i], []).append("no values in any model column")
    cohort.rows = [numbers[i] for i in np.flatnonzero(valid)]
    cohort.X = X[valid]
    if reference:  # codes and units of whole columns, which no single value shows (cohort_checks.py)
        cohort_checks.check_cohort(cohort, fields, X, cols, numbers, reference)
    slips = column_unit_warnings(fields, cohort.X, training_range)
    cohort.file_warnings.extend(text for _, _, text in slips)
    for row, values in zip(cohort.rows, cohort.X):
        w = soft_warnings(fields, values, training_range, missing_handling)
        for j, unit, _ in slips:  # every row of a column read as another unit, not only the values outside its range
            f, v = fields[j], values[j]  # (a 10 cm tumour was scored as 10 mm without a word on its row: a re-check)
            if not math.isnan(v) and _value_query(f, v, training_range) is None:  # not queried already
                w.append(f"{f.label} {with_unit(_fmt(v), f)} may be in {unit}, as most of its column reads: scored "
                         f"as {with_unit(_fmt(v), f)}.")
        if w:
            cohort.warnings[row] = w
    if id_col is not None:
        cohort.ids = {numbers[i]: str(v) for i, v in enumerate(df[id_col].to_numpy())}
    cohort.errors = dict(sorted(cohort.errors.items()))
    return cohort


def records_in_file(data: bytes, name: str, record: Callable[[Any], Record],
                    cohort: Callable[[bytes, str], Cohort]) -> list[tuple[str, Record | InputError]]:
    """The patients in a file for the CLI: a JSON object or list of objects, else a CSV/Excel table.

    Each patient is `name` (one object), `name#i` (the i-th object) or `name#rowN` (table row N),
    with its Record or the InputError that says why it cannot be scored; rows keep the file's order.
    """
    # a .json file is JSON whatever it starts with ('not json{' was read as a table: "has a header but no patient rows")
    if data.lstrip()[:1] in (b"{", b"[") or name.lower().endswith(".json"):
        try:
            obj = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f": {exc.msg} (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise InputError(f"{name} is not valid JSON{where}") from None
        items = obj if isinstance(obj, list) else [obj]
        out: list[tuple[str, Record | InputError]] = []
        for i, item in enumerate(items, start=1):
            case = name if len(items) == 1 else f"{name}#{i}"
            try:
                out.append((case, record(item)))
            except InputError as exc:
                out.append((case, exc))
        return out
    return cohort_cases(cohort(data, name), name)


def cohort_cases(table: Cohort, name: str) -> list[tuple[str, Record | InputError]]:
    """Every row of a validated table in file order: (name#rowN, its Record), or (name#rowN, InputError)
    for a row that cannot be scored (file-wide warnings go with every row)."""
    records = {row: Record(x, tuple(table.file_warnings + table.warnings.get(row, [])))
               for row, x in zip(table.rows, table.X)}
    n_rows = max([*table.rows, *table.errors]) if (table.rows or table.errors) else 0
    return [(f"{name}#row{row}", records[row]) if row in records else
            (f"{name}#row{row}", InputError(f"row {row}: " + "; ".join(table.errors[row]), row=row))
            for row in range(1, n_rows + 1)]


def example_value(field: Field, typical: float) -> float:
    """A typical value as the field is recorded: the training median rounded to the field's step. The example patient
    read "Maximum heart rate achieved = 153.5 bpm" and "Serum sodium 138.5" (medians of an even count), which no
    record holds (a clinician's review)."""
    if field.kind != "number" or not field.step:
        return float(typical)
    decimals = max(0, -Decimal(str(field.step)).as_tuple().exponent)
    return round(round(float(typical) / field.step) * field.step, decimals)


def typical_record(fields: tuple[Field, ...], typical: dict[str, float]) -> Record:
    """The card's typical patient (the benchmark's, the warm-up's and the pages' example input)."""
    return Record(np.array([example_value(f, typical[f.name]) for f in fields], dtype=float))


class PatientInputs:
    """The input side the records and survival models share (a patient's fields from a form, JSON or a cohort)."""
    fields: tuple[Field, ...]
    card: Any  # the model's ModelCard

    @staticmethod
    def cohort_inputs(table: Cohort, name: str) -> list[tuple[str, Record | InputError]]:
        """Every row of a validated cohort in file order, as `analyse_batch` takes them."""
        return cohort_cases(table, name)

    def input_key(self, x: Record) -> str:
        # the input's warnings are part of the prediction and depend on how it arrived (an outcome column ignored,
        # a label matched), not only on its values: without them a cached result answered another request's warnings
        return array_key(x.values, "\x1f".join(x.warnings))

    def example_input(self) -> Record:
        return typical_record(self.fields, self.card.input["typical"])
