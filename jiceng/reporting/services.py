"""The reporting workflows: register, confirm, reject, expire, claim, log, confirm service.

Each transition is named, checked for role and scope through the scoping rule
(`<model>.<transition>` permissions), applied in one transaction and recorded
as a StateChange (who, when, from, to, note). Refusals raise ReportingError
with a Chinese message and change nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import can_act_on
from jiceng.orgs.models import Department, Unit, UnitKind
from jiceng.people.models import Person

from . import points, totals
from .models import (
    ACTIVE_REPORT_STATES,
    DepartmentReport,
    MemberReport,
    MemberReportState,
    ServiceClaim,
    ServiceNeed,
    ServiceRecord,
    ServiceRecordState,
    StateChange,
)
from .periods import current_period, period_end

MINUTES_PER_DAY = 24 * 60


class ReportingError(Exception):
    """A refused action; the message is shown to the user as it is, next to
    `field` when one input is at fault (a form shows it by that field)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    needs_note: bool = False


TRANSITIONS: dict[type, dict[str, Transition]] = {
    MemberReport: {
        "confirm": Transition("confirm", _l("确认报到"), ("submitted",), "confirmed"),
        "reject": Transition("reject", _l("退回"), ("submitted",), "rejected", needs_note=True),
    },
    DepartmentReport: {
        "confirm": Transition("confirm", _l("确认共建协议"), ("proposed",), "confirmed"),
        "reject": Transition("reject", _l("退回"), ("proposed",), "rejected", needs_note=True),
    },
    ServiceRecord: {
        "confirm": Transition("confirm", _l("确认服务"), ("submitted",), "confirmed"),
        "reject": Transition("reject", _l("退回"), ("submitted",), "rejected", needs_note=True),
    },
}


def available_transitions(user, obj) -> list[Transition]:
    """The transitions this user may apply to obj now (for the buttons on its page)."""
    return [
        t
        for t in TRANSITIONS.get(type(obj), {}).values()
        if obj.state in t.sources and can_act_on(user, t.name, obj)
    ]


def owning_unit_id(obj) -> int:
    if isinstance(obj, DepartmentReport):
        return obj.pairing.community_id
    return obj.community_id


def _apply(user, obj, name: str, comment: str = "", **changes) -> None:
    transition = TRANSITIONS[type(obj)].get(name)
    if transition is None:
        raise ReportingError(_("不支持该操作。"))
    if not can_act_on(user, name, obj):
        raise ReportingError(_("您没有对该记录执行此操作的权限。"))
    if getattr(obj, "person_id", None) and obj.person_id == getattr(user, "person_id", None):
        raise ReportingError(_("不能审核本人的记录。"))
    if obj.state not in transition.sources:
        raise ReportingError(
            _("当前状态为“%(state)s”，不能执行“%(action)s”。")
            % {"state": obj.get_state_display(), "action": transition.label}
        )
    note = (comment or "").strip()
    if transition.needs_note and not note:
        raise ReportingError(_("请填写原因。"))
    from_state = obj.state
    obj.state = transition.target
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save()
    record_change(user, obj, name, from_state, transition.target, note)


def record_change(user, obj, name: str, from_state: str, to_state: str, note: str = "") -> None:
    StateChange.objects.create(
        record_type=obj._meta.model_name,
        record_id=obj.pk,
        unit_id=owning_unit_id(obj),
        transition=name,
        from_state=from_state,
        to_state=to_state,
        actor=user if getattr(user, "is_authenticated", False) else None,
        note=note[:200],
    )


# The steps that are not transitions a user picks on the record's page.
STEP_LABELS = {"submit": _l("提交"), "propose": _l("提出"), "expire": _l("到期")}


def changes_of(obj) -> list[StateChange]:
    """The record's trail, each change with `label`, `from_label`, `to_label` in Chinese."""
    if type(obj) not in TRANSITIONS:
        return []
    changes = list(
        StateChange.objects.filter(
            record_type=obj._meta.model_name, record_id=obj.pk
        ).select_related("actor")
    )
    steps = STEP_LABELS | {name: t.label for name, t in TRANSITIONS[type(obj)].items()}
    states = dict(obj._meta.get_field("state").choices)
    for change in changes:
        change.label = steps.get(change.transition, change.transition)
        change.from_label = states.get(change.from_state, change.from_state)
        change.to_label = states.get(change.to_state, change.to_state)
    return changes


# --- member reporting (个人报到)
@dataclass
class Registration:
    estate: str = ""
    building: str = ""
    entrance: str = ""
    room: str = ""
    skills: str = ""
    service_kinds: list[str] | None = None
    available_times: str = ""


def register_member(
    user, person: Person, community: Unit, details: Registration, period: str | None = None
) -> MemberReport:
    """A party member registers at a community for a period (default: the current one)."""
    period = period or current_period()
    check_can_register(person, community, period)
    report = MemberReport(
        person=person,
        community=community,
        department_id=person.party_department_id,
        period=period,
        estate=details.estate,
        building=details.building,
        entrance=details.entrance,
        room=details.room,
        skills=details.skills,
        service_kinds=list(details.service_kinds or []),
        available_times=details.available_times,
    )
    try:
        with transaction.atomic():
            report.save()
            record_change(user, report, "submit", "", MemberReportState.SUBMITTED)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ReportingError(_("该党员本周期已有报到记录，不能重复报到。")) from exc
    return report


def registering_departments(user) -> list[int]:
    """The departments whose members the user registers in bulk (department admins)."""
    return [
        a.department_id
        for a in user.assignments
        if a.department_id is not None and a.grants("memberreport.add")
    ]


