"""Exports from one iterator: the same rows become .xlsx or .csv.

Rows are read with queryset.iterator() and written as they come (xlsxwriter's
constant-memory mode, a streaming CSV response), so memory stays flat however
many rows are exported.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone


@dataclass(frozen=True)
class Column:
    """A column of a list page and of its export."""

    header: str
    value: Callable[[Any], Any]
    link: bool = False  # render as a link to the record's page in HTML
    wide_only: bool = False  # hidden on phones, where only the key columns fit

    def cell(self, obj) -> Any:
        value = self.value(obj)
        return "" if value is None else value


def rows(objects: Iterable, columns: list[Column]) -> Iterator[list[Any]]:
    for obj in objects:
        yield [column.cell(obj) for column in columns]


def _filename(basename: str, ext: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{basename}-{stamp}.{ext}"


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def write_xlsx(target, sheet_name: str, columns: list[Column], objects: Iterable) -> int:
    """Write the rows to `target` (a path or binary file) in constant memory; return the count."""
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "in_memory": False,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
        },
    )
    sheet = book.add_worksheet(sheet_name[:31])
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [str(c.header) for c in columns], bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, values in enumerate(rows(objects, columns), start=1):
        for col, value in enumerate(values):
            if hasattr(value, "isoformat"):
                sheet.write_datetime(count, col, value, date_format)
            else:
                # Strings stay strings: an ID number must never become 1.5E+17.
                sheet.write_string(count, col, str(value))
    book.close()
    return count


def xlsx_response(basename: str, columns: list[Column], objects: Iterable) -> FileResponse:
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(spool, basename, columns, objects)
    spool.seek(0)
    response = FileResponse(
        spool, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = _disposition(_filename(basename, "xlsx"))
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[Column], objects: Iterable) -> Iterator[str]:
    """The rows as CSV text lines, BOM first so that Excel opens UTF-8 correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([str(c.header) for c in columns])
    for values in rows(objects, columns):
        yield writer.writerow([_csv_safe(v) for v in values])


def csv_response(basename: str, columns: list[Column], objects: Iterable):
    response = StreamingHttpResponse(
        csv_lines(columns, objects), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _disposition(_filename(basename, "csv"))
    return response


def _csv_safe(value: Any) -> str:
    """Neutralize spreadsheet formulas (CSV injection)."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


EXPORTERS = {"xlsx": xlsx_response, "csv": csv_response}
