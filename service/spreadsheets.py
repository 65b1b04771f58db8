"""CSV and XLSX files with Chinese headers, for exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def tabular(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, sheet: str) -> bytes:
    """The rows as a CSV (UTF-8 with a BOM, so Excel reads the Chinese) or an XLSX file."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        worksheet = book.create_sheet(sheet)
        worksheet.append(list(headers))
        for row in rows:
            worksheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode()
