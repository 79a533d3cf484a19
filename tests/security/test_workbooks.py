"""Excel uploads are read within limits (medapp/security/workbooks.py): a re-check found a sheet that skips row
numbers still took gigabytes through the gene-expression reader (a row numbered 1,000,000,000: 6.5 GB)."""
from __future__ import annotations

import io

import openpyxl
import pytest

from medapp.security.workbooks import xlsx_rows
from medapp.types import InputError


def _workbook(cells: dict[tuple[int, int], object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for (row, column), value in cells.items():
        sheet.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_skipped_row_numbers_count_toward_the_limit():
    jump = _workbook({(1, 1): "gene", (1, 2): "S1", (2, 1): "V1", (2, 2): 1.5, (600_000, 1): 1})
    assert len(jump) < 10_000
    with pytest.raises(InputError, match=r"^x.xlsx holds more than 500,000 cells; the limit for an Excel file is"):
        xlsx_rows(jump, "x.xlsx")
    assert xlsx_rows(_workbook({(1, 1): "gene", (1, 2): "S1", (3, 1): "V1", (3, 2): 1.0}), "x.xlsx") == [
        ["gene", "S1"], [], ["V1", "1"]]  # a small gap is an empty row; 1.0 reads as 1, as pandas read it

