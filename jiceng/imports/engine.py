"""The one import engine: read → find the header → clean and validate every row →
plan (new / changed / unchanged) → write everything in one transaction, or nothing.

A `Spec` (see specs.py) declares, per importable model, its columns (Chinese
header + aliases), how a row is cleaned and matched to an existing record, and
how planned rows are written. The web page, the background job and the
`jiceng import` command all call `validate()` and `apply()` here.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import bulk, cleaning, parallel, reading
from .safety import RefusedFile, check_file

BATCH_SIZE = 1000
PREVIEW_LIMIT = 200


class Cancelled(Exception):
    """The user pressed cancel; the transaction rolls back."""


@dataclass(frozen=True)
class Col:
    """One column of an import template and of the matching export."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()  # offered as a drop-down in the template
    read_only: bool = False  # exported for reference, ignored on import

    def names(self) -> set[str]:
        return {_normal_header(n) for n in (self.header, *self.aliases)}


@dataclass
class RowError:
    row: int  # 1-based row number as the spreadsheet shows it
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(slots=True)
class Planned:
    """One valid row and what it will do."""

    row: int
    action: str  # "new" | "changed" | "unchanged"
    values: dict[str, Any]
    existing: Any = None
    diff: dict[str, tuple[str, str]] | None = None
    sealed: Any = None  # what spec.seal() made of it, just before it is written


