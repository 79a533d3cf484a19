"""An Excel (.xlsx) upload read within limits, for every table reader (case records, gene expression).

An xlsx is a ZIP of XML: a 1.6 KB file naming one cell in column XFD of row 200,000 made pandas build 200,000 rows
of 16,384 values (24 GB; the kernel killed the service), a 350 KB sheet of 9.9 million cells held a request for 162
s, and 4 million shared strings were read whole before any check (a security review). So, before a cell is parsed:
the parts' unpacked sizes from the ZIP's directory; then a sheet row by row (openpyxl's read-only mode, its declared
dimension ignored), stopped at the first row, column or cell past the limits (counted over every sheet read). Larger
tables are for CSV, which reads far faster. A sheet with formulas is read a second time, as written, to find the
cells whose result was never stored (read as empty, they were taken for values not measured).
"""
from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator

from ..types import InputError

log = logging.getLogger(__name__)

MAX_CELLS = 500_000  # about 5 s of openpyxl at worst on two cores: 20,000 patients of 25 fields, 2,308 genes x 200
MAX_SHARED_STRINGS_BYTES = 20_000_000  # the workbook's table of distinct texts (labels, names): a few MB at most
# One sheet's XML: about 30 bytes a numeric cell, so 500,000 cells are about 15 MB. openpyxl reads a whole sheet
# that declares no dimension before the first row (about 3 s for 15 MB here), so this bounds that too.
MAX_SHEET_BYTES = 15_000_000
CSV_HINT = "save it as CSV, which has no such limit and reads far faster"


