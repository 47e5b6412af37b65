"""Read rows from .xlsx (python-calamine) or .csv (UTF-8 with/without BOM, GBK, GB18030)
and find the header row, even below title rows and merged title cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from python_calamine import CalamineWorkbook

HEADER_SEARCH_ROWS = 30


def iter_rows(path: Path, file_type: str) -> Iterator[list]:
    if file_type == "xlsx":
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path)


def _xlsx_rows(path: Path) -> Iterator[list]:
    workbook = CalamineWorkbook.from_path(str(path))
    sheet = workbook.get_sheet_by_index(0)
    yield from sheet.iter_rows()


def decode_csv(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # GB18030 is a superset of GBK and GB2312; Excel "CSV" in China is one of them.
        return raw.decode("gb18030")


def _csv_rows(path: Path) -> Iterator[list]:
    text = decode_csv(path.read_bytes())
    yield from csv.reader(io.StringIO(text, newline=""))
