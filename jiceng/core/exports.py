"""Exports from one iterator: the same rows become .xlsx or .csv.

Rows are read with queryset.iterator() and written as they come (a streaming
.xlsx writer, jiceng.core.xlsx; a streaming CSV response), so memory stays flat
however many rows are exported. A list with many rows may give its own lean
rows (values_list instead of model instances, see jiceng.people.exports) as long
as they equal what its columns give.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from jiceng.core import xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def headers(columns: list[Column]) -> list[str]:
    return [str(c.header) for c in columns]


def write_xlsx(target, sheet_name: str, columns: list[Column], objects: Iterable) -> int:
    """Write the objects' rows to `target` (a path or binary file); return the count."""
    return write_xlsx_rows(target, sheet_name, headers(columns), rows(objects, columns))


def write_xlsx_rows(target, sheet_name: str, header: list[str], values: Iterable[list]) -> int:
    # Strings stay strings (an ID number must never become 1.5E+17); dates are dates.
    return xlsx.write_table(target, sheet_name, header, values)


def xlsx_response(basename: str, header: list[str], values: Iterable[list]) -> FileResponse:
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx_rows(spool, basename, header, values)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(_filename(basename, "xlsx"))
    return response


def small_xlsx_response(basename: str, header: list[str], values: Iterable[list]) -> HttpResponse:
    """An .xlsx built in memory: for short tables (a plan's tasks), no temporary file."""
    buffer = io.BytesIO()
    write_xlsx_rows(buffer, basename, header, values)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(_filename(basename, "xlsx"))
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], values: Iterable[list]) -> Iterator[str]:
    """The rows as CSV text lines, BOM first so that Excel opens UTF-8 correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(header)
    for row in values:
        yield writer.writerow([_csv_safe(v) for v in row])


def csv_response(basename: str, header: list[str], values: Iterable[list]):
    response = StreamingHttpResponse(
        csv_lines(header, values), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _disposition(_filename(basename, "csv"))
    return response


def _csv_safe(value: Any) -> str:
    """Neutralize spreadsheet formulas (CSV injection)."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# exporter(basename, header, rows) -> response
EXPORTERS = {"xlsx": xlsx_response, "csv": csv_response}
