"""Demo 双报到: every paired department reported, every in-service member reported and
assigned to their grid for the current period, named grid responsibility, and the
twelve months up to today of needs, claims and confirmed service with a seasonal
pattern (so the dashboard opens on this year, as the work lists do).

Service records are the volume (about 28 per member a year: 200,000 at scale 1,
2,000,000 at scale 10), so they are written as plain rows: COPY on PostgreSQL,
executemany elsewhere, never one model instance at a time.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from jiceng.orgs.models import DepartmentPairing, Unit
from jiceng.people.models import Person
from jiceng.reporting import points, totals
from jiceng.reporting.models import (
    DepartmentReport,
    GridResponsibility,
    MemberReport,
    NeedCategory,
    PointRule,
    ServiceClaim,
    ServiceKind,
    ServiceNeed,
    ServiceRecord,
)
from jiceng.reporting.periods import period_of

BATCH = 5000
RECORDS_PER_MEMBER = 28
NEEDS_PER_COMMUNITY_WEEK = 2
# Service by month: quiet in the winter and the Spring Festival, busy in March
# (学雷锋月), around 七一, and in the summer; relative weights.
SEASON = [0.45, 0.4, 1.4, 1.0, 1.1, 1.2, 1.5, 1.2, 1.1, 1.0, 0.8, 0.55]
MINUTES = [30, 60, 60, 90, 120, 120, 180, 240]
KINDS = list(ServiceKind.values)
KIND_WEIGHTS = [30, 12, 14, 16, 10, 10, 6, 2]
ESTATES = ["锡林小区", "额尔敦小区", "宝力根花园", "团结家园", "希日塔拉苑", "杭盖小区"]
SKILLS = ["法律咨询", "医疗保健", "文艺演出", "电脑维修", "心理疏导", "书法", "驾驶", ""]
TIMES = ["周末全天", "工作日晚上", "周六上午", "节假日"]
RESOURCES = ["场地共享", "志愿者队伍", "专业服务", "慰问物资", "资金支持"]
PROJECTS = ["邻里文化节", "为民办实事", "政策宣讲进社区", "环境整治", "关爱特殊群体"]
NEED_TITLES = {
    NeedCategory.POST: ["楼栋长助理", "社区值班", "文明劝导岗", "治安巡逻岗"],
    NeedCategory.PROJECT: ["义诊进社区", "法律咨询日", "垃圾分类宣传", "老旧小区清洁"],
    NeedCategory.WISH: ["独居老人买菜", "儿童书包", "助听器维修", "陪老人就医"],
}
VACANT_GRID_EVERY = 60  # one grid in sixty waits for a new grid worker: a gap to show


def load_reporting(
    rng: random.Random,
    grids: Sequence[Unit],
    workers: Sequence[Person],
    members: Sequence[Sequence[Person]],
    pairings: Sequence[DepartmentPairing],
) -> dict[str, int]:
    today = timezone.localdate()
    everyone = [person for group in members for person in group]
    _department_reports(rng, pairings, today.year)
    reports = _member_reports(rng, everyone, period_of(today))
    _grid_responsibility(grids, workers, reports)
    _point_rules(grids[0].path)
    needs = _needs(rng, {g.parent_id for g in grids}, today)
    claims = _claims(rng, needs, everyone)
    records = _records(rng, everyone, claims, today)
    totals.rebuild()
    return {"member_reports": len(reports), "service_needs": len(needs), "records": records}


def _department_reports(rng, pairings, year: int) -> None:
    DepartmentReport.objects.bulk_create(
        [
            DepartmentReport(
                pairing=pairing,
                year=year,
                resources="、".join(rng.sample(RESOURCES, 2)),
                projects="、".join(rng.sample(PROJECTS, 2)),
                state="confirmed",
            )
            for pairing in pairings
        ],
        batch_size=BATCH,
    )


def _member_reports(rng, people: list[Person], period: str) -> list[MemberReport]:
    reports = [
        MemberReport(
            person=person,
            community_id=person.home_unit.parent_id,
            grid_id=person.home_unit_id,
            department_id=person.party_department_id,
            period=period,
            estate=rng.choice(ESTATES),
            building=str(rng.randint(1, 30)),
            entrance=str(rng.randint(1, 6)),
            room=f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
            skills=rng.choice(SKILLS),
            service_kinds=rng.sample(KINDS[:6], 2),
            available_times=rng.choice(TIMES),
            state="confirmed",
        )
        for person in people
    ]
    return MemberReport.objects.bulk_create(reports, batch_size=BATCH)


def _grid_responsibility(grids, workers, reports) -> None:
    first_member = {}
    for report in reports:
        first_member.setdefault(report.grid_id, report.person_id)
    GridResponsibility.objects.bulk_create(
        [
            GridResponsibility(
                grid=grid,
                grid_head=worker,
                grid_worker=None if index % VACANT_GRID_EVERY == VACANT_GRID_EVERY - 1 else worker,
                branch_secretary_id=first_member.get(grid.pk),
            )
            for index, (grid, worker) in enumerate(zip(grids, workers, strict=True))
        ],
        batch_size=BATCH,
    )


# The fields of the city's point rules, by kind ("" for every other kind).
RULES = {
    "": {
        "points_per_hour": Decimal("1.0"),
        "max_per_record": Decimal("8"),
        "max_per_month": Decimal("40"),
    },
    "care": {"kind": "care", "points_per_hour": Decimal("1.5")},
}


def _point_rules(grid_path: str) -> None:
    # The rules belong to the city (the second level of the first grid's path).
    city_id = int(grid_path.strip("/").split("/")[1])
    PointRule.objects.bulk_create(
        [PointRule(unit_id=city_id, **fields) for fields in RULES.values()]
    )


def _needs(rng, community_ids: set[int], today: datetime.date) -> list[ServiceNeed]:
    needs = []
    for community_id in sorted(community_ids):
        for week in range(52):  # the 52 weeks up to today
            for _ in range(NEEDS_PER_COMMUNITY_WEEK):
                day = today - datetime.timedelta(days=(51 - week) * 7 + rng.randint(0, 6))
                category = rng.choice(list(NeedCategory))
                needs.append(
                    ServiceNeed(
                        community_id=community_id,
                        title=rng.choice(NEED_TITLES[category]),
                        category=category,
                        kind=rng.choices(KINDS, KIND_WEIGHTS)[0],
                        quantity=1 if category == NeedCategory.WISH else rng.randint(2, 6),
                        date=day,
                        place=rng.choice(ESTATES),
                    )
                )
    return ServiceNeed.objects.bulk_create(needs, batch_size=BATCH)


def _claims(rng, needs, people) -> list[ServiceClaim]:
    by_community = defaultdict(list)
    for person in people:
        by_community[person.home_unit.parent_id].append(person)
    claims = []
    for need in needs:
        local = by_community.get(need.community_id)
        if not local:
            continue
        taken = min(need.quantity, len(local), rng.randint(0, need.quantity))
        need.claimed_count = taken
        for person in rng.sample(local, taken):
            claims.append(
                ServiceClaim(need=need, person=person, department_id=person.party_department_id)
            )
    ServiceNeed.objects.bulk_update(needs, ["claimed_count"], batch_size=BATCH)
    return ServiceClaim.objects.bulk_create(claims, batch_size=BATCH)


RECORD_COLUMNS = [
    "person_id",
    "community_id",
    "department_id",
    "need_id",
    "kind",
    "date",
    "minutes",
    "people_served",
    "description",
    "state",
    "points",
    "created_at",
]


def _last_twelve_months(today: datetime.date) -> list[tuple[int, int]]:
    """(year, month) of the twelve months ending with today's."""
    index = today.year * 12 + today.month - 1
    return [divmod(i, 12) for i in range(index - 11, index + 1)]


