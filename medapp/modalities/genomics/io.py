"""Expression matrices from CSV, TSV or Excel: orientation, gene matching and validation.

A file holds one sample or a cohort, with samples as rows (genes across the header) or as columns
(genes down the first column); the orientation is found from where the model's gene identifiers
are. Every problem a user can fix gets a specific message: the whole file is refused when it cannot
be read as a matrix (empty, one gene, duplicated genes, values on another scale), a sample is
refused when its own values are unusable (non-numeric cells, too many missing genes), and a sample
missing only a few genes is scored with a warning (missing genes are set to the training average,
where they contribute nothing).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...security import uploads
from ...security.workbooks import MAX_CELLS as WORKBOOK_CELLS
from ...security.workbooks import xlsx_rows
from ...types import InputError

MAX_BYTES = uploads.upload_limit("genomics")
MISSING_TOKENS = {"", "na", "nan", "n/a", "null", "none", "-", "."}


@dataclass(frozen=True)
class Profile:
    """One sample's expression over the model's genes (NaN where the gene is missing)."""

    sample: str
    values: np.ndarray
    warnings: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    # notes about the whole file, said with each of its samples by the CLI and API: they can name other samples
    # (often laboratory or patient identifiers), so a case never keeps them (GenomicsModel.as_saved)
    file_warnings: tuple[str, ...] = ()


@dataclass
class ExpressionFile:
    """What a file held: the samples that can be scored, those refused (with why), and file notes."""

    profiles: list[Profile] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # sample -> message
    file_warnings: list[str] = field(default_factory=list)
    orientation: str = ""
    n_genes_in_file: int = 0
    sample_order: list[str] = field(default_factory=list)  # every sample, in the file's order


def _missing(n: int, of: int) -> str:
    """"1 of the 100 genes the model needs is missing", "5 ... are missing" (a review read "1 ... are missing")."""
    return f"{n} of the {of} genes the model needs {'is' if n == 1 else 'are'} missing"


def _gene_key(name: str) -> str:
    return str(name).strip().upper()


def _listing(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# Values a file may hold: 20,000 genes for 500 samples. A 50 MB file of one-digit cells is 25 million of them,
# about 2 GB as Python strings, read before anything was checked (a security review's look at the table readers).
MAX_CELLS = 10_000_000


def _within_limit(rows, name: str) -> list[list[str]]:
    """The rows, stopped as soon as they pass MAX_CELLS."""
    out, cells = [], 0
    for row in rows:
        cells += len(row)
        if cells > MAX_CELLS:
            raise InputError(f"{name} holds more than {MAX_CELLS:,} values; the limit is {MAX_CELLS:,} (for example "
                             "20,000 genes for 500 samples): send the samples in parts.")
        out.append(row)
    return out


def _workbook_rows(data: bytes, name: str) -> list[list[str]]:
    """The first sheet's cells as text, within the workbook limits (security/workbooks.py) and MAX_CELLS."""
    return xlsx_rows(data, name, max_cells=min(MAX_CELLS, WORKBOOK_CELLS))


def read_raw_table(data: bytes, name: str) -> np.ndarray:
    """The file as a 2-D array of stripped strings, no header interpreted yet (numpy: files are 2,000+ wide)."""
    kind = uploads.check(data, name, "genomics")
    if not data.strip():
        raise InputError(f"{name} is empty: upload a matrix of expression values (genes by samples).")
    if kind == "xlsx":
        rows = _workbook_rows(data, name)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        first = text.splitlines()[0] if text.splitlines() else ""
        sep = "\t" if first.count("\t") > max(first.count(","), first.count(";")) else (
            ";" if first.count(";") > first.count(",") else ",")
        try:
            rows = _within_limit(csv.reader(io.StringIO(text), delimiter=sep), name)
        except csv.Error as exc:
            raise InputError(f"{name} is not a regular table: {exc}") from None
    rows = [r for r in rows if any(c.strip() for c in r)]  # empty rows, as a sheet's gap of a million, are not data
    width = max((len(r) for r in rows), default=0)
    if len(rows) * width > MAX_CELLS:  # a ragged file: one long row would pad every short one (16,384 each)
        raise InputError(f"{name} is {len(rows):,} rows by {width:,} columns once its rows are made the same length, "
                         f"more than {MAX_CELLS:,} values: a matrix has one value per gene and sample.")
    table = np.array([[c.strip() for c in r] + [""] * (width - len(r)) for r in rows], dtype=object).reshape(-1, width)
    filled = table != ""
    table = table[filled.any(axis=1)][:, filled.any(axis=0)] if table.size else table
    if table.size == 0:
        raise InputError(f"{name} is empty: upload a matrix of expression values (genes by samples).")
    return table


