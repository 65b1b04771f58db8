"""CSV and XLSX files with Chinese headers, for exports: the platform's one
spreadsheet writer (the roster and the audit log both come through here).

Spreadsheet formulas never execute. Anyone may put text into the platform (an
organisation's name, a contact, a reason), and a spreadsheet program opening an
export would run text such as `=HYPERLINK("http://x",B2)` as a formula. So
every text value that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return is written with a single quote in front (OWASP "CSV injection"), in CSV
and XLSX alike, and XLSX text cells are typed as strings, never formulas. Real
numbers stay numbers (a negative amount stays a number cell); only text is
neutralised. `restore` undoes the quote when such a file is read back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# What a spreadsheet program may read as the start of a formula (or a DDE call).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet could take for a formula, with a quote in front;
    everything else (numbers, dates, None, harmless text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """The value `neutralise` was given, for text read back from our own files."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _xlsx(headers: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet)

    def cell(value: Any) -> Any:
        value = neutralise(value)
        if not isinstance(value, str):
            return value
        # XML cannot carry most control characters: shown as U+FFFD rather than failing the export.
        text = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        text.data_type = "s"  # a string cell: never read as a formula, whatever it holds
        return text

    worksheet.append([cell(h) for h in headers])
    for row in rows:
        worksheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tabular(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, sheet: str) -> bytes:
    """The rows as a CSV (UTF-8 with a BOM, so Excel reads the Chinese) or an XLSX file."""
    if fmt == "xlsx":
        return _xlsx(headers, rows, sheet)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([neutralise(h) for h in headers])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return ("\ufeff" + text.getvalue()).encode()
