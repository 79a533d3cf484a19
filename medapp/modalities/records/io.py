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
from ...security.workbooks import other_sheets_tops, xlsx_sheets
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


# What EHR and laboratory exports write for a value not measured, compared ignoring case (the gene-expression reader's
# set: "n/a", "-", "NULL", "." and "ND" were refused here as "not a number" while "NA" was read as not measured).
MISSING_MARKERS = frozenset({"", "?", "na", "n/a", "nan", "null", "none", "-", "--", ".", "nd"})


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and raw.strip().lower() in MISSING_MARKERS


# How a file writes its numbers, decided once for the whole file (number_style) and used for every cell of it:
# "european": a comma is the decimal mark and a dot groups thousands ("1.144" is 1144, "263.358,03" 263358.03);
# "point": a point is the decimal mark and a comma groups thousands ("12,500" is 12500);
# "mixed": the file shows both marks, so a number that reads either way ("1.144", "12,500") is refused;
# None (a form, JSON, an Excel cell, a file whose cells settle nothing): a point or a lone comma is a decimal mark,
# and a comma before groups of three is refused. A ";"-separated file with decimal commas read "1.144" as 1.144
# days and receptor values 1000 times too small (a data engineer's review); reading each cell on its own cannot
# tell "1.144" from 1.144.
EUROPEAN, POINT, MIXED = "european", "point", "mixed"
_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(,\d{3})+")  # 12,500 or 1,234,567 (a decimal comma: 1,5 or 7,25)
_DOT_GROUPS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_COMMA_DECIMAL = re.compile(r"[+-]?\d*,\d+")
_POINT_DECIMAL = re.compile(r"[+-]?\d*\.\d+")
_EUROPEAN_FULL = re.compile(r"[+-]?\d{1,3}(\.\d{3})+,\d+")  # 263.358,03
_POINT_FULL = re.compile(r"[+-]?\d{1,3}(,\d{3})+\.\d+")  # 263,358.03


def _mark_shown(text: str) -> str | None:
    """EUROPEAN or POINT when this cell can only be written that way ("0,627", "33,6", "1.234.567"; "1.5",
    "1,234,567"), else None ("1.144" and "12,500" read either way; "63" and "male" show nothing)."""
    if _EUROPEAN_FULL.fullmatch(text):
        return EUROPEAN
    if _POINT_FULL.fullmatch(text):
        return POINT
    for groups, decimal, mark, other in ((_COMMA_GROUPS, _COMMA_DECIMAL, ",", POINT),
                                         (_DOT_GROUPS, _POINT_DECIMAL, ".", EUROPEAN)):
        if groups.fullmatch(text):
            leading = text.lstrip("+-").split(mark, 1)[0]
            if text.count(mark) > 1:  # 1,234,567: only thousands
                return other
            if leading == "0":  # 0,627: a group of thousands never starts with 0
                return POINT if other == EUROPEAN else EUROPEAN
            return None
        if decimal.fullmatch(text):
            return POINT if other == EUROPEAN else EUROPEAN
    return None


def number_style(cells: Any, delimiter: str | None = None) -> tuple[str | None, str]:
    """(the file's number style, a note for the file or ""), from its column separator and the cells that can only
    be written one way. A ";"-separated file is a European export unless its cells say otherwise."""
    shown: dict[str, str] = {}
    for text in pd.unique(pd.Series(np.asarray(cells, dtype=object).ravel()).dropna()):
        text = str(text).strip()
        if ("," in text or "." in text) and (mark := _mark_shown(text)) and mark not in shown:
            shown[mark] = text
            if len(shown) == 2:
                break
    semicolons = delimiter == ";"
    if EUROPEAN in shown and POINT not in shown or semicolons and not shown:
        example = f" ('{shown[EUROPEAN]}')" if EUROPEAN in shown else ""
        return EUROPEAN, ("Numbers were read the European way" + (" (the file is separated by semicolons)"
                                                                  if semicolons else "")
                          + f": a comma is the decimal mark{example} and a dot groups thousands (1.144 is 1144).")
    if POINT in shown and EUROPEAN not in shown and not semicolons:
        return POINT, ""
    if POINT in shown and EUROPEAN in shown:
        why = f"writes decimals both with a comma ('{shown[EUROPEAN]}') and with a point ('{shown[POINT]}')"
    elif POINT in shown:  # a ";" file with decimal points
        why = f"is separated by semicolons, as European exports are, but writes decimals with a point ('{shown[POINT]}')"
    else:
        return None, ""
    return MIXED, (f"This file {why}: a number that reads either way, such as 1.144 (1144 or 1.144), is refused "
                   "on its row. Write every number of the file one way, without thousands separators.")


def read_number(text: str, style: str | None = None) -> float | str:
    """A number written as text, read in the file's number style (number_style), or why it cannot be read."""
    body = text.replace(" ", "").replace("\u00a0", "")  # 263 358,03: a space groups thousands in some exports
    # most cells: a point is a decimal point; but "1.144" in a file whose cells never show which mark it uses (whole
    # numbers, a tab or UTF-16 export) was read as 1.144 where it was 1144 (an EHR re-check): refused below
    dotted = style is None and _DOT_GROUPS.fullmatch(body) is not None
    if "," not in body and ("." not in body or style == POINT or (style is None and not dotted)):
        try:
            return float(body)
        except ValueError:
            return f"'{text}' is not a number"
    mark = _mark_shown(body)
    if mark is None and (_COMMA_GROUPS.fullmatch(body) or _DOT_GROUPS.fullmatch(body)):
        either = f"{body.replace(',', '').replace('.', '')} or {body.replace(',', '.')}"
        if style == MIXED:
            return f"'{text}' could be {either}, as this file writes decimals both ways: write it without a " \
                   "thousands separator"
        if style in (EUROPEAN, POINT):
            mark = style
        elif "," in body:  # "12,500" read as 12.5 (a browser review): nothing said which it is
            return f"'{text}' is ambiguous (a thousands separator or a decimal comma?): write {either}"
        else:  # "1.144" where nothing in the file says whether a point is a decimal point
            return f"'{text}' is ambiguous (a decimal point or a thousands separator?): write {either}"
    if mark == EUROPEAN:
        body = body.replace(".", "").replace(",", ".")
    elif mark == POINT:
        body = body.replace(",", "")
    try:
        return float(body)
    except ValueError:
        return f"'{text}' is not a number"