def orient(table: np.ndarray, known: set[str], name: str) -> tuple[list[str], list[str], np.ndarray, str]:
    """Sample names, gene identifiers, values (samples x genes, strings), and which way the file was."""
    first_row = [_gene_key(v) for v in table[0]]
    first_col = [_gene_key(v) for v in table[:, 0]]
    in_row = sum(v in known for v in first_row)
    in_col = sum(v in known for v in first_col)
    if in_row == 0 and in_col == 0:
        example = ", ".join(sorted(known, key=lambda g: (len(g), g))[:3])
        raise InputError(f"{name}: no gene identifiers of this model were found in the first row or the first "
                         f"column. The model expects its gene identifiers (e.g. {example}) as column headers "
                         "(samples as rows) or down the first column (samples as columns).")
    if in_row >= in_col:  # genes across the header row
        body = table[1:]
        has_ids = first_row[0] not in known
        genes = first_row[1:] if has_ids else first_row
        samples = list(body[:, 0]) if has_ids else [f"sample {i}" for i in range(1, len(body) + 1)]
        values = body[:, 1:] if has_ids else body
        orientation = "samples as rows"
    else:  # genes down the first column
        has_header = first_col[0] not in known
        body = table[1:] if has_header else table
        genes = [_gene_key(v) for v in body[:, 0]]
        samples = list(table[0, 1:]) if has_header else [f"sample {i}" for i in range(1, table.shape[1])]
        values = body[:, 1:].T
        orientation = "samples as columns"
    # a header that names the column's kind, not a sample ("gene,value" for one profile), is no name: the sample
    # was called "value" in every table, warning and chart (a review)
    samples = [str(s) if s and str(s).strip().lower() not in GENERIC_HEADERS else f"sample {i}"
               for i, s in enumerate(samples, start=1)]
    seen: dict[str, int] = {}
    unique = []
    for s in samples:  # two samples with the same name stay apart
        seen[s] = seen.get(s, 0) + 1
        unique.append(s if seen[s] == 1 else f"{s} ({seen[s]})")
    return unique, genes, values, orientation


GENERIC_HEADERS = {"value", "values", "expression", "log ratio", "log_ratio", "logratio", "ratio", "signal",
                   "intensity", "level", "score", "x"}


def _parse(cell: str) -> float | None:
    """A number, NaN for an empty/NA cell, or None when the cell is not a number."""
    if cell.strip().lower() in MISSING_TOKENS:
        return float("nan")
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