def _records(rng, people, claims, today: datetime.date) -> int:
    """Claimed needs fulfilled, then self-started service up to ~28 a member a year."""
    rows = []
    awards = _Points()
    now = timezone.now()
    per_person = defaultdict(int)
    for claim in claims:
        person, need = claim.person, claim.need
        rows.append(_row(rng, person, need.community_id, need.kind, need.date, need.pk, today))
        per_person[person.pk] += 1
    months = _last_twelve_months(today)
    weights = [SEASON[month] for _year, month in months]
    for person in people:
        for _ in range(max(0, rng.randint(8, 2 * RECORDS_PER_MEMBER - 8) - per_person[person.pk])):
            year, month = rng.choices(months, weights)[0]
            day = min(datetime.date(year, month + 1, rng.randint(1, 28)), today)
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            rows.append(_row(rng, person, person.home_unit.parent_id, kind, day, None, today))
    rows.sort(key=lambda row: (row[0], row[5]))
    for row in rows:
        row[11] = now
        row[10] = awards.award(row) if row[9] == "confirmed" else Decimal("0")
    _insert(ServiceRecord, RECORD_COLUMNS, rows)
    return len(rows)


def _row(rng, person, community_id, kind, day, need_id, today) -> list:
    # Service of the last three weeks is partly still waiting for the community.
    recent = (today - day).days < 21
    state = "submitted" if recent and rng.random() >= 0.7 else "confirmed"
    return [
        person.pk,
        community_id,
        person.party_department_id,
        need_id,
        kind,
        day,
        rng.choice(MINUTES),
        rng.randint(0, 12),
        "",
        state,
        Decimal("0"),
        None,  # created_at, set by the caller
    ]


class _Points:
    """The demo's points under RULES, awarded as the confirm transition awards them."""

    def __init__(self):
        self.rules = {kind: PointRule(**fields) for kind, fields in RULES.items()}
        self.month_total: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)

    def award(self, row) -> Decimal:
        person, kind, day, minutes = row[0], row[4], row[5], row[6]
        key = (person, day.year, day.month)
        earned = points.award(minutes, self.rules.get(kind, self.rules[""]), self.month_total[key])
        self.month_total[key] += earned
        return earned


def _insert(model, columns: list[str], rows: list[list]) -> None:
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        _copy(table, columns, rows)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH * 4):
            cursor.executemany(sql, [_db_values(row) for row in rows[start : start + BATCH * 4]])


def _db_values(row: list) -> list:
    return [str(v) if isinstance(v, Decimal) else v for v in row]


def _copy(table: str, columns: list[str], rows: list[list]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
