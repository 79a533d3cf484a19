"""Checks of a cohort as a whole against the training patients, for what no single value can show.

An EHR export in another coding or unit is read without an error wherever its values happen to be valid: Cleveland
recoded as Kaggle's heart.csv does (chest pain 0-3 for 1-4) scored the rows whose codes were valid, 25 of 59 labels
flipped, with no word; insulin in pmol/L (the SI unit) was scored as µU/mL, 6 times too high; tumour size in cm as
mm; follow-up in months drawn as days (an EHR review, 2026-12-07). Here:

- `coding_notes`: a category column with codes the model does not use in a sizeable share of its rows, or, in a
  cohort of 30 or more, without a code a large share of the training patients have (absent by chance less than once
  in a million such cohorts): said with each row's result, as a query of the column's coding;
- `other_unit_columns`: a number column whose median sits where the training median sits once read in another unit
  the field is reported in: its values are not scored (a cohort clearly in another unit was scored silently);
- `follow_up_note`: a survival upload whose follow-up reaches a small fraction of the training follow-up in days.

False alarms, measured on the training files themselves (`tests/records/test_cohort_checks.py`, docs/records.md): none
of the five training files gets any of these, nor any of 2,000 random subsets of 20, 30, 50, 100 rows and half the
file of each model (0 of 50,000); whole subgroups (each label, each sex) neither: the largest median shift towards
another unit among them is 0.23 of the way (insulin of the Pima patients with diabetes), against UNIT_SHIFT's 0.6.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from .schema import Field, number_text, with_unit

Parse = Callable[[Field, Any], tuple[float, "str | None"]]  # one cell -> (value, error), as records.io reads it

# (a) Codes the model does not use in at least this share of a column's rows (and 3 rows): one typo is its row's own
# error, one row in twenty is a column in another coding more likely than typos (Kaggle's chest pain 0 is Cleveland's
# 1, 8% of its patients).
REFUSED_SHARE = 0.05
REFUSED_MIN_ROWS = 3
# (b) A code this share of the training patients have, absent from a cohort of at least MIN_COHORT patients, where a
# cohort drawn like the training patients lacks it with a probability below ABSENT_P (the binomial (1 - share)^n:
# chest pain 'asymptomatic', 48% of Cleveland, is absent from 30 such patients with probability 3e-9). Binary fields
# are left out: a cohort of men only, or of smokers only, is a real group, and one code's absence says nothing there.
MIN_COHORT = 30
LARGE_SHARE = 0.20
ABSENT_P = 1e-6
# Other unit: a median at least this far (in log scale, as a share of the way) from the training median towards
# where that median lies in the other unit, and no further than this beyond it. Insulin (×6) needs a median 2.9 times
# the training one, tumour size (×10) a quarter of it: no real group of patients differs that much in its median.
UNIT_SHIFT = (0.6, 1.5)
MIN_UNIT_VALUES = 20
FEW_UNIT_VALUES = 3  # from here to MIN_UNIT_VALUES such a column is said (few_values_unit_note), not refused
# Follow-up: a longest follow-up under this share of the training patients' longest, in days (heart failure 285 days:
# under 57; months read as days reach 9.4, weeks 40.7).
FOLLOW_UP_SHARE = 0.20  # weeks read as days reach 14% (a re-check: 0.10 caught months and years only)
MIN_FOLLOW_UP_ROWS = 10


def category_shares(fields: tuple[Field, ...], X: np.ndarray) -> dict[str, dict[str, float]]:
    """Each category field's share of training patients per code, for the card (`input.category_shares`): what
    `coding_notes` compares a cohort with. Written by train; codes as text keys (JSON)."""
    out = {}
    for j, f in enumerate(fields):
        if f.kind != "category":
            continue
        given = X[~np.isnan(X[:, j]), j]
        out[f.name] = {f"{float(code):g}": round(float(np.mean(given == float(code))), 4) if len(given) else 0.0
                       for code, _ in f.choices}
    return out


def check_cohort(cohort: Any, fields: tuple[Field, ...], X: np.ndarray, raw: list[np.ndarray | None],
                 numbers: list[int], reference: Mapping[str, Any], parse: Parse) -> None:
    """The cohort-level checks of a validated table (`records.io.validate_table`), in place: rows with a value in a
    column read as another unit become errors, and notes on the coding go with every row's result. `X` holds every
    row's values (NaN where refused or not given), `raw` each field's cells as read (None: no such column),
    `numbers` the rows' 1-based numbers; `reference` is the card's input (typical, training_range,
    category_shares); `parse` reads one cell as the table was read (records.io.parse_value in the file's number
    style: passed by the caller, which also keeps io and this module from importing each other)."""
    typical, ranges = reference.get("typical") or {}, reference.get("training_range") or {}
    refused = np.zeros(len(numbers), dtype=bool)
    for j, f in enumerate(fields):
        if raw[j] is None or f.kind != "number" or not f.other_units:
            continue
        values = column_values(f, X[:, j], raw[j], parse)
        found = other_unit(f, values, typical.get(f.name), ranges.get(f.name))
        if found is None:
            if (mixed := mixed_units_note(f, values, f.usual or ranges.get(f.name))) is not None:
                cohort.file_warnings.append(mixed)
            elif len(values) < MIN_UNIT_VALUES and \
                    (few := other_unit(f, values, typical.get(f.name), ranges.get(f.name), FEW_UNIT_VALUES)) is not None:
                cohort.file_warnings.append(few_values_unit_note(f, *few, float(typical[f.name]), len(values)))
            continue
        unit, factor, median, converted = found
        expected = f.usual or ranges.get(f.name)
        only = int(sum(1 for v in values if expected and not expected[0] <= v <= expected[1]
                       and expected[0] <= v * factor <= expected[1]))
        text = other_unit_message(f, unit, factor, median, converted, float(typical[f.name]), len(values), only)
        cohort.file_warnings.append(text)
        for i in np.flatnonzero(~np.isnan(X[:, j])):
            cohort.errors.setdefault(numbers[i], []).append(text)
            refused[i] = True
    if refused.any():
        where = {n: i for i, n in enumerate(numbers)}
        keep = [k for k, row in enumerate(cohort.rows) if not refused[where[row]]]
        cohort.rows = [cohort.rows[k] for k in keep]
        cohort.X = cohort.X[keep]
    cohort.file_warnings.extend(coding_notes(fields, X, raw, len(cohort.rows), reference.get("category_shares") or {},
                                             parse))


def coding_notes(fields: tuple[Field, ...], X: np.ndarray, raw: list[np.ndarray | None], n_scored: int,
                 shares: Mapping[str, Mapping[str, float]], parse: Parse) -> list[str]:
    """Notes on category columns whose coding looks unlike the model's (`X`, `raw`: as `check_cohort` takes them;
    `n_scored`: the rows that will be scored)."""
    out = []
    for j, f in enumerate(fields):
        if f.kind != "category" or raw[j] is None:
            continue
        # a cell is refused where parse_value says so (blank cells, however written, are not measured)
        refused = Counter(str(raw[j][i]).strip() for i in np.flatnonzero(np.isnan(X[:, j]))
                          if parse(f, raw[j][i])[1] is not None)
        codes = X[~np.isnan(X[:, j]), j]
        n_refused, n_given = sum(refused.values()), len(codes) + sum(refused.values())
        if (n_refused >= REFUSED_MIN_ROWS and n_refused >= REFUSED_SHARE * n_given) or _just_below_the_codes(f, refused):
            shown = ", ".join(f"'{c}' ({n} row{'s' if n > 1 else ''})" for c, n in refused.most_common(5))
            held = sorted({*refused, *(f"{c:g}" for c in codes)}, key=_sort_key)
            holds = f" The column holds {', '.join(held)}." if len(held) <= 8 else ""
            scored = (f" The {n_scored} row{'s' if n_scored != 1 else ''} scored may be coded the same way, and then their {f.label} was read "
                      "wrongly without an error: check the column's coding before using their results." if n_scored
                      else "")
            out.append(f"{f.label}: {n_refused} of {n_given} rows hold codes the model does not use ({shown}), so "
                       f"they were not scored; its codes are {_codes_text(f)}.{holds} The column is likely in another "
                       f"coding (such as 0-3 for 1-4, or 1/2 for 0/1).{scored}")
            continue  # said: its absent codes would say the same again
        if (note := absent_code_note(f, codes, shares.get(f.name))) is not None:
            out.append(note)
    return out


def _just_below_the_codes(f: Field, refused: Counter) -> bool:
    """Whether a refused cell is the whole number just below the model's lowest numeric code (0 where they run 1-4, 2
    below thallium's 3, 6, 7): the signature of another coding, such as Kaggle's 0-3 chest pain, even in one row. A
    small file's other rows were then read one category off with no word (a blind review: REFUSED_MIN_ROWS let one
    or two such rows pass). Said as a query of the column; a typo costs a note."""
    try:
        codes = sorted(float(code) for code, _ in f.choices)
    except (TypeError, ValueError):  # codes that are not numbers: no numeric neighbour
        return False
    for text in refused:
        try:
            value = float(text)
        except ValueError:
            continue
        if value == codes[0] - 1:  # one above the top is as often a typo ("5" for 4: its row's own error)
            return True
    return False


def absent_code_note(f: Field, codes: np.ndarray, shares: Mapping[str, float] | None) -> str | None:
    """(b) The note on a category column of 30 or more codes lacking a code that a large share of the training
    patients have, where patients drawn like them would lack it with a probability under one in a million; None
    otherwise, and for binary fields (one value truly absent is a real group: men only)."""
    if len(f.choices) < 3 or not shares or len(codes) < MIN_COHORT:
        return None
    for code, label in f.choices:
        share = float(shares.get(f"{float(code):g}", 0.0))
        if share < LARGE_SHARE or (codes == float(code)).any():
            continue
        if len(codes) * math.log1p(-share) >= math.log(ABSENT_P):  # (1 - share)^n: absent by chance
            continue
        return (f"{f.label}: none of these {len(codes)} patients has '{label}' (code {float(code):g}), which "
                f"{share:.0%} of the training patients have; patients like them would lack it by chance less than once "
                f"in a million cohorts of this size. Check the coding of the column (the model's codes are "
                f"{_codes_text(f)}): a column in another coding (such as 0-3 for 1-4) is read wrongly without an error "
                "wherever its codes happen to be valid. If these patients truly lack it, read their results knowing "
                "the model saw few like them.")
    return None


def _codes_text(f: Field) -> str:
    return ", ".join(f"{float(code):g} {label}" for code, label in f.choices)


def _sort_key(text: str) -> tuple[int, float, str]:
    try:
        return 0, float(text), text
    except ValueError:
        return 1, 0.0, text


def column_values(f: Field, X_col: np.ndarray, raw: np.ndarray, parse: Parse) -> np.ndarray:
    """A number column's values as numbers, those refused as out of range included (a column in another unit has
    them: insulin above 1,000 pmol/L), read as records.io.parse_value reads them but with no range; zeros meaning not
    measured stay out."""
    values = X_col.copy()
    loose = replace(f, min=None, max=None)
    for i in np.flatnonzero(np.isnan(values)):
        number, error = parse(loose, raw[i])
        if error is None:
            values[i] = number
    return values[~np.isnan(values)]


def other_unit(f: Field, values: np.ndarray, typical: float | None, training_range: list[float] | None,
               min_values: int = MIN_UNIT_VALUES) -> tuple[str, float, float, float] | None:
    """(unit, factor, median, median converted) when the column as a whole reads as `unit` rather than the field's
    unit: its median is where the training median lies once read in that unit. None otherwise."""
    if f.kind != "number" or not f.other_units or len(values) < min_values or not typical or typical <= 0:
        return None
    median = float(np.median(values))
    if median <= 0:
        return None
    for unit, factor in f.other_units:
        if factor <= 0 or factor == 1:
            continue
        shift = math.log(median / typical) / math.log(1 / factor)  # 0: as training; 1: the training median in `unit`
        converted = median * factor
        inside = training_range is None or training_range[0] <= converted <= training_range[1]
        if UNIT_SHIFT[0] <= shift <= UNIT_SHIFT[1] and inside:
            return unit, factor, median, converted
    return None


# A column whose median is the field's unit but where this many values (and this share) lie where only another unit
# reads them: two laboratories' exports merged (a re-check: insulin in pmol/L on every other row changed 111 of 514
# results with a hint on 5 rows only). Training files have none (their values are inside their own range).
MIXED_MIN, MIXED_SHARE = 5, 0.05


def mixed_units_note(f: Field, values: np.ndarray, expected: list[float] | tuple[float, float] | None) -> str | None:
    """Said with every row when a number column looks partly in another unit (see MIXED_MIN)."""
    if not expected or len(values) == 0:
        return None
    for unit, factor in f.other_units:
        only = [v for v in values if not expected[0] <= v <= expected[1] and expected[0] <= v * factor <= expected[1]]
        if len(only) >= max(MIXED_MIN, MIXED_SHARE * len(values)):
            example = max(only)
            return (f"{f.label}: {len(only)} of the column's {len(values)} values lie where only {unit} reads them "
                    f"(such as {number_text(float(f'{example:.4g}'))}, which read as {unit} is "
                    f"{with_unit(number_text(float(f'{example * factor:.3g}')), f)}): the column may mix units, two "
                    f"laboratories' exports merged? Values in {unit} scored as {f.unit} are wrong, and those inside "
                    "the range cannot be told apart: check the column before relying on any of its rows.")
    return None


def few_values_unit_note(f: Field, unit: str, factor: float, median: float, converted: float, typical: float,
                         n_values: int) -> str:
    """Said with every row when a column of fewer than MIN_UNIT_VALUES values reads as another unit: too few to refuse
    (a real small group can sit there), too many to pass unsaid (a blind review: three tumour sizes in cm, 3 to 4.5,
    were scored as millimetres with no word, as every value fitted the mm range)."""
    in_unit = "as a fraction" if unit == "a fraction" else f"read as {unit}"
    return (f"{f.label}: the column may be in {unit}, not {f.unit}: its median, {number_text(median)}, {in_unit} is "
            f"{with_unit(number_text(float(f'{converted:.3g}')), f)}, near the training patients' median of "
            f"{with_unit(number_text(typical), f)}. With {n_values} values this is not certain, so they were scored "
            f"as {f.unit}: check the column's unit before relying on any of its rows.")


def other_unit_message(f: Field, unit: str, factor: float, median: float, converted: float, typical: float,
                       n_values: int, n_only_other: int) -> str:
    """What a row with a value in a column read as another unit is told (it is not scored)."""
    how = f"multiply by {factor:g}" if factor >= 1 else f"divide by {1 / factor:g}"
    in_unit = "as a fraction" if unit == "a fraction" else f"read as {unit}"
    only = (f"; {n_only_other} of its {n_values} values fit only {unit}" if n_only_other else "")
    return (f"{f.label}: the column reads as {unit}, not {f.unit}: its median, {number_text(median)}, {in_unit} is "
            f"{with_unit(number_text(float(f'{converted:.3g}')), f)}, near the training patients' median of "
            f"{with_unit(number_text(typical), f)}{only}. Scored as {f.unit}, every value would be wrong, so the rows "
            f"with a value in it were not scored: convert the column to {f.unit} ({how}) and upload the file again.")


def follow_up_note(time: np.ndarray, max_follow_up_days: float | None) -> str | None:
    """Said beside the observed curves when the uploaded follow-up looks like months or years, not days: a heart
    failure file with `time` in months drew its curves over "9 days since baseline" (an EHR review)."""
    if not max_follow_up_days or len(time) < MIN_FOLLOW_UP_ROWS:
        return None
    longest = float(np.max(time))
    if longest <= 0 or longest >= FOLLOW_UP_SHARE * max_follow_up_days:
        return None
    # the unit whose longest follow-up lands nearest the training one's (log scale)
    unit, days = min((("weeks", 7.0), ("months", 30.44), ("years", 365.25)),
                     key=lambda u: abs(math.log(longest * u[1] / max_follow_up_days)))
    return (f"The follow-up time reaches only {longest:g}, where the training patients were followed for up to "
            f"{max_follow_up_days:g} days, and the observed curves are drawn in days. Is time in {unit}? Then "
            f"multiply it by {days:g} and upload the file again: read as days, the curves put every event in the "
            "first days.")