def read_expression(data: bytes, name: str, *, genes: list[str], model_genes: list[str],
                    training_range: tuple[float, float], training_median: float,
                    training_spread: float | None = None, refuse_fraction: float = 0.1) -> ExpressionFile:
    """Validate a file against the model's genes and training scale; see the module docstring."""
    table = read_raw_table(data, name)
    known = {_gene_key(g) for g in genes}
    samples, cols, matrix, orientation = orient(table, known, name)
    result = ExpressionFile(orientation=orientation, sample_order=samples)

    unknown = [c for c in cols if c not in known and c]
    gene_cols = [c for c in cols if c in known]
    result.n_genes_in_file = len(set(gene_cols))
    if len(set(gene_cols)) < 2:
        only = f" ({gene_cols[0]})" if gene_cols else ""
        raise InputError(f"{name} holds only one gene{only}: the model needs an expression profile of "
                         f"{len(model_genes)} genes per sample, one gene per row or per column.")
    counts = pd.Series(gene_cols).value_counts()
    dup = counts[counts > 1]
    if len(dup):
        listed = _listing([f"{g} ({n} times)" for g, n in dup.items()])
        raise InputError(f"{name}: {len(dup)} gene identifier(s) appear more than once: {listed}. Keep one value "
                         "per gene and sample (average replicate spots first if that is intended).")
    if unknown:
        result.file_warnings.append(f"{len(unknown)} column(s) or row(s) not among the model's genes were ignored: "
                                    f"{_listing(unknown, 5)}.")
    if not samples:
        raise InputError(f"{name} has gene identifiers but no expression values.")

    column_of = {g: j for j, g in enumerate(cols) if g in known}
    model_keys = [_gene_key(g) for g in model_genes]
    absent = {g for g in model_keys if g not in column_of}
    parsed = np.full((len(samples), len(model_keys)), np.nan)
    bad: dict[str, list[str]] = {}
    for j, g in enumerate(model_keys):
        if g in absent:
            continue
        for i, cell in enumerate(matrix[:, column_of[g]]):
            v = _parse(str(cell))
            if v is None:
                bad.setdefault(samples[i], []).append(f"{g} = '{str(cell)[:20]}'")
            else:
                parsed[i, j] = v

    # A sample of text in every gene the model reads is an annotation (GEO tables carry "Description", "Gene
    # symbol"), not a sample: it was refused as "100 non-numeric value(s)", the file's exit status with it (a review)
    present = len(model_keys) - len(absent)
    notes = [s for s in samples if present and len(bad.get(s, ())) == present]
    if notes and len(notes) < len(samples):
        keep = [i for i, s in enumerate(samples) if s not in notes]
        samples, parsed = [samples[i] for i in keep], parsed[keep]
        result.sample_order = samples
        for s in notes:
            bad.pop(s, None)
        result.file_warnings.append(f"{_listing(notes, 5)} hold{'s' if len(notes) == 1 else ''} text, not expression "
                                    "values: ignored as annotation.")
    lo, hi = training_range
    finite = parsed[np.isfinite(parsed)]
    if finite.size:
        _check_scale(parsed, name, lo, hi, training_median)
        if training_spread and (note := _check_spread(parsed, name, training_spread)):
            result.file_warnings.append(note)

    n_required = len(model_keys)
    for i, sample in enumerate(samples):
        if sample in bad:
            result.errors[sample] = (f"{len(bad[sample])} non-numeric value(s): {_listing(bad[sample], 5)}. "
                                     "Use numbers with a decimal point; leave a cell empty if not measured.")
            continue
        row = parsed[i]
        missing = [model_keys[j] for j in range(n_required) if np.isnan(row[j])]
        share = len(missing) / n_required
        if share > refuse_fraction:
            result.errors[sample] = (f"{_missing(len(missing), n_required)} "
                                     f"({share:.0%}; at most {refuse_fraction:.0%} can be filled in): "
                                     f"{_listing(missing)}.")
            continue
        warnings = []
        if missing:
            warnings.append(f"{_missing(len(missing), n_required)} and {'was' if len(missing) == 1 else 'were'} set "
                            f"to the training average (they contribute nothing): {_listing(missing)}.")
        outside = np.sum((row < lo - 1) | (row > hi + 1))
        if outside > 0.2 * np.sum(np.isfinite(row)):  # one sample on another scale within a log-scale file
            result.errors[sample] = (f"{int(outside)} of its values lie outside the training range ({lo:.1f} to "
                                     f"{hi:.1f}): this sample looks like it is on another scale (counts or "
                                     "intensities rather than log ratios).")
            continue
        if outside:
            warnings.append(f"{int(outside)} value(s) lie outside the range seen in training ({lo:.1f} to {hi:.1f}).")
        result.profiles.append(Profile(str(sample), row, tuple(warnings), tuple(missing)))
    _note_identical(result)
    return result


def _note_identical(result: ExpressionFile) -> None:
    """Say when profiles of a file are identical over the model's genes: ten copies of one profile were ten
    confident calls with no word (a clinical-safety review), and two tumours never give the same values."""
    groups: dict[bytes, list[str]] = {}
    for p in result.profiles:
        groups.setdefault(np.nan_to_num(p.values, nan=np.inf).round(6).tobytes(), []).append(p.sample)
    copies = [names for names in groups.values() if len(names) > 1]
    if copies:
        said = "; ".join(_listing(names, 5) for names in copies[:3])
        result.file_warnings.append(f"Some samples have identical values over the model's genes ({said}): copies of "
                                    "one profile, not separate tumours. Check the file before reading them as a cohort.")


def _check_scale(parsed: np.ndarray, name: str, lo: float, hi: float, median: float) -> None:
    """Refuse a file whose values are plainly on another scale than the training data's log ratios.
    (A single sample on another scale in an otherwise fine file is refused on its own, later.)"""
    values = parsed[np.isfinite(parsed)]
    v_med, v_max, v_min = float(np.median(values)), float(np.max(values)), float(np.min(values))
    integer_share = float(np.mean(values == np.round(values)))
    train = f"log expression ratios (training values {lo:.1f} to {hi:.1f}, median {median:.2f})"
    if v_min >= 0 and (v_max > 100 or (integer_share > 0.9 and v_max > 20)):
        kind = "raw counts" if integer_share > 0.9 else "unlogged intensities"
        raise InputError(f"{name}: the values look like {kind} (all non-negative, median {v_med:,.1f}, maximum "
                         f"{v_max:,.0f}), but the model was trained on {train}. Give log-scale values from the same "
                         "kind of array; counts cannot be scored.")
    with np.errstate(invalid="ignore"):
        outside = np.nanmean((parsed < lo - 1) | (parsed > hi + 1), axis=1)  # per sample
    typical = float(np.median(outside))
    if typical > 0.05 or abs(v_med - median) > 3:
        raise InputError(f"{name}: the values are on another scale than the training data (median {v_med:.2f}, "
                         f"{typical:.0%} outside the training range in a typical sample); the model expects {train}.")


