"""Reporting periods: a member's registration renews every year ("2024") or every
half-year ("2024H1"), as settings.JICENG_REPORTING_PERIOD says."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.utils import timezone

PERIOD_RE = re.compile(r"^\d{4}(H[12])?$")


def period_of(day: datetime.date, mode: str | None = None) -> str:
    mode = mode or settings.JICENG_REPORTING_PERIOD
    if mode == "half":
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    return str(day.year)


def current_period() -> str:
    return period_of(timezone.localdate())


def half_of(day: datetime.date) -> str:
    """Evaluations are half-yearly whatever the registration period."""
    return period_of(day, "half")


def period_end(period: str) -> datetime.date:
    year = int(period[:4])
    if period.endswith("H1"):
        return datetime.date(year, 6, 30)
    return datetime.date(year, 12, 31)


def period_start(period: str) -> datetime.date:
    year = int(period[:4])
    return datetime.date(year, 7, 1) if period.endswith("H2") else datetime.date(year, 1, 1)