def active_registration(person: Person, period: str) -> MemberReport | None:
    return (
        MemberReport.objects.filter(person=person, period=period, state__in=ACTIVE_REPORT_STATES)
        .select_related("community")
        .first()
    )


def check_can_register(person: Person, community: Unit, period: str) -> None:
    check_registration(person, community, active_registration(person, period), period)


def check_registration(
    person: Person, community: Unit, active: MemberReport | None, period: str
) -> None:
    """Refuse a registration; `active` is the person's active one in the period, if any."""
    if not person.is_party_member:
        raise ReportingError(
            _("%(name)s 不是中共党员（含预备党员），不能办理在职党员报到。") % {"name": person}
        )
    if community.kind != UnitKind.COMMUNITY:
        raise ReportingError(_("只能到社区报到。"))
    if active is not None:
        raise ReportingError(
            _("%(name)s 在 %(period)s 已到“%(community)s”报到（%(state)s），不能重复报到。")
            % {
                "name": person,
                "period": period,
                "community": active.community,
                "state": active.get_state_display(),
            }
        )


def confirm_member(user, report: MemberReport, grid: Unit | None, note: str = "") -> None:
    if grid is None or grid.kind != UnitKind.GRID or grid.parent_id != report.community_id:
        raise ReportingError(_("请选择报到社区下属的一个网格。"))
    with transaction.atomic():
        _apply(user, report, "confirm", note, grid=grid, reject_reason="")


def reject_member(user, report: MemberReport, reason: str) -> None:
    with transaction.atomic():
        _apply(user, report, "reject", reason, reject_reason=(reason or "").strip()[:200])


def expire_reports(today: datetime.date | None = None) -> int:
    """Registrations of periods that have ended expire (a system transition)."""
    today = today or timezone.localdate()
    expired = 0
    stale = MemberReport.objects.filter(state__in=ACTIVE_REPORT_STATES)
    for period in stale.values_list("period", flat=True).distinct():
        if period_end(period) < today:
            with transaction.atomic():
                rows = list(stale.filter(period=period).select_for_update())
                for report in rows:
                    record_change(None, report, "expire", report.state, MemberReportState.EXPIRED)
                expired += stale.filter(period=period).update(state=MemberReportState.EXPIRED)
    return expired


# --- department reporting (单位报到)
def decide_department_report(user, report: DepartmentReport, name: str, note: str = "") -> None:
    with transaction.atomic():
        _apply(user, report, name, note, note=(note or "")[:200])


# --- claims (认领)
def claim_need(
    user, need: ServiceNeed, *, person: Person | None = None, department: Department | None = None
) -> ServiceClaim:
    """Take one unit of a need. The count is raised by a conditional UPDATE, so two
    claims racing for the last place cannot both succeed."""
    if (person is None) == (department is None):
        raise ReportingError(_("认领人必须是一名党员或一个部门党组织。"))
    if person is not None and need.claims.filter(person=person).exists():
        raise ReportingError(_("您已认领过该需求。"))
    with transaction.atomic():
        taken = ServiceNeed.objects.filter(pk=need.pk, claimed_count__lt=F("quantity")).update(
            claimed_count=F("claimed_count") + 1
        )
        if not taken:
            raise ReportingError(_("该需求已认领满额，不能再认领。"))
        try:
            with transaction.atomic():
                return ServiceClaim.objects.create(
                    need=need,
                    person=person,
                    department=department or (person.party_department if person else None),
                    claimed_by=user,
                )
        except IntegrityError as exc:  # the same member's second claim, racing the first
            raise ReportingError(_("您已认领过该需求。")) from exc


def claim_as(user, need: ServiceNeed) -> ServiceClaim:
    """Claim for whom the user acts: their department when they administer one,
    else themselves as a member (the page and the API both claim this way)."""
    department = next((a.department for a in user.assignments if a.department_id), None)
    if department is not None:
        return claim_need(user, need, department=department)
    if user.person_id:
        return claim_need(user, need, person=user.person)
    raise ReportingError(_("您的账号不能认领服务需求。"))


# --- service records (服务记录)
def active_report_of(person: Person) -> MemberReport | None:
    """The member's confirmed registration, the latest first."""
    reports = MemberReport.objects.filter(person=person, state=MemberReportState.CONFIRMED)
    return reports.select_related("community").order_by("-period").first()


def check_service(
    person: Person, day: datetime.date, minutes: int, exclude_pk: int | None = None
) -> None:
    if day > timezone.localdate():
        raise ReportingError(_("服务日期不能晚于今天。"), field="date")
    if minutes <= 0:
        raise ReportingError(_("服务时长必须大于 0。"), field="minutes")
    logged = (
        ServiceRecord.objects.filter(person=person, date=day)
        .exclude(state=ServiceRecordState.REJECTED)
        .exclude(pk=exclude_pk)
        .aggregate(total=Sum("minutes"))["total"]
        or 0
    )
    if logged + minutes > MINUTES_PER_DAY:
        raise ReportingError(
            _("同一天的服务时长合计不能超过 24 小时（当天已登记 %(h).1f 小时）。")
            % {"h": logged / 60},
            field="minutes",
        )


def confirm_record(user, record: ServiceRecord, note: str = "") -> None:
    with transaction.atomic():
        record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
        _apply(user, record, "confirm", note)
        record.points = points.points_for(record)
        record.save(update_fields=["points"])
        totals.add(record)


def reject_record(user, record: ServiceRecord, reason: str) -> None:
    with transaction.atomic():
        _apply(user, record, "reject", reason)