def number_in(raw: Any, style: str | None = None) -> float:
    """A cell as a number in the file's style, NaN when blank or not a number (an outcome column's time and event)."""
    if _is_blank(raw):
        return math.nan
    read = read_number(str(raw).strip(), style)
    return read if isinstance(read, float) else math.nan


def _read_as_written(text: str, number: float) -> bool:
    try:
        return float(text) == number
    except ValueError:
        return False


# Spellings EHR exports use for a two-way category, only where the category's own labels make their meaning certain
# (sex female/male: M/F; a no/yes field: Y/N, TRUE/FALSE and Excel's booleans); they were refused as "not one of".
_SAFE_SPELLINGS = {
    frozenset({"female", "male"}): {"f": "female", "m": "male"},
    frozenset({"no", "yes"}): {"n": "no", "y": "yes", "false": "no", "true": "yes"},
}


def parse_value(f: Field, raw: Any, style: str | None = None) -> tuple[float, str | None]:
    """(code or number, error message or None). Blank means not measured (NaN). `style` is the file's way of writing
    numbers (number_style), for a cell of a file."""
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
        read = read_number(text, style)  # "1,0" in a file with decimal commas is the code 1
        number = read if isinstance(read, float) else None
        if number is not None and any(number == float(code) for code, _ in f.choices):
            return number, None
        labels = {str(label).lower(): code for code, label in f.choices}
        spelt = _SAFE_SPELLINGS.get(frozenset(labels), {}).get(text)
        if spelt is not None:
            return float(labels[spelt]), None
        options = ", ".join(str(label) for _, label in f.choices)
        codes = ", ".join(f"{code:g}" if isinstance(code, float) else str(code) for code, _ in f.choices)
        # ISO 5218 (and many registries) write male 1, female 2: a 2 is not guessed, since its 1s are this model's
        # male too and only the 2s say which coding the file has (a blind review)
        iso = "; ISO 5218 writes female as 2: write female or 0" if frozenset(labels) == {"female", "male"} \
            and number == 2 else ""
        # the codes too: an integrator sending numbers read only the labels (a review)
        return math.nan, f"{f.label}: '{raw}' is not one of {options} (or their codes {codes}){iso}"
    text = str(raw).strip() if isinstance(raw, str) else None
    if text is not None:
        read = read_number(text, style)
        if isinstance(read, str):
            # a dipstick's "++" or "trace" in a graded field: say the grade the model takes (a blind review)
            grade = f" (give the grade, {f.unit})" if re.fullmatch(r"\d+-\d+", f.unit or "") else ""
            return math.nan, f"{f.label}: {read}{grade}"
        number = read
    else:
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return math.nan, f"{f.label}: '{raw}' is not a number"
    if not math.isfinite(number):
        return math.nan, f"{f.label}: '{raw}' is not a finite number"
    if f.zero_means_missing and number == 0:
        return math.nan, None
    if (f.min is not None and number < f.min) or (f.max is not None and number > f.max):
        shown = _fmt(number) if text is None or _read_as_written(text, number) else f"'{raw}' (read as {_fmt(number)})"
        reason = f" {f.range_reason}" if f.range_reason else ""
        return math.nan, (f"{f.label}: {shown} is outside the valid range {_range_text(f)}.{reason}"
                          + unit_hint(f, number, f.usual or (f.min, f.max))).rstrip(".")
    return number, None


# A laboratory's reporting limit: "<0.5" (below what it measures), ">7000" (above its range); Excel exports write
# them as text. They were refused ("'<0.5' is not a number"), which dropped the patient.
_PLAIN_NUMBER = re.compile(r"[+-]?[\d.,\s]*")
_LIMIT = re.compile(r"(<=?|>=?|\u2264|\u2265)\s*(\S.*)")
# A laboratory's abnormal flag after a value ("1.9 H", "128 L", "5.6*"): the value is read, the flag is its own
# reading of the range, which the model's checks say again in their own words
_ABNORMAL_FLAGS = frozenset({"H", "L", "HH", "LL", "HI", "LO", "*", "**", "!", "(H)", "(L)", "[H]", "[L]", "\u2191", "\u2193", "A"})
# A number with its unit in the cell ("35%", "1.1 mg/dL", "65 years"): the tail starts with neither a digit nor a sign
_WITH_UNIT = re.compile(r"(.*?\d)\s*([^\d\s.,+\-].*)")


def _cell_unit(f: Field, body: str) -> tuple[str, str | None, tuple[str, float] | None]:
    """(the number without its unit, why the unit refuses it, (unit, factor) to convert by): a cell's own unit is
    stripped when it is the field's (or its equivalent, as a column name's bracket is read), and converted when it is
    one the field is reported in with a known factor (µmol/L creatinine); another unit is refused. A tail that is no
    unit ("12 apples", "1e3") is left for parse_value to read or refuse."""
    m = _WITH_UNIT.fullmatch(body)
    if m is not None and m[2].strip().upper() in _ABNORMAL_FLAGS:  # "1.9 H": the laboratory's flag, not a unit
        return m[1], None, None
    # a unit has a letter or "%" ("12/10", a date, is no number with a unit: "not a number", as before)
    if m is None or not f.unit or re.fullmatch(r"\d+-\d+", f.unit) or not re.search(r"[^\W\d_]|%", m[2]):
        return body, None, None
    unit = m[2].strip()
    if len(words := unit.rsplit(None, 1)) == 2 and words[1].upper() in _ABNORMAL_FLAGS:  # "1.3 mg/dL H"
        unit = words[0]
    key = _unit_key(unit)
    if key != _unit_key(f.unit) and not _looks_like_unit(key, f):
        return body, None, None
    if key == _unit_key(f.unit) or _same_unit(unit, f):
        return m[1], None, None
    factor = other_unit_factor(f, unit)
    if factor is not None:
        return m[1], None, (unit, factor)
    return body, f"is in {unit}, but this model takes {f.label} in {f.unit}, and {unit} is not a unit it converts", None


