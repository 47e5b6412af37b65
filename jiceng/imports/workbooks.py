"""Workbooks we hand out: the blank template of a kind, and the uploaded file
given back with its bad cells highlighted and a reason column."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from . import reading
from .safety import check_file

XLSX_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True}
TEMPLATE_ROWS = 2000  # drop-downs and text format cover this many rows


def template(spec_class) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, XLSX_OPTIONS)
    sheet = book.add_worksheet(str(spec_class.label))
    notes = book.add_worksheet("填写说明")
    options = book.add_worksheet("选项")
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FCE4E4", "border": 1})
    as_text = book.add_format({"num_format": "@"})
    columns = [c for c in spec_class.columns if not c.read_only]
    for index, col in enumerate(columns):
        sheet.write(0, index, col.header, required if col.required else header)
        # Text format stops Excel from turning ID numbers and codes into numbers.
        sheet.set_column(index, index, max(10, len(col.header) * 2 + 4), as_text)
        if col.choices:
            _drop_down(sheet, options, index, col)
    sheet.freeze_panes(1, 0)
    _explain(notes, columns, header)
    options.hide()
    book.close()
    return buffer.getvalue()


def _drop_down(sheet, options, index: int, col) -> None:
    for row, choice in enumerate(col.choices):
        options.write_string(row, index, choice)
    first = xl_rowcol_to_cell(0, index, row_abs=True, col_abs=True)
    last = xl_rowcol_to_cell(len(col.choices) - 1, index, row_abs=True, col_abs=True)
    sheet.data_validation(
        1,
        index,
        TEMPLATE_ROWS,
        index,
        {
            "validate": "list",
            "source": f"=选项!{first}:{last}",
            "error_title": "请从下拉列表中选择",
            "error_message": "允许的值：" + "、".join(col.choices)[:200],
        },
    )


def _explain(notes, columns, header_format) -> None:
    notes.write_row(0, 0, ["列名", "是否必填", "可接受的别名", "说明", "允许的值"], header_format)
    for row, col in enumerate(columns, start=1):
        notes.write_row(
            row,
            0,
            [
                col.header,
                "必填" if col.required else "可空",
                "、".join(col.aliases),
                col.help,
                "、".join(col.choices),
            ],
        )
    notes.set_column(0, 0, 14)
    notes.set_column(2, 2, 24)
    notes.set_column(3, 4, 60)


def annotated(path: Path, filename: str, errors: list[dict], spec_class, summary: dict) -> bytes:
    """The uploaded rows as they were, bad cells in red, a last column with the reasons."""
    file_type = check_file(path, filename)
    by_row: dict[int, list[dict]] = defaultdict(list)
    for error in errors:
        by_row[error["row"]].append(error)
    key_of = {c.header: c.key for c in spec_class.columns}
    index_of = {key: int(i) for key, i in summary.get("columns", {}).items()}
    header_row = summary.get("header_row", 0) + 1
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, XLSX_OPTIONS)
    sheet = book.add_worksheet("错误标注")
    bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    reason_format = book.add_format({"bold": True, "font_color": "#9C0006"})
    width = 0
    for index, row in enumerate(reading.iter_rows(path, file_type)):
        number, width = index + 1, max(width, len(row))
        problems = by_row.get(number, [])
        bad_columns = {index_of.get(key_of.get(p["column"])) for p in problems}
        for col, value in enumerate(row):
            _write_cell(sheet, index, col, value, bad if col in bad_columns else None)
        if number == header_row:
            sheet.write_string(index, width, "错误原因", reason_format)
        elif problems:
            text = "；".join(f"{p['column']}：{p['reason']}" for p in problems)
            sheet.write_string(index, width, text, reason_format)
    book.close()
    return buffer.getvalue()


def _write_cell(sheet, row: int, col: int, value, cell_format) -> None:
    if hasattr(value, "isoformat"):
        sheet.write_string(row, col, value.isoformat()[:10], cell_format)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, "" if value is None else str(value), cell_format)
