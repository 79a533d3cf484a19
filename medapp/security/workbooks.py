"""An Excel (.xlsx) upload read within limits, for every table reader (case records, gene expression).

An xlsx is a ZIP of XML: a 1.6 KB file naming one cell in column XFD of row 200,000 made pandas build 200,000 rows
of 16,384 values (24 GB; the kernel killed the service), a 350 KB sheet of 9.9 million cells held a request for 162
s, and 4 million shared strings were read whole before any check (a security review). So, before a cell is parsed:
the parts' unpacked sizes from the ZIP's directory; then the first sheet row by row (openpyxl's read-only mode, its
declared dimension ignored), stopped at the first row, column or cell past the limits. Larger tables are for CSV,
which reads far faster.
"""
from __future__ import annotations

import io
import logging
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
    the limit, a sheet past `max_rows` rows (after its header) or `max_cells` cells."""
    import openpyxl

    _check_parts(data, name)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged or password-protected workbook (openpyxl raises many types)
        raise InputError(f"{name} could not be read as an Excel workbook ({type(exc).__name__}).") from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a declared A1:XFD200000 padded every row to 16,384 cells
        return list(_within_limits(sheet.iter_rows(values_only=True), name, max_rows, max_cells))
    except InputError:
        raise
    except Exception as exc:  # as above, while the rows are read; a bug of our own check is logged
        log.warning("a workbook's rows could not be read (%s)", type(exc).__name__)  # one line per upload
        log.debug("the workbook's error", exc_info=True)  # the traceback, for a bug of our own check
        raise InputError(f"{name} could not be read as an Excel workbook ({type(exc).__name__}).") from None
    finally:
        book.close()


def _within_limits(rows, name: str, max_rows: int | None, max_cells: int) -> Iterator[list[str]]:
    cells = 0
    for number, row in enumerate(rows, start=1):
        if max_rows is not None and number > max_rows + 1:  # the header and max_rows rows
            raise InputError(f"{name} has more than {max_rows:,} rows; the limit is {max_rows:,} (send them in parts).")
        # every cell read counts, empty ones too, and every row at least one: openpyxl makes a row for each row
        # number a sheet skips (one numbered 1,000,000,000 took 6.5 GB) and a row of 7 million empty cells took 30 s
        cells += max(1, len(row))
        width = len(row)
        while width and row[width - 1] is None:
            width -= 1
        if cells > max_cells:
            raise InputError(f"{name} holds more than {max_cells:,} cells; the limit for an Excel file is "
                             f"{max_cells:,}: {CSV_HINT}.")
        yield [_text(v) for v in row[:width]]
