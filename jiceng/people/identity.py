"""Chinese resident ID numbers (GB 11643) and phone numbers: clean, check, derive."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "X", "－": "-", "　": " "}
)
_PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
    "91",
}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_id_number(value: str) -> str:
    return re.sub(r"\s+", "", (value or "").translate(_FULL_WIDTH)).upper()


def validate_id_number(value: str) -> str:
    """Return the normalized number, or raise ValidationError with a Chinese reason."""
    number = normalize_id_number(value)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(_("公民身份号码应为 18 位，前 17 位为数字，最后一位为数字或 X。"))
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(_("公民身份号码校验位不正确，请核对后重新输入。"))
    try:
        birth = birth_date_of(number)
    except stdnum_errors.ValidationError as exc:
        raise ValidationError(_("公民身份号码中的出生日期无效。")) from exc
    # Only the province is checked: a number keeps the area code of the office
    # that issued it, even when that code was later renamed or retired.
    if number[:2] not in _PROVINCES:
        raise ValidationError(_("公民身份号码前 2 位不是有效的省级行政区划代码。"))
    if birth > datetime.date.today():
        raise ValidationError(_("公民身份号码中的出生日期晚于今天。"))
    return number


def birth_date_of(number: str) -> datetime.date:
    """The birth date in digits 7-14 of a normalized number (as stdnum's get_birth_date,
    without its per-call cleaning, which dominated bulk imports)."""
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise stdnum_errors.InvalidComponent() from exc


def gender_of(number: str) -> str:
    """'male' or 'female' from the 17th digit (odd: male)."""
    return "male" if int(number[16]) % 2 else "female"


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", (value or "").translate(_FULL_WIDTH)).removeprefix("+86")


def validate_phone(value: str) -> str:
    phone = normalize_phone(value)
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationError(_("手机号码应为 11 位数字（以 1 开头），固定电话形如 0479-8221234。"))
    return phone