# Training profiles' own spreads lie within 0.67-1.40 of their median (over the model's 100 genes); a file's
# median beyond these bounds is on another scale.
SPREAD_BOUNDS = (0.55, 1.8)
# The median of 8 or more training profiles' spreads lies within 0.79-1.32 of the training median (20,000 random
# draws of 8; of 10: 0.79-1.24), so a cohort's median outside 0.8-1.25 is likely on another scale: natural-log
# values given for log2 ratios are 0.69 (a scale a single profile's own spread cannot tell from a tumour's).
COHORT_SPREAD_BOUNDS = (0.8, 1.25)
COHORT_SPREAD_MIN_PROFILES = 8


def _check_spread(parsed: np.ndarray, name: str, training_spread: float) -> str | None:
    """Refuse a file whose profiles are spread much less or more than the training data's: log ratios to another
    base (log10 is 0.3 of log2) or another normalisation keep the median and range and pass `_check_scale`, and
    half the profiles, halved, were then classified (a review). A cohort spread somewhat less or more gets a note
    (returned): the 63 training profiles given as natural logs kept their classes, but nine of them
    were called unlike every class, three others no longer were, and the median top probability fell from 0.995
    to 0.971."""
    with np.errstate(invalid="ignore"):
        spreads = np.nanpercentile(parsed, 75, axis=1) - np.nanpercentile(parsed, 25, axis=1)
    spreads = spreads[np.isfinite(spreads)]
    if not spreads.size:
        return None
    ratio = float(np.median(spreads)) / training_spread
    measured = (f"interquartile range over the model's genes {np.median(spreads):.2f} against "
                f"{training_spread:.2f}")
    if not SPREAD_BOUNDS[0] <= ratio <= SPREAD_BOUNDS[1]:
        raise InputError(f"{name}: the values are spread {ratio:.2f} times as widely as the training profiles' "
                         f"({measured}): another log base or normalisation? The model expects log "
                         "expression ratios as in the training data.")
    if spreads.size >= COHORT_SPREAD_MIN_PROFILES and not COHORT_SPREAD_BOUNDS[0] <= ratio <= COHORT_SPREAD_BOUNDS[1]:
        return (f"These {spreads.size} profiles are spread {ratio:.2f} times as widely as the training profiles "
                f"({measured}), where random sets of {COHORT_SPREAD_MIN_PROFILES} or more training profiles lie within "
                f"{COHORT_SPREAD_BOUNDS[0]:.2f}-{COHORT_SPREAD_BOUNDS[1]:.2f}. Another log base (from base 2 to natural logs multiplies "
                "the spread by 0.69) or normalisation? The probabilities and the check for profiles unlike every training class both "
                "assume the training scale: check the file's before relying on them.")
    return None


def profile_from_mapping(values: dict[str, object], sample: str, *, model_genes: list[str],
                         refuse_fraction: float = 0.1) -> Profile:
    """One profile from gene -> value (e.g. JSON from the API); the same rules as for files."""
    keyed = {_gene_key(k): v for k, v in values.items()}
    row = np.full(len(model_genes), np.nan)
    bad = []
    for j, g in enumerate(model_genes):
        v = keyed.get(_gene_key(g))
        if v is None:
            continue
        parsed = _parse(str(v))
        if parsed is None:
            bad.append(f"{g} = '{str(v)[:20]}'")
        else:
            row[j] = parsed
    if bad:
        raise InputError(f"{sample}: {len(bad)} non-numeric value(s): {_listing(bad, 5)}.")
    missing = [g for g, v in zip(model_genes, row) if np.isnan(v)]
    if len(missing) / len(model_genes) > refuse_fraction:
        raise InputError(f"{sample}: {_missing(len(missing), len(model_genes))}: "
                         f"{_listing(missing)}.")
    warnings = (f"{_missing(len(missing), len(model_genes))} and {'was' if len(missing) == 1 else 'were'} set to the "
                f"training average: {_listing(missing)}.",) if missing else ()
    return Profile(sample, row, warnings, tuple(missing))


def profile_csv(profile: Profile, model_genes: list[str]) -> bytes:
    """A saved sample: gene,value rows (what a case stores as this analysis's input)."""
    sample = re.sub(r"[,\r\n]", " ", profile.sample)
    lines = [f"gene,{sample}"]
    lines += [f"{g},{'' if np.isnan(v) else repr(float(v))}" for g, v in zip(model_genes, profile.values)]
    return ("\n".join(lines) + "\n").encode()