def other_unit_factor(f: Field, unit: str) -> float | None:
    """The factor that takes a value in `unit` to the field's unit, when the card names `unit` among those the value
    is reported in (µmol/L creatinine: 0.01131); None otherwise."""
    return next((factor for other, factor in f.other_units if _unit_key(other) == _unit_key(unit)), None)


def parse_cell(f: Field, raw: Any, style: str | None = None,
               column_unit: tuple[str, float] | None = None) -> tuple[float, str | None, str | None]:
    """parse_value, and for a number field: its unit in the cell ("35%", "1.1 mg/dL") read when it is the field's,
    converted when the card gives its factor ("97 µmol/L" creatinine) and refused otherwise; a laboratory's reporting
    limit ("<0.5") read as the limit itself. `column_unit`: the (unit, factor) the column's name gives, for cells that
    name none (its conversion is said once, for the file). (value, error, what the row is told). All were refused as
    "not a number", and units in a column's name were refused for the whole file (a blind review of exports)."""
    if f.kind != "number" or _is_blank(raw):
        return (*parse_value(f, raw, style), None)
    if not isinstance(raw, str):  # a number from a workbook cell
        if column_unit is None:
            return (*parse_value(f, raw, style), None)
        return _converted(f, float(raw), str(raw), column_unit, None, say=False)
    text = raw.strip()
    if column_unit is None and _PLAIN_NUMBER.fullmatch(text):  # most cells: nothing to look for (a hot path)
        return (*parse_value(f, raw, style), None)
    if (pair := _PRESSURE_PAIR.fullmatch(text)) and "blood pressure" in f.label.lower():
        return _one_of_the_pair(f, text, pair)
    limit = _LIMIT.fullmatch(text)
    written = limit.group(2) if limit else text
    body, unit_error, convert = _cell_unit(f, written)
    if unit_error:
        return math.nan, f"{f.label}: '{text}' {unit_error}", None
    say = convert is not None
    convert = convert or column_unit
    if convert is not None:
        read = read_number(body, style)
        if isinstance(read, str):
            return math.nan, f"{f.label}: {read}", None
        return _converted(f, read, text, convert, limit, say=say)
    if limit is None and body == text:
        return (*parse_value(f, raw, style), None)
    number, error = parse_value(f, body, style)
    if error:  # said as written: "'<0.5x' is not a number", "0.01 is outside ... (written <0.01)"
        quoted = f"'{body}'"
        return number, error.replace(quoted, f"'{text}'") if quoted in error else f"{error} (written {text})", None
    if limit is None or math.isnan(number):  # a unit alone; "<0" in a field where 0 means not recorded
        return number, None, None
    return number, None, _limit_note(f, text, limit, number)


# A blood pressure as written at the bedside, "120/80" (with or without mmHg): refused as "is in /80" (a blind review)
_PRESSURE_PAIR = re.compile(r"(\d{2,3})\s*/\s*(\d{2,3})(?:\s*mm\s*hg)?", re.I)


def _one_of_the_pair(f: Field, text: str, pair: re.Match) -> tuple[float, str | None, str | None]:
    """The systolic (first) or diastolic (second) pressure of "120/80", as the field takes, and said on the row."""
    diastolic = f.label.lower().startswith("diastolic")
    number, error = parse_value(f, float(pair[2] if diastolic else pair[1]))
    if error:
        return number, f"{error} (written {text})", None
    which = "diastolic (the second)" if diastolic else "systolic (the first)"
    return number, None, f"{f.label} {text}: the {which} pressure was read, {with_unit(_fmt(number), f)}."


def _converted(f: Field, number: float, text: str, convert: tuple[str, float], limit: re.Match | None,
               say: bool) -> tuple[float, str | None, str | None]:
    """A value given in another unit the card knows, in the field's unit, range-checked there."""
    unit, factor = convert
    value, error = parse_value(f, float(f"{number * factor:.6g}"))
    if error:
        written = text if unit.lower() in text.lower() else f"{text} in {unit}"  # a cell's own "1.4 mV" said once
        return value, f"{error} (written {written}, times {factor:.4g})", None
    shown = number_text(float(f"{value:.3g}"))  # 1.1, not 1.09704
    notes = [f"{f.label} {text} was read in {unit} and converted: {with_unit(shown, f)}."] if say else []
    if limit is not None and not math.isnan(value):
        notes.append(_limit_note(f, text, limit, value))
    return value, None, " ".join(notes) or None


def _limit_note(f: Field, text: str, limit: re.Match, number: float) -> str:
    side = "below" if limit.group(1) in ("<", "<=", "\u2264") else "above"
    return (f"{f.label} {text} is a reporting limit, not a measured value (the value is {side} it): scored as "
            f"{with_unit(_fmt(number), f)}.")


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
    parsed, errors, limits = [], [], []
    for f in fields:
        number, error, limit = parse_cell(f, values.get(f.name))
        parsed.append(number)
        if error:
            errors.append(error)
        if limit:
            limits.append(limit)
    if errors:
        raise InputError("; ".join(errors))
    arr = np.asarray(parsed, dtype=float)
    if np.isnan(arr).all():
        raise InputError("No values were entered: enter at least one measurement.")
    warnings = [*limits, *soft_warnings(fields, arr, training_range, missing_handling)]
    if unknown:  # {"age": 50, "sexx": "male"}: sex read "not measured" with no word of why
        warnings.insert(0, f"Not an input of this model, so not used: {_quoted(unknown)}.")
    return Record(arr, tuple(warnings))


