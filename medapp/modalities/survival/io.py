"""Inputs of the survival models: one patient from a form or JSON object, or a cohort table.

Values are validated exactly as for the case-record models (clinical labels, units, hard valid
ranges, training-range warnings; records/io.py). What is particular here: outcome columns
(follow-up `time`, `DEATH_EVENT`, `cens`, status ...) are what the model predicts, so they are never
used as inputs; an upload that carries them gets a note, and a cohort keeps them aside to draw
observed Kaplan-Meier curves by predicted risk group.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...types import InputError
from ..records.cohort_checks import follow_up_note
from ..records.io import (
    Cohort,
    Record,
    column_key,
    name_and_unit,
    number_in,
    read_table,
    record_from_mapping,
    row_positions,
    validate_table,
)
from ..records.schema import Field

# "replaces a value not given by the training median" read the wrong way round (a re-check)
MEDIAN_FILL = "This survival model fills a value not given with the training median (or the commonest category)"


def too_few_given(fields: tuple[Field, ...], values: np.ndarray) -> str | None:
    """Why a patient with fewer than half of the model's values given is not estimated, or None.

    A tumour-board review saw "20%, lowest third, alive at 180 days" from an age alone (10 of 11 values filled with
    the training median), with the caveat below the fold. From so few values the estimate says more about the medians
    it assumes than about the patient, so it is refused, naming what to enter; with half or more given, the estimate
    comes with what the values not given could change (SurvivalModel.missing_range_text).
    """
    given = int((~np.isnan(values)).sum())
    need = (len(fields) + 1) // 2
    if given >= need:
        return None
    absent = [f.label for f, v in zip(fields, values) if np.isnan(v)]
    return (f"Only {given} of the model's {len(fields)} values {'was' if given == 1 else 'were'} given: it needs at "
            f"least {need} to estimate survival (from fewer, the estimate would rest on the training medians it "
            f"assumes, not on the patient). Not given: {', '.join(absent)}.")


def outcome_note(found: list[str]) -> str:
    # "not used as inputs", not "ignored": the cohort page does use them, for the observed Kaplan-Meier curves
    many = len(found) > 1
    return (f"Outcome column{'s' if many else ''} {', '.join(found)} {'are' if many else 'is'} not used as "
            f"input{'s' if many else ''}: {'they are' if many else 'it is'} what the model predicts.")


def _outcome_keys(keys, outcome_columns: list[str]) -> list[str]:
    # "DEATH EVENT" is DEATH_EVENT, as input columns are matched; "time (days)" is time (with its unit, FOLLOW_UP_UNITS)
    wanted = {column_key(c) for c in outcome_columns}
    return [str(k) for k in keys if column_key(k) in wanted or name_and_unit(k)[0] in wanted]


# A follow-up column's unit in its name, in days: "time (months)" was no outcome column at all, and its curves were
# not drawn (an EHR re-check); read in days, as the model's horizons are
FOLLOW_UP_UNITS = {"d": 1.0, "day": 1.0, "days": 1.0, "w": 7.0, "wk": 7.0, "wks": 7.0, "week": 7.0, "weeks": 7.0,
                   "m": 30.44, "mo": 30.44, "mon": 30.44, "month": 30.44, "months": 30.44, "y": 365.25, "yr": 365.25,
                   "yrs": 365.25, "year": 365.25, "years": 365.25}


def patient(fields: tuple[Field, ...], values: dict[str, Any], training_range: dict[str, list[float]],
            outcome_columns: list[str]) -> Record:
    """One patient; outcome values in the mapping are ignored with a note."""
    if not isinstance(values, dict):
        raise InputError("A patient must be given as field names and values.")
    record = record_from_mapping(fields, values, training_range, handled_elsewhere=tuple(outcome_columns))
    if (too_few := too_few_given(fields, record.values)) is not None:
        raise InputError(too_few)
    found = [k for k in _outcome_keys(values, outcome_columns) if values.get(k) not in (None, "")]
    notes = [outcome_note(found)] if found else []  # a value not given: the model's own warning (its spread)
    return Record(record.values, (*record.warnings, *notes)) if notes else record


def _drop_rows_with_too_few(result: Cohort, fields: tuple[Field, ...]) -> None:
    """Rows with fewer than half of the values given become errors of their own, as the form refuses them."""
    keep = []
    for i, row in enumerate(result.rows):
        too_few = too_few_given(fields, result.X[i])
        if too_few is None:
            keep.append(i)
        else:
            result.errors.setdefault(row, []).append(too_few)
            result.warnings.pop(row, None)
    if len(keep) < len(result.rows):
        result.rows = [result.rows[i] for i in keep]
        result.X = result.X[keep] if keep else result.X[:0]


@dataclass
class SurvivalCohort:
    cohort: Cohort
    time: np.ndarray | None = None  # observed follow-up of the valid rows, when the file has it
    event: np.ndarray | None = None
    time_query: str | None = None  # why the observed follow-up may not be in days, said beside the observed curves


def _outcomes(df: pd.DataFrame, outcome_columns: list[str], rows: list[int]) -> tuple[np.ndarray, np.ndarray] | str:
    """Observed (time, event) of the valid rows, or why the file's outcome columns cannot give them (said on the
    page: an event column of 'alive'/'dead' read "Without outcome columns ..." as if the file had none)."""
    cols = {column_key(c): c for c in df.columns}
    time_col = _time_column(df)
    events = [c for c in outcome_columns if c.lower() != "time"]
    event_col = next((cols[column_key(c)] for c in events if column_key(c) in cols), None)
    if time_col is None or event_col is None:
        lacking = "time" if time_col is None else events[0]
        return f"the file has no {lacking} column"
    unit = name_and_unit(time_col)[1]
    per_day = FOLLOW_UP_UNITS.get(unit.lower().rstrip(".")) if unit else 1.0
    if per_day is None:
        return f"its follow-up column {time_col!r} is in {unit}, where days, weeks, months or years are read"
    pos = row_positions(df, rows)  # a ragged CSV line is left out of df, so row number - 1 is not its position
    # read in the file's number style, as its inputs are: a European "1.814" days was read as 1.814 (a review)
    style = df.attrs.get("number_style")
    t = np.array([_days(v, style, per_day) for v in df[time_col].to_numpy()[pos]], dtype=float)
    e = np.array([number_in(v, style) for v in df[event_col].to_numpy()[pos]], dtype=float)
    bad = [(time_col, row) for row, ok in zip(rows, np.isfinite(t) & (t >= 0)) if not ok] + \
        [(event_col, row) for row, ok in zip(rows, np.isin(e, (0.0, 1.0))) if not ok]
    if bad:
        column, row = bad[0]
        raw = df[column].to_numpy()[pos[rows.index(row)]]
        need = "a number of days, 0 or more" if column is time_col else "0 (censored) or 1 (event)"
        return (f"{column} in row {row} is {str(raw)!r}, where it must be {need}"
                + (f" ({len(bad)} such cells)" if len(bad) > 1 else ""))
    return t, e.astype(int)


def _time_column(df: pd.DataFrame):
    cols = {column_key(c): c for c in df.columns}
    return cols.get("time") or next((c for c in df.columns if name_and_unit(c)[0] == "time"), None)


# A follow-up cell that names its own unit ("6 days", "3 months", "2.5 y"): it was refused ("where it must be a
# number of days"), and the file drew no observed curves
_TIME_WITH_UNIT = re.compile(r"([+-]?\d[\d.,]*)\s*([A-Za-z]+\.?)")


def _days(raw, style: str | None, per_day: float) -> float:
    """A follow-up cell in days: a number in the column's unit (`per_day` days each), or a number with its own unit."""
    number = number_in(raw, style)
    if not math.isnan(number):
        return number * per_day
    m = _TIME_WITH_UNIT.fullmatch(raw.strip()) if isinstance(raw, str) else None
    factor = FOLLOW_UP_UNITS.get(m[2].lower().rstrip(".")) if m else None
    return number_in(m[1], style) * factor if factor else math.nan


