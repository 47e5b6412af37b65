"""Points (积分) for confirmed service, and nothing else.

Points come only from a confirmed ServiceRecord's minutes under a PointRule.
There is no rule, field or signal for logins, clicks, page views or time
online: the rules against formalism forbid rewarding those.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from .models import PointRule, ServiceRecord, ServiceRecordState

ZERO = Decimal("0.0")


def rule_for(record: ServiceRecord) -> PointRule | None:
    """The deepest rule on the way from the record's community to the root; a rule
    for the record's kind beats a rule for all kinds at the same unit."""
    ancestors = [int(p) for p in record.community.path.strip("/").split("/")]
    rules = PointRule.objects.filter(unit__in=ancestors, kind__in=[record.kind, ""])
    return max(
        rules.select_related("unit"),
        key=lambda rule: (rule.unit.depth, rule.kind == record.kind),
        default=None,
    )


def points_for(record: ServiceRecord) -> Decimal:
    rule = rule_for(record)
    if rule is None:
        return ZERO
    earned = month_points(record) if rule.max_per_month is not None else ZERO
    return award(record.minutes, rule, earned)


def award(minutes: int, rule: PointRule, earned_this_month: Decimal) -> Decimal:
    """Points for `minutes` of service under `rule`, the member having earned
    `earned_this_month` already (the demo's bulk load counts with this too)."""
    points = Decimal(minutes) / 60 * rule.points_per_hour
    if rule.max_per_record is not None:
        points = min(points, rule.max_per_record)
    if rule.max_per_month is not None:
        points = max(ZERO, min(points, rule.max_per_month - earned_this_month))
    return points.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_points(record: ServiceRecord) -> Decimal:
    confirmed = ServiceRecord.objects.filter(
        person=record.person_id,
        state=ServiceRecordState.CONFIRMED,
        date__year=record.date.year,
        date__month=record.date.month,
    ).exclude(pk=record.pk)
    total = confirmed.aggregate(total=Sum("points"))["total"] or ZERO
    # SQLite sums decimals as floats: 96.2000000000000 on the member's page.
    return Decimal(total).quantize(Decimal("0.1"))


def total_points(records) -> Decimal:
    """Points of the given (already scoped) records: confirmed ones only."""
    confirmed = records.filter(state=ServiceRecordState.CONFIRMED)
    total = confirmed.aggregate(total=Sum("points"))["total"] or ZERO
    # SQLite sums decimals as floats: 96.2000000000000 on the member's page.
    return Decimal(total).quantize(Decimal("0.1"))
