"""Tables as spreadsheets: an Excel workbook (openpyxl, only here) and CSV that Excel opens with its Chinese intact;
an exam's results in either."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from kb.workflow.rankings import PERSON_COLUMNS, UNIT_COLUMNS, ExamResults

MAX_COLUMN_WIDTH = 60
PERSON_SHEET, UNIT_SHEET = "个人排名", "单位排名"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # spreadsheet programs run such cells as formulas


@dataclass(frozen=True)
class Sheet:
    """One table: its sheet name, column names and rows."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple, ...]


def _width(value: object) -> int:
    """Columns a value takes on screen: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per table: header bold and frozen, each column as wide as its longest cell."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title)
        ws.append(list(sheet.header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append(list(row))
        for cell in (c for r in ws.iter_rows(min_row=2) for c in r):
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # text as typed, never a formula
        for column in ws.columns:
            widest = max(_width(c.value) for c in column if c.value is not None)
            ws.column_dimensions[column[0].column_letter].width = min(widest + 2, MAX_COLUMN_WIDTH)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # defused: Excel shows the text instead of running it
    return value


def write_csv(sheet: Sheet) -> bytes:
    """One table as CSV in UTF-8 with a BOM (so Excel opens the Chinese correctly), lines ending CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.header)
    writer.writerows([_cell(v) for v in row] for row in sheet.rows)
    return buffer.getvalue().encode("utf-8-sig")


def person_sheet(results: ExamResults) -> Sheet:
    return Sheet(PERSON_SHEET, PERSON_COLUMNS, tuple(results.person_rows()))


def unit_sheet(results: ExamResults) -> Sheet:
    return Sheet(UNIT_SHEET, UNIT_COLUMNS, tuple(results.unit_rows()))


def results_xlsx(results: ExamResults) -> bytes:
    """An exam's results as a workbook: the 个人排名 and 单位排名 sheets."""
    return write_xlsx([person_sheet(results), unit_sheet(results)])


def results_csv(results: ExamResults, by_unit: bool = False) -> bytes:
    """An exam's ranking by person (or by unit) as CSV."""
    return write_csv(unit_sheet(results) if by_unit else person_sheet(results))