def _cells_name_units(df: pd.DataFrame) -> bool:
    """Whether the follow-up cells carry their own unit ("6 days"): the file has said its unit, so it is not queried."""
    col = _time_column(df)
    return col is not None and any(isinstance(v, str) and _TIME_WITH_UNIT.fullmatch(v.strip()) is not None
                                   for v in df[col].to_numpy())


def cohort(data: bytes, name: str, fields: tuple[Field, ...], training_range: dict[str, list[float]],
           outcome_columns: list[str], model_name: str, reference: Mapping[str, Any] | None = None) -> SurvivalCohort:
    """The rows of a survival cohort and its observed outcomes; `reference` (the card's input) for the checks of the
    cohort as a whole (records/cohort_checks.py), the follow-up's unit among them."""
    df = read_table(data, name, fields)
    found = _outcome_keys(df.columns, outcome_columns)
    if found and len(found) == len(df.columns):  # said as the JSON form says it ("lacks 8 of 8 columns": a re-check)
        raise InputError(f"{name} has only {', '.join(found)}: what the model predicts, not inputs. Its inputs are "
                         f"{', '.join(f.name for f in fields)}.")
    result = validate_table(df.drop(columns=found), fields, training_range, model_name, reference=reference)
    _drop_rows_with_too_few(result, fields)
    out = SurvivalCohort(result)
    if found:
        note = outcome_note(found)
        observed = _outcomes(df, outcome_columns, result.rows) if result.rows else None
        if isinstance(observed, tuple):
            out.time, out.event = observed
            named = next(((c, u) for c in found for key, u in [name_and_unit(c)] if key == "time" and u), None)
            if named and FOLLOW_UP_UNITS.get(named[1].lower().rstrip(".")) != 1.0:
                note += (f" The follow-up column {named[0]!r} was read in {named[1]} and converted to days (times "
                         f"{FOLLOW_UP_UNITS[named[1].lower().rstrip('.')]:g}), as the model's horizons are.")
            # months drawn as days put every death in the first 9 "days" (an EHR review); not asked where the file
            # names the column's unit ("time (days)", or a row of units): a short follow-up in days was asked
            # "Is time in weeks?" under the file's own word that it was in days (a browser check)
            out.time_query = None if named or _cells_name_units(df) else \
                follow_up_note(out.time, (reference or {}).get("max_follow_up_days"))
            if out.time_query:
                note += " " + out.time_query
        elif observed is not None:
            note += f" No observed Kaplan-Meier curves: {observed}."
        result.note(note)
    # A value not given is said on its own row, with what it costs (SurvivalModel.missing_range_text): said for the
    # file, it went with every row to the CLI, rows with nothing missing included (a review).
    return out