@dataclass
class Result:
    kind: str
    header_row: int = 0
    columns: dict[int, str] = field(default_factory=dict)  # sheet column index -> key
    notices: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    rows_total: int = 0

    def count(self, action: str) -> int:
        return sum(1 for p in self.planned if p.action == action)

    @property
    def ok(self) -> bool:
        return not self.errors and self.rows_total > 0

    def summary(self) -> dict[str, int]:
        return {
            "new": self.count("new"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "errors": len(self.errors),
            "rows": self.rows_total,
            "header_row": self.header_row,
            "columns": {key: index for index, key in self.columns.items()},
        }

    def preview(self, limit: int = PREVIEW_LIMIT) -> list[dict[str, Any]]:
        changed = (p for p in self.planned if p.action == "changed")
        return [
            {"row": p.row, "label": str(p.values.get("_label", "")), "diff": p.diff}
            for p in itertools.islice(changed, limit)
        ]


Progress = Callable[..., None]


def _no_progress(**counts: int) -> None:
    return None


def _normal_header(value: Any) -> str:
    return cleaning.compact(value).replace("*", "").replace("（必填）", "").replace("(必填)", "")


def find_header(rows: list[list], spec) -> tuple[int, dict[int, str], list[str]]:
    """The first row (among the first few) that names at least two template columns."""
    lookup = {name: col for col in spec.columns for name in col.names()}
    for index, row in enumerate(rows[: reading.HEADER_SEARCH_ROWS]):
        matched = {
            i: lookup[_normal_header(v)] for i, v in enumerate(row) if _normal_header(v) in lookup
        }
        if len(matched) >= 2:
            return index, *_map_columns(row, matched)
    raise RefusedFile(
        _("没有找到表头行。表头应包含这些列名之一：%(names)s。请使用模板或检查列名。")
        % {"names": "、".join(c.header for c in spec.columns if c.required)}
    )


def _map_columns(row: list, matched: dict[int, Col]) -> tuple[dict[int, str], list[str]]:
    notices, columns, seen = [], {}, set()
    for index, value in enumerate(row):
        label = cleaning.text(value)
        col = matched.get(index)
        if col is None:
            if label:
                notices.append(_("未知列“%(name)s”已忽略。") % {"name": label})
        elif col.read_only:
            notices.append(_("“%(name)s”列仅供参考，导入时忽略。") % {"name": label})
        elif col.key in seen:
            notices.append(_("“%(name)s”列重复，只读取第一列。") % {"name": label})
        else:
            columns[index] = col.key
            seen.add(col.key)
    return columns, notices


def validate(spec, path: Path, filename: str, progress: Progress = _no_progress) -> Result:
    """Read and check every row; write nothing."""
    file_type = check_file(path, filename)
    # Rows are streamed, not listed: 100,000 rows as Python lists cost ~100 MB.
    rows = _refusing_unreadable(reading.iter_rows(path, file_type))
    head = list(itertools.islice(rows, reading.HEADER_SEARCH_ROWS))
    result = Result(kind=spec.kind)
    result.header_row, result.columns, result.notices = find_header(head, spec)
    missing = [
        c.header for c in spec.columns if c.required and c.key not in result.columns.values()
    ]
    if missing:
        raise RefusedFile(_("缺少必填列：%(cols)s。") % {"cols": "、".join(missing)})
    body = _numbered(itertools.chain(head, rows), result.header_row)
    work = functools.partial(clean_batch, columns=result.columns)
    with collector_paused():
        for cleaned in parallel.map_batches(spec, work, _batched(body, BATCH_SIZE)):
            _plan_batch(spec, cleaned, result)
            progress(validated=result.rows_total)
    if result.rows_total == 0:
        result.notices.append(_("表头下面没有数据行。"))
    return result


@contextlib.contextmanager
def collector_paused():
    """No cyclic garbage collection while an import builds its plan: the plan is
    100,000s of long-lived dicts, and each full collection walked all of them
    again (measured: about a quarter of the import's CPU). Reference counting still
    frees everything that is not in a cycle; the collector resumes afterwards."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _refusing_unreadable(rows: Iterator[list]) -> Iterator[list]:
    try:
        yield from rows
    except (UnicodeDecodeError, ValueError) as exc:
        raise RefusedFile(_("文件内容无法读取，请确认是 .xlsx 或 .csv 表格。")) from exc
    except Exception as exc:  # calamine raises its own error types for broken files
        raise RefusedFile(_("文件已损坏，无法打开。")) from exc


def _numbered(rows: Iterable[list], header_row: int) -> Iterator[tuple[int, list]]:
    """The rows below the header, each with its row number as the spreadsheet shows it."""
    return enumerate(itertools.islice(rows, header_row + 1, None), start=header_row + 2)


def clean_batch(spec, batch: list[tuple[int, list]], columns: dict[int, str]) -> list[tuple]:
    """(row number, raw, values, errors) for each row that is not blank.

    Pure: no database, no state shared between rows, so it may run in a worker process."""
    cleaned = []
    for row_number, row in batch:
        raw = {key: row[i] if i < len(row) else "" for i, key in columns.items()}
        if any(cleaning.text(v) for v in raw.values()):
            cleaned.append((row_number, raw, *clean_row(spec, row_number, raw)))
    return cleaned


def _plan_batch(spec, batch: list[tuple], result: Result) -> None:
    cleaned = []
    for row_number, raw, values, errors in batch:
        result.rows_total += 1
        if errors:
            result.errors.extend(errors)
        else:
            cleaned.append((row_number, raw, values))
    for planned_or_error in spec.plan(cleaned):
        if isinstance(planned_or_error, RowError):
            result.errors.append(planned_or_error)
        else:
            result.planned.append(planned_or_error)


def clean_row(spec, row_number: int, raw: dict[str, Any]):
    values, errors = {}, []
    for col in spec.columns:
        if col.read_only or col.key not in raw and not col.required:
            continue
        value = raw.get(col.key, "")
        try:
            cleaned = values[col.key] = spec.cleaner(col.key)(value)
            if col.required and cleaned in ("", None):
                raise ValidationError(_("必填项不能为空。"))
        except ValidationError as exc:
            errors.append(
                RowError(row_number, col.header, cleaning.text(value), " ".join(exc.messages))
            )
    if not errors:
        try:
            spec.check_row(values)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                header = spec.header_of(key)
                errors.append(
                    RowError(
                        row_number, header, cleaning.text(raw.get(key, "")), " ".join(messages)
                    )
                )
    return values, errors


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def apply(spec, result: Result, progress: Progress = _no_progress, cancelled=lambda: False) -> int:
    """Write every planned row in one transaction; a cancel or a crash leaves nothing."""
    if result.errors:
        raise RefusedFile(_("文件中有错误，未导入任何数据。"))
    todo = [p for p in result.planned if p.action != "unchanged"]
    batches = list(_batched(todo, BATCH_SIZE))
    inputs = ([spec.seal_input(p) for p in batch] for batch in batches)
    written = 0
    with collector_paused(), transaction.atomic(), bulk.roomy_sqlite_cache():
        # Workers seal the next batches while this process writes (see parallel.py:
        # they never use the connection whose transaction is open here).
        sealed_batches = parallel.map_batches(spec, _seal, inputs)
        for batch, sealed in zip(batches, sealed_batches, strict=True):
            if cancelled():
                raise Cancelled
            for planned, seal in zip(batch, sealed, strict=True):
                planned.sealed = seal
            spec.write(
                [p for p in batch if p.action == "new"], [p for p in batch if p.action == "changed"]
            )
            for planned in batch:
                planned.sealed = None  # 100,000 sealed rows would cost ~80 MB
            written += len(batch)
            progress(written=written)
            spec.pause()
        if cancelled():
            raise Cancelled
    return written


def _seal(spec, inputs: list) -> list:
    return spec.seal(inputs)
