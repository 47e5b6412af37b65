import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's check with a Chinese message: Django 5.2's zh_Hans catalog leaves
    the minimum-length message in English."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return self.get_error_message()


class CharacterClassValidator:
    """Require letters and digits plus either mixed case or a symbol."""

    def validate(self, password: str, user=None) -> None:
        has_letter = re.search(r"[A-Za-z]", password)
        has_digit = re.search(r"\d", password)
        mixed_case = re.search(r"[a-z]", password) and re.search(r"[A-Z]", password)
        has_symbol = re.search(r"[^A-Za-z0-9]", password)
        if not (has_letter and has_digit and (mixed_case or has_symbol)):
            raise ValidationError(
                _("密码必须同时包含字母和数字，并包含大小写字母或特殊符号。"),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码必须同时包含字母和数字，并包含大小写字母或特殊符号。")
