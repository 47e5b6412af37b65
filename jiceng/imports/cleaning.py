"""Cleaning what real spreadsheets contain: full-width characters, stray spaces,
dates in every shape people type, ID numbers that Excel turned into numbers."""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiceng.people import identity

_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Excel's leap-year bug)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s.*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXCEL_NUMBER_HINT = gettext_noop(
    "公民身份号码被 Excel 当成了数字，后几位已丢失。请把该列设置为“文本”格式后重新输入完整号码"
    "（或在号码前加英文单引号 '）。"
)


def text(value) -> str:
    """NFKC turns full-width digits/letters and NBSP into ASCII; spaces collapse."""
    if type(value) is str:
        return _text_of_str(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _text_of_str(str(value))


# A row's cells are cleaned several times (per column, then in cross-column checks)
# and most cells repeat across rows (community, grid, 汉族, 群众): remembered.
@functools.lru_cache(maxsize=16384)
def _text_of_str(value: str) -> str:
    # split()/join collapses the same (Unicode) whitespace as \s+, without the regex cost.
    cleaned = " ".join(unicodedata.normalize("NFKC", value).split())
    # A leading apostrophe is Excel's "text" marker (and our CSV formula guard).
    return cleaned[1:].strip() if cleaned.startswith("'") else cleaned


def compact(value) -> str:
    """Text with every space removed (codes, numbers)."""
    return text(value).replace(" ", "")


def date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    raw = compact(value)
    if not raw:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?", raw):
        return _from_serial(float(raw))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            return _checked_date(*(int(part) for part in match.groups()))
    raise ValidationError(
        _(
            "日期格式无法识别，请写成 2023-12-25、2023/12/25、2023.12.25、"
            "2023年12月25日或 20231225。"
        )
    )


def _from_serial(serial: float) -> datetime.date:
    if not 1 <= serial < 2958466:
        raise ValidationError(_("日期数值超出范围。"))
    return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def _checked_date(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError as exc:
        raise ValidationError(_("日期不存在，请核对年月日。")) from exc


def id_number(value) -> str:
    """A validated 18-character number; numbers mangled by Excel get a how-to-fix message."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValidationError(_(EXCEL_NUMBER_HINT))
    raw = compact(value)
    if re.fullmatch(r"\d(\.\d+)?[Ee]\+?\d+", raw):
        raise ValidationError(_(EXCEL_NUMBER_HINT))
    try:
        return identity.validate_id_number(raw)
    except ValidationError:
        # 15 significant digits survive in Excel; the rest become zeros.
        if re.fullmatch(r"\d{15}0{3}", raw):
            raise ValidationError(_(EXCEL_NUMBER_HINT)) from None
        raise


def phone(value) -> str:
    raw = compact(value)
    return identity.validate_phone(raw) if raw else ""


def split_list(value) -> list[str]:
    """'独居老人、低保; 残疾人' -> ['独居老人', '低保', '残疾人']"""
    return [part for part in re.split(r"[、,，;；/\s]+", text(value)) if part]