def _check_parts(data: bytes, name: str) -> None:
    try:
        parts = {info.filename: info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # openpyxl names the damage
    strings = sum(size for part, size in parts.items() if part.lower().endswith("sharedstrings.xml"))
    if strings > MAX_SHARED_STRINGS_BYTES:
        raise InputError(f"{name}: its table of texts unpacks to {strings / 1e6:,.0f} MB, far more than a table of "
                         f"patients or samples holds; {CSV_HINT}.")
    sheets = [size for part, size in parts.items() if part.lower().startswith("xl/worksheets/")]
    if sheets and max(sheets) > MAX_SHEET_BYTES:
        raise InputError(f"{name}: a sheet unpacks to {max(sheets) / 1e6:,.0f} MB; the limit is "
                         f"{MAX_SHEET_BYTES / 1e6:,.0f} MB: {CSV_HINT}.")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 63, not 63.0; a gene id 7157, not 7157.0 (as pandas read them)
    return str(value)


def xlsx_rows(data: bytes, name: str, *, max_rows: int | None = None, max_cells: int = MAX_CELLS) -> list[list[str]]:
    """The first sheet's rows as text ("" for an empty cell), each as long as its last filled cell. Refuses, naming
    the limit, a sheet past `max_rows` rows (after its header) or `max_cells` cells, and a sheet with formulas whose
    result was never stored (uncalculated_formulas)."""
    for _title, rows, formulas in xlsx_sheets(data, name, max_rows=max_rows, max_cells=max_cells):
        if formulas:
            raise InputError(formulas)
        return rows
    raise InputError(f"{name} has no sheet.")


def xlsx_sheets(data: bytes, name: str, *, max_rows: int | None = None,
                max_cells: int = MAX_CELLS) -> Iterator[tuple[str, list[list[str]], str]]:
    """Each sheet in the workbook's order, read when asked for: (its name, its rows as xlsx_rows gives them, why its
    formulas cannot be read or ""). The cell limit is for all the sheets read together."""
    _check_parts(data, name)
    book = _open(data, name, data_only=True)
    with_formulas = _sheets_with_formulas(data)
    formula_book = None
    try:
        budget = [max_cells]
        for index, sheet in enumerate(book.worksheets):
            sheet.reset_dimensions()  # a declared A1:XFD200000 padded every row to 16,384 cells
            try:
                rows = list(_within_limits(sheet.iter_rows(values_only=True), name, max_rows, max_cells, budget))
                problem = ""
                if index in with_formulas:  # read a second time, as written: a formula's text where its value is None
                    formula_book = formula_book or _open(data, name, data_only=False)
                    problem = uncalculated_formulas(rows, formula_book.worksheets[index], name)
            except InputError:
                raise
            except Exception as exc:  # as in _open, while the rows are read; a bug of our own check is logged
                log.warning("a workbook's rows could not be read (%s)", type(exc).__name__)  # one line per upload
                log.debug("the workbook's error", exc_info=True)  # the traceback, for a bug of our own check
                raise InputError(f"{name} could not be read as an Excel workbook ({type(exc).__name__}).") from None
            yield sheet.title, rows, problem
    finally:
        book.close()
        if formula_book is not None:
            formula_book.close()


def other_sheets_tops(data: bytes, name: str, read: str, rows: int = 10) -> list[tuple[str, list[list[str]]]]:
    """(name, first rows as text) of each of the workbook's sheets other than `read`, for a reader to tell whether
    they hold what it read (only those rows are read): a workbook of two years' patients on two sheets was scored
    from the first alone, and a "Template" sheet of one example row before the data sheet gave one result for 614
    patients (an EHR re-check)."""
    book = _open(data, name, data_only=True)
    try:
        return [(sheet.title, [[_text(v) for v in row] for row in sheet.iter_rows(max_row=rows, max_col=200,
                                                                                  values_only=True)])
                for sheet in book.worksheets if sheet.title != read]
    finally:
        book.close()


def _open(data: bytes, name: str, *, data_only: bool):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # noqa: BLE001 - a damaged or password-protected workbook (openpyxl raises many types)
        raise InputError(f"{name} could not be read as an Excel workbook ({type(exc).__name__}).") from None


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _sheets_with_formulas(data: bytes) -> set[int]:
    """Positions (in the workbook's order) of the sheets whose XML holds a formula: only they are read twice."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = sorted((p for p in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", p, re.I)),
                       key=lambda p: int(re.sub(r"\D", "", p.rsplit("/", 1)[1])))
        found = {p for p in parts if _FORMULA.search(z.read(p))}  # each part within MAX_SHEET_BYTES (_check_parts)
    except (zipfile.BadZipFile, ValueError, OSError, KeyError):
        return set()
    if not found:
        return set()
    # sheet1.xml is not always the first sheet: when any sheet has formulas, check every sheet the book lists
    return set(range(len(parts)))


def uncalculated_formulas(rows: list[list[str]], sheet, name: str) -> str:
    """Why a sheet cannot be read, when cells hold a formula but no stored result ("" when none does). openpyxl reads
    such a cell as empty: a script-written BMI "=ROUND(33.6,1)" was read as not measured for all 514 patients (a data
    engineer's review). Excel stores each result when it saves; writers that do not calculate store none."""
    found: dict[int, list] = {}  # column -> [first row, its formula, count]
    sheet.reset_dimensions()
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > len(rows):
            break
        values = rows[number - 1]
        for col, cell in enumerate(row):
            if isinstance(cell, str) and cell.startswith("=") and (col >= len(values) or values[col] == ""):
                found.setdefault(col, [number, cell, 0])[2] += 1
    if not found:
        return ""
    col, (row, formula, count) = next(iter(sorted(found.items())))
    header = next((r[col] for r in reversed(rows[:row - 1]) if col < len(r) and r[col].strip()), "")
    letter = _column_letter(col)
    named = f"column {letter}" + (f" ({header})" if header else "")
    more = f", and {count - 1} more cells" if count > 1 else ""
    others = [_column_letter(c) for c in sorted(found) if c != col]
    also = f" Columns {', '.join(others)} hold such formulas too." if others else ""
    return (f"{name}: {named} holds formulas whose results were never stored ({formula} in row {row}{more}), so "
            f"its values cannot be read: the program that wrote the file did not calculate them.{also} Open the file "
            "in Excel and save it (or save it as CSV), then upload it again.")


def _column_letter(index: int) -> str:
    letters, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _within_limits(rows, name: str, max_rows: int | None, max_cells: int, budget: list[int]) -> Iterator[list[str]]:
    """`budget`: the cells left for this and the workbook's later sheets (one list, counted down)."""
    for number, row in enumerate(rows, start=1):
        if max_rows is not None and number > max_rows + 1:  # the header and max_rows rows
            raise InputError(f"{name} has more than {max_rows:,} rows; the limit is {max_rows:,} (send them in parts).")
        # every cell read counts, empty ones too, and every row at least one: openpyxl makes a row for each row
        # number a sheet skips (one numbered 1,000,000,000 took 6.5 GB) and a row of 7 million empty cells took 30 s
        budget[0] -= max(1, len(row))
        width = len(row)
        while width and row[width - 1] is None:
            width -= 1
        if budget[0] < 0:
            raise InputError(f"{name} holds more than {max_cells:,} cells; the limit for an Excel file is "
                             f"{max_cells:,}: {CSV_HINT}.")
        yield [_text(v) for v in row[:width]]