def read_table(data: bytes, name: str, fields: tuple[Field, ...] = ()) -> pd.DataFrame:
    """CSV or Excel by content (xlsx is a ZIP, xls an OLE file), everything read as text. With the model's `fields`,
    the header is looked for in the first rows (under a title) and, in a workbook, on the first sheet that has it.
    df.attrs: "number_style" (number_style), "notes" (what the file was read as, said once for the file)."""
    kind = uploads.check(data, name, "records")
    try:
        if kind == "xlsx":  # within the workbook limits (security/workbooks.py), stopped one row past MAX_COHORT_ROWS
            df = _workbook_frame(data, name, fields)
        else:
            df = _read_csv(_decode(data), name, fields)
    except InputError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for malformed files
        # our own reader is inside this too: the error's type goes to the log (never the file's name), its traceback
        # at debug level, so a bug can be seen
        log.warning("a table could not be read (%s)", type(exc).__name__)  # one line per upload
        log.debug("the table's error", exc_info=True)
        raise InputError(f"{name} could not be read as a table: {exc}") from None
    df = _units_row(df, fields)
    if len(df) == 0 and not df.attrs.get("bad_rows"):
        raise InputError(f"{name} has a header but no patient rows.")
    return df  # both readers stop one row past MAX_COHORT_ROWS


def _units_row(df: pd.DataFrame, fields: tuple[Field, ...]) -> pd.DataFrame:
    """A row of units right under the column names (years, %, mg/dL: laboratory and EHR exports write one) taken as
    the columns' units: each goes in its column's name as a bracket ("serum_creatinine (mg/dL)"), where the unit
    check of a bracket then applies, and the row is no patient. It was scored as one: "row 1: Age: 'years' is not a
    number; ..." and, worse, a column in another unit than the model's was read as the model's. Taken only when
    every model column's cell in it is text that is not a number and at least half of them are units; the patients
    keep their row numbers under the column names (the first is row 2)."""
    if not fields or len(df) == 0:
        return df
    columns = [str(c) for c in df.columns]
    by_name = {f.name: f for f in fields}
    first = df.iloc[0].tolist()
    cells = {pos: (by_name[name], str(first[pos]).strip()) for name, hits in _field_columns(columns, fields).items()
             for pos, _ in hits if not _is_blank(first[pos])}
    if not cells or any(isinstance(read_number(text), float) for _, text in cells.values()):
        return df
    units = sum(_looks_like_unit(_unit_key(text), f) or _unit_key(text) == _unit_key(f.unit) for f, text in cells.values())
    if units < max(1, len(cells) / 2):
        return df
    attrs = dict(df.attrs)
    numbers = row_numbers(df)
    header = [c if _is_blank(u) or _TRAILING_UNIT.fullmatch(c) else f"{c} ({str(u).strip()})"
              for c, u in zip(columns, first)]
    out = df.iloc[1:].copy()
    out.columns, out.index = header, pd.Index(numbers[1:], dtype=int)
    out.attrs = {**attrs, "bad_rows": attrs.get("bad_rows") or {}}  # row_numbers reads the index from now on
    given = ", ".join(f"{c} {str(u).strip()}" for c, u in zip(columns, first) if not _is_blank(u))
    out.attrs["notes"] = [*attrs.get("notes", ()), f"Row {numbers[0]} under the column names gives their units "
                          f"({given}): read as the columns' units, not as a patient."]
    return out


def _decode(data: bytes) -> str:
    """The file's text: UTF-16 by its byte-order mark (Excel's "Unicode text" export was decoded as UTF-8 and read as
    no column at all), UTF-8, else the Western code page (a header "(µmol/L)" read "(�mol/L)")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


HEADER_ROWS = 10  # the rows a header is looked for in: a title, a date, a merged group row above the column names


def _header_at(rows: list[list[str]], fields: tuple[Field, ...]) -> int:
    """Index of the first of the first rows that names more than half of the model's fields (0 when none does, and
    the file is refused for its columns as before)."""
    if not fields:
        return 0
    for i, row in enumerate(rows[:HEADER_ROWS]):
        if len(_field_columns([str(h) for h in row], fields)) > len(fields) / 2:
            return i
    return 0


def _header_note(index: int, skipped: list[list[str]]) -> str:
    above = next((v.strip() for r in skipped for v in r if v.strip()), "")
    rows = "row 1" if index == 1 else f"rows 1-{index}"
    return (f"The column names were read from row {index + 1}: {rows} above them"
            + (f" ('{above[:60]}')" if above else "") + f" {'was' if index == 1 else 'were'} taken for a title.")


def _names_fields(rows: list[list[str]], fields: tuple[Field, ...]) -> bool:
    """Whether one of these first rows of a sheet names more than half of the model's fields."""
    rows = [r for r in rows if any(v.strip() for v in r)]
    return bool(rows) and len(_field_columns(rows[_header_at(rows, fields)], fields)) > len(fields) / 2


def _workbook_frame(data: bytes, name: str, fields: tuple[Field, ...]) -> pd.DataFrame:
    """The first sheet whose header names the model's columns (the first sheet when none does), said when it is not
    the first: a workbook whose first sheet was "Info" was refused as lacking every column."""
    seen = []
    first = None
    for title, rows, formulas in xlsx_sheets(data, name, max_rows=MAX_COHORT_ROWS):
        rows = [r for r in rows if any(v.strip() for v in r)]
        at = _header_at(rows, fields)
        fits = bool(fields) and _names_fields(rows, fields)
        if first is None:
            first = (title, rows, formulas, at)
        seen.append(title)
        if fits or not fields:
            chosen = (title, rows, formulas, at)
            break
    else:
        if first is None:
            raise InputError(f"{name} has no sheet.")
        chosen = first
    title, rows, formulas, at = chosen
    if formulas:
        raise InputError(formulas)
    df = _sheet_frame(rows[at:], name)
    notes = []
    if len(seen) > 1 and title == seen[-1] and chosen is not first:
        before = ", ".join(f"'{t}'" for t in seen[:-1])
        notes.append(f"Sheet '{title}' was read: " + (f"sheet {before}, before it, does" if len(seen) == 2 else
                                                       f"sheets {before}, before it, do") + " not name this model's columns.")
    if at:
        notes.append(_header_note(at, rows[:at]))
    # numbers as text cells show them: a text cell "1.144" in a sheet of whole numbers is refused as ambiguous, as in
    # a CSV (a re-check: it was read as 1.144 where the export meant 1144)
    style, note = number_style(df.to_numpy())
    df.attrs["number_style"] = style
    df.attrs["notes"] = notes + ([note] if note else [])
    others = [t for t, top in other_sheets_tops(data, name, title, HEADER_ROWS) if fields and _names_fields(top, fields)]
    if others:  # sheets that name this model's columns too: patients left out
        listed = ", ".join(f"'{t}'" for t in others)
        df.attrs["warnings"] = [f"Only sheet '{title}' of {name} was read; sheet{'s' if len(others) > 1 else ''} "
                                f"{listed} also name{'' if len(others) > 1 else 's'} this model's columns and "
                                f"{'were' if len(others) > 1 else 'was'} not read. Put every patient on one sheet, or "
                                "upload each sheet as a file of its own."]
    return df


