"""个人报到 in bulk from a department's .xlsx, through the shared import engine
(jiceng.imports), and the member-report export in the same columns.

Who: department admins (as on the bulk registration page), for their own
department's party members. Each row names a member by ID number (matched in
the person registry through its keyed hash) and registers them through
`services.register_member`, the function the pages use; the checks and the
recorded StateChange are theirs. Rows are matched by (person, period): a
registration that exists already is left as it is (import cannot edit one),
so importing the same file again changes nothing.

The community: the one in the row, else the member's home community from the
registry; it must lie under the league or city that the department belongs to.
Exports show masked ID numbers and end with 记录编号 (the registration's id),
checked against the masked number when such a row comes back; changing the
period of an exported row registers the member again for the new period.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core import crypto
from jiceng.core.scoping import subtree_q
from jiceng.imports import cleaning
from jiceng.imports.engine import Col, Planned, RowError
from jiceng.imports.exporting import spec_table
from jiceng.imports.specs import RECORD_REF_HEADER, MaskedId, Spec, UnitIndex
from jiceng.orgs.models import Department, Unit, UnitKind
from jiceng.people.models import Person

from . import services
from .models import ACTIVE_REPORT_STATES, MemberReport, ServiceKind
from .periods import PERIOD_RE, current_period, period_end

DETAILS = ("estate", "building", "entrance", "room", "skills", "service_kinds", "available_times")
KIND_LABELS = "、".join(str(label) for _value, label in ServiceKind.choices)


class MemberReportSpec(Spec):
    kind = "member-reports"
    label = _l("党员报到")
    model = MemberReport
    filename = "党员报到导入模板"
    columns = [
        Col(
            "name",
            "姓名",
            ("党员姓名",),
            help="可空；填写时须与人员信息中的姓名一致（防止号码填错）。",
        ),
        Col(
            "id_number",
            "公民身份号码",
            ("身份证号", "身份证号码", "身份证", "证件号码"),
            required=True,
            help="18 位，据此在人员信息中查找党员；请把本列设为“文本”格式。"
            "导出文件中的脱敏号码配合“记录编号”使用。",
        ),
        Col(
            "community",
            "报到社区",
            ("社区", "报到社区编码", "居住社区"),
            help="社区编码或名称；空白时为人员信息中的居住社区。须在本部门所属盟市范围内。",
        ),
        Col("estate", "小区", ("居住小区",), help="可空。"),
        Col("building", "楼栋", ("楼号",), help="可空。"),
        Col("entrance", "单元", help="可空。"),
        Col("room", "室", ("房号", "门牌号"), help="可空。"),
        Col("skills", "特长", help="可空。"),
        Col(
            "service_kinds",
            "意向服务类型",
            ("服务类型", "服务意向"),
            help=f"可空，可填多项，用顿号“、”分隔：{KIND_LABELS}。",
        ),
        Col("available_times", "可服务时间", help="可空，如“周末上午”。"),
        Col(
            "period",
            "报到周期",
            ("周期",),
            help="按年度报到写 2024，按半年写 2024H1 或 2024H2；空白为本期。"
            "同一党员同一周期只能有一条有效报到。",
        ),
        Col("department", "部门党组织", read_only=True, help="仅导出供参考，导入时忽略。"),
        Col("grid", "分配网格", read_only=True, help="由社区确认时分配，导入时忽略。"),
        Col("state", "状态", read_only=True, help="仅导出供参考，导入时忽略。"),
        Col(
            "ref",
            RECORD_REF_HEADER,
            ("编号",),
            help="导出文件自带，与脱敏号码一起确定党员；新填的行留空。",
        ),
    ]
    KINDS = {str(label): value for value, label in ServiceKind.choices} | {
        value: value for value in ServiceKind.values
    }

    def __init__(self, user, job_id=None):
        super().__init__(user, job_id)
        self.departments = set(services.registering_departments(user))
        self.communities = UnitIndex(self._communities())
        self.today = timezone.localdate()

    @classmethod
    def may_import(cls, user) -> bool:
        return user.is_superuser or bool(services.registering_departments(user))

    def _communities(self):
        communities = Unit.objects.filter(kind=UnitKind.COMMUNITY)
        if self.user.is_superuser:
            return communities
        owners = Department.objects.filter(pk__in=self.departments).select_related("unit")
        rules = [subtree_q(d.unit) for d in owners]
        return communities.filter(functools.reduce(operator.or_, rules)) if rules else []

    # --- cleaning, one column at a time
    def clean_id_number(self, value):
        raw = cleaning.compact(value)
        return MaskedId(raw.upper()) if "*" in raw else cleaning.id_number(value)

    def clean_community(self, value) -> str:
        return cleaning.compact(value)

    def clean_service_kinds(self, value) -> list[str]:
        names = cleaning.split_list(value)
        unknown = [n for n in names if n not in self.KINDS]
        if unknown:
            raise ValidationError(
                _("未知服务类型：%(bad)s。可填：%(ok)s。")
                % {"bad": "、".join(unknown), "ok": KIND_LABELS}
            )
        return [self.KINDS[n] for n in names]

    def clean_period(self, value) -> str:
        period = cleaning.compact(value).upper()
        if not period:
            return current_period()
        half = settings.JICENG_REPORTING_PERIOD == "half"
        if not PERIOD_RE.match(period) or half != ("H" in period):
            example = "2024H1 或 2024H2" if half else "2024"
            raise ValidationError(_("报到周期应写成 %(example)s。") % {"example": example})
        return period

    def clean_ref(self, value) -> int | None:
        ref = cleaning.compact(value)
        if ref and not ref.isdigit():
            raise ValidationError(_("记录编号应为数字，请不要修改此列。"))
        return int(ref) if ref else None

    def check_row(self, values):
        errors: dict[str, list[str]] = {}
        values.setdefault("period", current_period())  # the column may be absent
        for key in set(DETAILS) - {"service_kinds"}:
            limit = MemberReport._meta.get_field(key).max_length
            if len(values.get(key, "")) > limit:
                errors[key] = [_("最多 %(n)d 个字。") % {"n": limit}]
        number = values["id_number"]
        if isinstance(number, MaskedId):
            if not values.get("ref"):
                errors["id_number"] = [
                    _("号码已脱敏，只有带“记录编号”的导出文件才能这样导入；请填写完整号码。")
                ]
        else:
            values["_hash"] = crypto.lookup_hash(number)
        if errors:
            raise ValidationError(errors)

    # --- matching: (person, period)
    def plan(self, cleaned):
        rows = [values for _row, _raw, values in cleaned]
        by_hash = {
            p.id_number_hash: p
            for p in Person.objects.filter(
                id_number_hash__in=[v["_hash"] for v in rows if "_hash" in v]
            ).select_related("home_unit__parent")
        }
        by_ref = {
            r.pk: r
            for r in MemberReport.objects.visible_to(self.user)
            .filter(pk__in=[v["ref"] for v in rows if isinstance(v["id_number"], MaskedId)])
            .select_related("person__home_unit__parent", "community")
        }
        people = [*by_hash.values(), *(r.person for r in by_ref.values())]
        visible = set(
            Person.objects.visible_to(self.user)
            .filter(pk__in=[p.pk for p in people])
            .values_list("pk", flat=True)
        )
        active = {
            (r.person_id, r.period): r
            for r in MemberReport.objects.filter(
                person__in=people,
                period__in={v["period"] for v in rows},
                state__in=ACTIVE_REPORT_STATES,
            ).select_related("community")
        }
        for row, raw, values in cleaned:
            yield self._plan_row(row, raw, values, by_hash, by_ref, visible, active)

    def _plan_row(self, row, raw, values, by_hash, by_ref, visible, active):
        person, refused = self._person(row, raw, values, by_hash, by_ref, visible)
        if refused:
            return refused
        period = values["period"]
        dup = self.duplicate(
            row, (person.pk, period), self.header_of("id_number"), cleaning.text(raw["id_number"])
        )
        if dup:
            return dup
        community, refused = self._community(row, raw, values, person)
        if refused:
            return refused
        values.update(_person=person, _community=community, _label=person.name)
        ref = by_ref.get(values.get("ref"))
        record = (
            ref if ref is not None and ref.period == period else active.get((person.pk, period))
        )
        if record is not None and record.community_id == community.pk:
            return self._same_as(row, values, record)
        return self._new(row, raw, values, record)

    def _person(self, row, raw, values, by_hash, by_ref, visible):
        id_header, shown = self.header_of("id_number"), cleaning.text(raw["id_number"])
        if isinstance(values["id_number"], MaskedId):
            report = by_ref.get(values["ref"])
            person = report.person if report is not None else None
            if person is None or person.id_number_masked != values["id_number"]:
                reason = _("记录编号与脱敏号码对不上，或该记录不在您的管辖范围内。")
                return None, RowError(row, RECORD_REF_HEADER, str(values["ref"]), reason)
        else:
            person = by_hash.get(values["_hash"])
        if person is None or person.pk not in visible:
            reason = _("人员信息中没有这个公民身份号码，或该人员不在您的管辖范围内。")
            return None, RowError(row, id_header, crypto.mask_id_number(shown), reason)
        name = values.get("name")
        if name and name != person.name:
            reason = _("姓名与人员信息（%(name)s）不一致，请核对公民身份号码。")
            return None, RowError(row, self.header_of("name"), name, reason % {"name": person.name})
        return person, None

    def _community(self, row, raw, values, person: Person):
        header = self.header_of("community")
        ref = values.get("community")
        if not ref:
            home = person.home_unit
            home = home.parent if home.kind == UnitKind.GRID else home
            if home.pk not in self.communities.by_pk:
                reason = _("居住社区“%(name)s”不在本部门所属盟市范围内，请填写报到社区。")
                return None, RowError(row, header, "", reason % {"name": home.name})
            return home, None
        try:
            return self.communities.find(ref, kinds=(UnitKind.COMMUNITY,)), None
        except ValidationError as exc:
            return None, RowError(row, header, cleaning.text(raw.get("community")), exc.messages[0])

    def _same_as(self, row, values, record: MemberReport):
        """The row describes a registration that exists: unchanged, or refused."""
        differing = [
            key for key in DETAILS if key in values and values[key] != getattr(record, key)
        ]
        if not differing:
            return Planned(row, "unchanged", values, record)
        headers = "、".join(self.header_of(key) for key in differing)
        reason = _("该党员本周期已在此社区报到，报到信息（%(cols)s）不能通过导入修改，请联系社区。")
        first = differing[0]
        return RowError(
            row, self.header_of(first), _show(values[first]), reason % {"cols": headers}
        )

    def _new(self, row, raw, values, record: MemberReport | None):
        person, community, period = values["_person"], values["_community"], values["period"]
        active = record if record is not None and record.state in ACTIVE_REPORT_STATES else None
        try:
            services.check_registration(person, community, active, period)
        except services.ReportingError as exc:
            return RowError(
                row, self.header_of("id_number"), cleaning.text(raw["id_number"]), str(exc)
            )
        if not self.user.is_superuser and person.party_department_id not in self.departments:
            reason = _("%(name)s 的党组织关系不在本部门，不能代为报到。")
            return RowError(
                row,
                self.header_of("id_number"),
                cleaning.text(raw["id_number"]),
                reason % {"name": person.name},
            )
        if period_end(period) < self.today:
            reason = _("报到周期 %(period)s 已结束，不能再报到。")
            return RowError(row, self.header_of("period"), period, reason % {"period": period})
        return Planned(row, "new", values)

    # --- writing through the pages' service
    def write(self, new, changed):
        with set_actor(self.user):
            for planned in new:
                values = planned.values
                details = services.Registration(
                    **{key: values.get(key) or "" for key in DETAILS if key != "service_kinds"},
                    service_kinds=values.get("service_kinds", []),
                )
                try:
                    services.register_member(
                        self.user,
                        values["_person"],
                        values["_community"],
                        details,
                        values["period"],
                    )
                except services.ReportingError as exc:  # rolls the whole import back
                    raise ValidationError(str(exc)) from exc


def _show(value) -> str:
    return "、".join(value) if isinstance(value, list) else cleaning.text(value)


def export_table(queryset) -> tuple[list[str], Any]:
    """Member reports in the template's columns (the list page's export)."""
    return spec_table(MemberReportSpec, queryset, _cells)


def _cells(report: MemberReport) -> dict[str, Any]:
    return {
        "name": report.person.name,
        "id_number": report.person.id_number_masked,
        "community": report.community.name,
        "estate": report.estate,
        "building": report.building,
        "entrance": report.entrance,
        "room": report.room,
        "skills": report.skills,
        "service_kinds": report.service_kind_labels(),
        "available_times": report.available_times,
        "period": report.period,
        "department": report.department.name if report.department_id else "",
        "grid": report.grid.name if report.grid_id else "",
        "state": report.get_state_display(),
        "ref": report.pk,
    }