def _sheet_frame(rows: list[list[str]], name: str) -> pd.DataFrame:
    """A sheet's rows as read_table's frame: the first row names the columns (an empty name "Unnamed: i"; a repeated
    name is kept, and refused by validate_table if the model reads it), short rows are padded, empty rows are left
    out as a CSV's blank lines are."""
    rows = [r for r in rows if any(v.strip() for v in r)]
    if not rows:
        raise InputError(f"{name} has no header row.")
    width = max(len(r) for r in rows)
    if len(rows) * width > WORKBOOK_CELLS:  # one long row would pad every short one (16,384 cells each)
        raise InputError(f"{name} is {len(rows):,} rows by {width:,} columns once its rows are made the same length, "
                         f"more than {WORKBOOK_CELLS:,} cells: a table of patients has one column per field.")
    header = [h.strip() or f"Unnamed: {i}" for i, h in enumerate(rows[0] + [""] * (width - len(rows[0])))]
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=str).replace("", None)


def _too_many_rows(name: str) -> InputError:
    return InputError(f"{name} has more than {MAX_COHORT_ROWS:,} rows; the limit is {MAX_COHORT_ROWS:,} (send them "
                      "in parts).")


def _delimiter(text: str) -> str:
    """The column separator: the one the first lines hold most often alike (the first line alone was a title's)."""
    lines = [line for line in text.split("\n", HEADER_ROWS + 1)[:HEADER_ROWS + 1] if line.strip()]
    best, score = ",", 0
    for d in ",;\t|":
        counts = sorted(line.count(d) for line in lines)
        typical = counts[(len(counts) - 1) // 2] if counts else 0  # the median line's (the lower: "1,0;4,0")
        if typical > score:
            best, score = d, typical
    if score == 0 and lines:  # one line, or nothing repeated: the first line's, as before
        first = lines[0]
        best = max(",;\t|", key=first.count) if any(d in first for d in ",;\t|") else ","
    return best


def _read_csv(text: str, name: str, fields: tuple[Field, ...] = ()) -> pd.DataFrame:
    """A CSV read row by row, so that one ragged line (a stray comma, a pasted note) costs that row only.

    The frame's index is the 1-based data row number; rows whose number of values differs from the
    header's are left out and named, with their line in the file, in df.attrs["bad_rows"]. The header is the first
    line, or with `fields` the first of the first lines that names most of them (a title above it is skipped).
    """
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    try:
        top, lines = [], []
        for values in reader:
            if any(v.strip() for v in values):
                top.append(values)
                lines.append(reader.line_num)
            if len(top) == HEADER_ROWS:
                break
        if not top:
            raise InputError(f"{name} has no header row.")
        at = _header_at(top, fields)
        header = [h.strip() for h in top[at]]
        rows, index, bad = [], [], {}
        row = 0

        def take(values: list[str], line: int) -> None:
            nonlocal row
            row += 1
            if row > MAX_COHORT_ROWS:
                raise _too_many_rows(name)
            if len(values) != len(header):
                bad[row] = (f"line {line} of the file has {len(values)} values where the header has "
                            f"{len(header)} columns (a separator inside a value? quote it); not scored")
                return
            rows.append(values)
            index.append(row)

        for values, line in zip(top[at + 1:], lines[at + 1:]):
            take(values, line)
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if any(v.strip() for v in values):  # else a blank line
                take(values, line)
    except csv.Error as exc:
        raise InputError(f"{name} could not be read as a table: line {reader.line_num}: {exc}") from None
    if not rows and bad:
        raise InputError(f"{name}: no row has the header's {len(header)} columns: "
                         + "; ".join(list(bad.values())[:3]))
    df = pd.DataFrame(rows, columns=header, index=pd.Index(index, dtype=int), dtype=str)
    df.attrs["bad_rows"] = bad
    style, note = number_style(df.to_numpy(), delimiter)
    df.attrs["number_style"] = style
    df.attrs["notes"] = ([_header_note(at, top[:at])] if at else []) + ([note] if note else [])
    return df


def row_numbers(df: pd.DataFrame) -> list[int]:
    """1-based row number of each row of a table from read_table (a CSV's ragged rows are left out of it)."""
    return [int(i) for i in df.index] if df.attrs.get("bad_rows") is not None else list(range(1, len(df) + 1))


def row_positions(df: pd.DataFrame, rows: list[int]) -> np.ndarray:
    """Positions in df of the given 1-based row numbers (e.g. a Cohort's valid rows)."""
    where = {n: i for i, n in enumerate(row_numbers(df))}
    return np.array([where[r] for r in rows], dtype=int)


# British and American spellings are one name ("Hemoglobin", "Pedal edema", "Tumor size", "Estrogen receptor" were
# not matched: the file was scored with those inputs not measured, an EHR re-check)
_SPELLINGS = (("haem", "hem"), ("anaem", "anem"), ("oedem", "edem"), ("oestr", "estr"), ("tumour", "tumor"),
              ("colour", "color"), ("hormonal", "hormone"))


def column_key(text: str) -> str:
    """A column name as compared: case, spaces, underscores, punctuation and British or American spelling aside
    ("BloodPressure", "blood_pressure", "BLOOD PRESSURE" and "Blood-pressure" are one name)."""
    key = re.sub(r"[\W_]+", "", str(text).lower())
    for british, american in _SPELLINGS:
        key = key.replace(british, american)
    return key


# Names clinical exports give these fields beside their own name and label (compared as column_key compares them);
# tests/records/test_file_reading.py checks no two fields of a model answer to one name
COLUMN_NAMES = {
    "trestbps": ("resting bp", "resting blood pressure", "systolic bp", "sbp", "systolic blood pressure"),
    "chol": ("cholesterol",), "thalach": ("max heart rate", "maximum heart rate", "max hr"),
    "oldpeak": ("st depression",), "cp": ("chest pain",), "fbs": ("fasting blood sugar",),
    "exang": ("exercise angina",), "ca": ("vessels", "major vessels"), "slope": ("st slope",),
    "blood_pressure": ("bp", "diastolic bp", "blood pressure", "dbp"), "horTh": ("hormone therapy", "tamoxifen"),
    "tsize": ("tumor size",), "pnodes": ("positive nodes", "nodes"), "estrec": ("estrogen receptor", "er"),
    "progrec": ("progesterone receptor", "pr", "pgr"),
    # a blind review of laboratory exports (2026-12-07) found these names dropped as "not inputs"; BUN is not urea
    # (it is urea's nitrogen, under half its mass) and "Albumin" is more often serum than a dipstick: neither is here
    "ejection_fraction": ("lvef", "ef"), "serum_creatinine": ("creatinine",), "serum_sodium": ("sodium",),
    "smoking": ("smoker",), "sc": ("creatinine",), "bu": ("urea",), "wc": ("wbc", "white blood cells"),
    "pcv": ("haematocrit", "hct"), "dm": ("diabetes",), "bp": ("dbp", "diastolic bp"),
}


_TRAILING_UNIT = re.compile(r"(.*?)\s*[(\[]([^()\[\]]*)[)\]]\s*")


def name_and_unit(column: Any) -> tuple[str, str]:
    """(the column's name as column_key compares it, the unit in a trailing bracket or "")."""
    m = _TRAILING_UNIT.fullmatch(str(column).strip())
    return (column_key(m[1]), m[2].strip()) if m and column_key(m[1]) else (column_key(column), "")


def _field_keys(f: Field) -> set[str]:
    """The names a column of this field may have: its name, its label, the label without a bracket's words
    ("Creatine phosphokinase"), and a bracketed abbreviation ("CPK")."""
    keys = {column_key(f.name), column_key(f.label), *(column_key(n) for n in COLUMN_NAMES.get(f.name, ()))}
    if m := _TRAILING_UNIT.fullmatch(f.label):
        keys.add(column_key(m[1]))
        if re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", m[2].strip()):
            keys.add(column_key(m[2]))
    return keys - {""}


def _unit_key(unit: str) -> str:
    unit = unit.lower().replace(" ", "").replace("µ", "u").replace("μ", "u").replace("mcg", "ug")
    unit = unit.replace("³", "3").replace("²", "2").replace("^", "").replace("mm3", "ul").rstrip(".")
    return {"yrs": "years", "yr": "years", "year": "years", "y": "years", "a": "years"}.get(unit, unit)


def _same_unit(unit: str, f: Field) -> bool:
    mine, theirs = _unit_key(unit), _unit_key(f.unit)
    if mine == theirs or not _looks_like_unit(mine, f):  # "Age (at admission)", "Ejection fraction (echo)": words
        return True
    # a millimole of a singly charged ion is a milliequivalent: sodium and potassium in mmol/L are the model's mEq/L
    if {mine, theirs} == {"mmol/l", "meq/l"} and re.search(r"sodium|potassium|chloride", f.label, re.I):
        return True
    # the heart-failure dataset names CPK's unit mcg/L, but its values (23-7,861) are the enzyme activity labs report
    # in U/L (IU/L): "CPK (U/L)" refused the file with no way to comply (an EHR re-check)
    if theirs == "ug/l" and mine in ("u/l", "iu/l") and re.search(r"phosphokinase", f.label, re.I):
        return True
    # a count per µL is one per mm³ and a thousand per mL: the dataset's own "kiloplatelets/mL" is the model's /µL
    return theirs == "/ul" and mine in ("kiloplatelets/ml", "platelets/ul", "cells/ul", "/mm3", "ul")


# What a bracket after a column name must look like to be read as its unit: a ratio or percentage, a count per
# volume, or a unit word; anything else ("at admission", "echo") is a note about the column
_UNIT_WORDS = {"years", "months", "weeks", "days", "mmhg", "kg", "g", "mg", "ug", "lb", "lbs", "cm", "mm", "m", "in",
               "bpm", "u", "iu", "mv", "mm/h", "ng", "pg", "ul", "l", "ml", "mmol", "umol", "meq", "fl"}


def _looks_like_unit(key: str, f: Field) -> bool:
    return ("/" in key or "%" in key or key in _UNIT_WORDS
            or any(_unit_key(other) == key for other, _ in f.other_units))


_RESULT_SUFFIX = re.compile(r"(?<=.)(?:result|results|value|resultvalue)$")
_UNITS_SUFFIXES = ("units", "unit", "uom")


def _units_columns(df: pd.DataFrame, columns: dict[str, int]) -> dict[str, int]:
    """Field name -> position of the column that gives its unit row by row ("Serum creatinine Units" beside
    "Serum creatinine Result", as laboratory exports lay a test out): each value is then read with its row's unit,
    as a value with its unit in the cell is (parse_cell). A blind review: the units were never looked at."""
    keys = [column_key(c) for c in df.columns]
    out = {}
    for name, pos in columns.items():
        base = _RESULT_SUFFIX.sub("", keys[pos])
        unit_at = next((i for i, k in enumerate(keys) if i != pos and k in {base + s for s in _UNITS_SUFFIXES}), None)
        if unit_at is not None:
            out[name] = unit_at
    return out


def _with_row_units(values: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Each value with its row's unit after it ("97" and "umol/L": "97 umol/L"), where both are given."""
    return np.array([f"{str(v).strip()} {str(u).strip()}" if not _is_blank(v) and not _is_blank(u) else v
                     for v, u in zip(values, units)], dtype=object)


def _field_columns(header: list[str], fields: tuple[Field, ...]) -> dict[str, list[tuple[int, str]]]:
    """Field name -> the columns (position, and the unit their name gives when it is not the field's, else "") that
    name it, compared by _key; a trailing unit in brackets ("Serum sodium (mmol/L)") is compared with the field's."""
    keys = [(f, _field_keys(f)) for f in fields]
    found: dict[str, list[tuple[int, str]]] = {}
    for pos, column in enumerate(header):
        whole = column_key(column)
        m = _TRAILING_UNIT.fullmatch(str(column).strip())
        result = _RESULT_SUFFIX.sub("", whole)  # "Serum creatinine Result": a laboratory export's value column
        for f, names in keys:
            if whole in names or (result != whole and result in names):
                found.setdefault(f.name, []).append((pos, ""))
            elif m and column_key(m[1]) in names:
                # a grade's scale ("0-5") or no unit: nothing to compare ("Sex (M/F)")
                graded = not f.unit or re.fullmatch(r"\d+-\d+", f.unit)
                found.setdefault(f.name, []).append((pos, "" if graded or _same_unit(m[2], f) else m[2].strip()))
    return found


def _match_columns(df: pd.DataFrame, fields: tuple[Field, ...]) -> dict[str, str]:
    """Field name -> column in the file, for the fields that one column names (in the field's unit, if it says one)."""
    columns = [str(c) for c in df.columns]
    return {name: columns[hits[0][0]] for name, hits in _field_columns(columns, fields).items()
            if len(hits) == 1 and not hits[0][1]}


def _column_conversions(df: pd.DataFrame, fields: tuple[Field, ...]) -> dict[str, tuple[str, float]]:
    """Field name -> (unit, factor) for a column whose name gives a unit the card converts ("serum_creatinine
    (µmol/L)", or a row of units): its values are converted, and the file says so once. Such a column refused the
    whole file, with the factor, for the user to convert it by hand (a blind review of exports)."""
    by_name = {f.name: f for f in fields}
    out = {}
    for name, hits in _field_columns([str(c) for c in df.columns], fields).items():
        if len(hits) == 1 and hits[0][1] and (factor := other_unit_factor(by_name[name], hits[0][1])) is not None:
            out[name] = (hits[0][1], factor)
    return out


def _checked_columns(df: pd.DataFrame, fields: tuple[Field, ...]) -> dict[str, int]:
    """Field name -> position of its column; refuses, once for the file, a column named twice, two columns for one
    field, one column for two fields, and a column whose name gives another unit than the model takes."""
    columns = [str(c) for c in df.columns]
    found = _field_columns(columns, fields)
    by_name = {f.name: f for f in fields}
    for name, hits in found.items():
        f = by_name[name]
        if len(hits) > 1:
            names = [columns[p] for p, _ in hits]
            if len(set(names)) == 1:  # every row read "Age: '['57' '57']' is not a number" (a review)
                times = "twice" if len(names) == 2 else f"{len(names)} times"
                raise InputError(f"Column {names[0]} appears {times} (columns "
                                 + ", ".join(str(p + 1) for p, _ in hits[:-1]) + f" and {hits[-1][0] + 1}): keep one "
                                 "and upload the file again. Nothing was scored.")
            raise InputError(f"Columns {' and '.join(repr(n) for n in names)} both name {f.label} ({f.name}): keep "
                             "the one in the model's unit" + (f" ({f.unit})" if f.unit else "")
                             + ", remove or rename the other, and upload the file again.")
        pos, unit = hits[0]
        if unit and other_unit_factor(f, unit) is None:  # one the card gives a factor for is converted (below)
            raise InputError(f"Column '{columns[pos]}' gives {f.label} in {unit}, but this model takes it in "
                             f"{f.unit}, and {unit} is not a unit it converts: convert the column to {f.unit}, name "
                             f"it {f.name}, and upload the file again. Nothing was scored.")
    owners: dict[int, list[str]] = {}
    for name, hits in found.items():
        owners.setdefault(hits[0][0], []).append(name)
    for pos, names in owners.items():
        if len(names) > 1:
            raise InputError(f"Column '{columns[pos]}' could be any of " + ", ".join(names)
                             + ": rename it to the one it holds and upload the file again.")
    return {name: hits[0][0] for name, hits in found.items()}


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


_TEST_NAMES = {"test", "testname", "analyte", "component", "observation", "labtest", "parameter", "investigation"}
_RESULT_NAMES = {"result", "value", "resultvalue", "observationvalue", "numericresult"}


def _refuse_long_format(df: pd.DataFrame, fields: tuple[Field, ...]) -> None:
    """A laboratory's long export, one row per test (Test, Result, Units): each test row was scored as a patient with
    every laboratory value missing (a blind review: five rows of one patient, each "alive" at 0.21 where the patient
    read as a whole was "death" at 0.78), with only the missing-columns warning to say so."""
    keys = {column_key(c): str(c) for c in df.columns}
    test = next((keys[k] for k in keys if k in _TEST_NAMES), None)
    result = next((keys[k] for k in keys if k in _RESULT_NAMES), None)
    if test is not None and result is not None:
        raise InputError(f"This file has one row per test (columns '{test}' and '{result}'); the model takes one row "
                         "per patient, with a column for each value: " + ", ".join(f.name for f in fields)
                         + ". Put each patient on one row (a pivot of the file) and upload it again. Nothing was "
                         "scored.")


def _refuse_systolic_as_diastolic(df: pd.DataFrame, fields: tuple[Field, ...], columns: dict[str, int]) -> None:
    """A column named only "Blood Pressure" (Kaggle's Pima name for the diastolic pressure) given to a model of the
    diastolic pressure, whose values read as systolic: a blind review's export of systolic pressures was scored as
    diastolic with no word (118 mmHg, the probability halved). Refused when the median passes 100 mmHg, which
    diastolic pressures of a group do not; a column named as diastolic is taken at its word."""
    for f in fields:
        if f.name not in columns or not f.label.lower().startswith("diastolic"):
            continue
        header = str(df.columns[columns[f.name]])
        if re.search(r"diastolic|dbp|\bdia", header, re.I):
            continue
        values = np.array([number_in(v, df.attrs.get("number_style")) for v in df.iloc[:, columns[f.name]]])
        values = values[np.isfinite(values)]
        if len(values) and float(np.median(values)) > 100:
            raise InputError(f"Column '{header}' reads as the systolic pressure (median {_fmt(float(np.median(values)))}"
                             f" mmHg; diastolic pressures of a group stay below 100), and this model takes the "
                             f"diastolic ({f.name}). Give the diastolic pressures, or, if these are diastolic, name "
                             "the column Diastolic BP, and upload the file again. Nothing was scored.")


def validate_table(df: pd.DataFrame, fields: tuple[Field, ...], training_range: dict[str, list[float]],
                   model_name: str, missing_handling: str = "", predicted: str | None = None,
                   reference: Mapping[str, Any] | None = None) -> Cohort:
    """The rows of a cohort table, each scored or refused; `predicted` is the column of the training file the model
    predicts (its label), said as such when a file carries it rather than as an unknown column; `reference` (the
    card's input) lets the cohort as a whole be checked against the training patients (cohort_checks.py)."""
    _refuse_long_format(df, fields)
    columns = _checked_columns(df, fields)
    _refuse_systolic_as_diastolic(df, fields, columns)
    conversions = _column_conversions(df, fields)
    missing = [f for f in fields if f.name not in columns]
    if len(missing) > len(fields) / 2:
        expected = ", ".join(f.name for f in fields)
        raise InputError(f"This table does not look like input for {model_name}: it lacks "
                         f"{len(missing)} of {len(fields)} columns. Expected columns: {expected}."
                         + _other_model_hint(df, model_name))
    cohort = Cohort()
    for text in df.attrs.get("notes", ()):  # how the file was read: its sheet, its header row, its decimal mark
        cohort.note(text)
    cohort.file_warnings.extend(df.attrs.get("warnings", ()))  # what of the file was not read: with every result
    numbers = row_numbers(df)
    for row, message in df.attrs.get("bad_rows", {}).items():
        cohort.errors[row] = [message]
    if missing:
        cohort.file_warnings.append(
            "Missing columns: " + ", ".join(f"{f.name} ({f.label})" for f in missing)
            + ". These values are treated as not measured for every patient.")
    labels = [str(c) for c in df.columns]
    id_at = next((i for i, c in enumerate(labels) if column_key(c) in {column_key(k) for k in ID_COLUMNS}), None)  # "Patient ID"
    # named, not dropped unsaid: "serum_creatinine (umol/L)" left creatinine not measured for every patient, and the
    # page named only the missing column (a review); a label column the model predicts is listed as well
    units_at = _units_columns(df, columns)
    used = {*columns.values(), *units_at.values(), id_at}
    label = next((i for i, c in enumerate(labels) if predicted and column_key(c) == column_key(predicted)), None)
    if label is not None:
        used.add(label)
        cohort.note(f"Column {labels[label]} is what the model predicts (the training file's label): not used as an "
                    "input.")
    # an empty column without a name (Excel's trailing "Unnamed: 13") is no column of the file's
    unused = [c for i, c in enumerate(labels) if i not in used
              and not ((c == "" or c.startswith("Unnamed: ")) and df.iloc[:, i].fillna("").str.strip().eq("").all())]
    if unused:
        cohort.note(f"Not input{'s' if len(unused) > 1 else ''} of this model, so not used: " + ", ".join(unused) + ".")
    by_name = {f.name: f for f in fields}
    for name, (unit, factor) in conversions.items():
        f = by_name[name]
        cohort.note(f"Column '{labels[columns[name]]}' gives {f.label} in {unit}: its values were converted to "
                    f"{f.unit} (times {factor:.4g}) before scoring.")
    style = df.attrs.get("number_style")
    cols = [None if f.name not in columns else df.iloc[:, columns[f.name]].to_numpy() if f.name not in units_at
            else _with_row_units(df.iloc[:, columns[f.name]].to_numpy(), df.iloc[:, units_at[f.name]].to_numpy())
            for f in fields]
    X = np.full((len(df), len(fields)), np.nan)
    valid = np.ones(len(df), dtype=bool)
    limits: dict[int, list[str]] = {}  # row -> its values that are reporting limits ("<0.5"), said on the row
    for j, f in enumerate(fields):
        if cols[j] is None:
            continue
        for i, raw in enumerate(cols[j]):
            number, error, limit = parse_cell(f, raw, style, conversions.get(f.name))
            if error:
                valid[i] = False
                cohort.errors.setdefault(numbers[i], []).append(error)
            if limit:
                limits.setdefault(numbers[i], []).append(limit)
            X[i, j] = number
    for i in range(len(df)):
        if valid[i] and np.isnan(X[i]).all():
            valid[i] = False
            cohort.errors.setdefault(numbers[i], []).append("no values in any model column")
    cohort.rows = [numbers[i] for i in np.flatnonzero(valid)]
    cohort.X = X[valid]
    if reference:  # codes and units of whole columns, which no single value shows (cohort_checks.py)
        cohort_checks.check_cohort(cohort, fields, X, cols, numbers, reference,
                                   lambda f, raw: parse_cell(f, raw, style, conversions.get(f.name))[:2])
    slips = column_unit_warnings(fields, cohort.X, training_range)
    cohort.file_warnings.extend(text for _, _, text in slips)
    for row, values in zip(cohort.rows, cohort.X):
        w = [*limits.get(row, ()), *soft_warnings(fields, values, training_range, missing_handling)]
        for j, unit, _ in slips:  # every row of a column read as another unit, not only the values outside its range
            f, v = fields[j], values[j]  # (a 10 cm tumour was scored as 10 mm without a word on its row: a re-check)
            if not math.isnan(v) and _value_query(f, v, training_range) is None:  # not queried already
                w.append(f"{f.label} {with_unit(_fmt(v), f)} may be in {unit}, as most of its column reads: scored "
                         f"as {with_unit(_fmt(v), f)}.")
        if w:
            cohort.warnings[row] = w
    if id_at is not None:
        cohort.ids = {numbers[i]: str(v) for i, v in enumerate(df.iloc[:, id_at].to_numpy())}
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
    return [(f"{name}#row{row}", records[row]) if row in records else
            (f"{name}#row{row}", InputError(f"row {row}: " + "; ".join(table.errors[row]), row=row))
            for row in sorted({*table.rows, *table.errors})]  # a units row is no row of either (_units_row)


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
