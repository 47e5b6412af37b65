"""双报到: departments and in-service party members report to communities, grids get
named responsibility, service is posted, claimed, logged, confirmed and earns points.

Workflows live in services.py; every transition is recorded as a StateChange.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import DENY, Scoped


class ServiceKind(models.TextChoices):
    VOLUNTEER = "volunteer", _l("志愿服务")
    POLICY = "policy", _l("政策宣传")
    ENVIRONMENT = "environment", _l("环境整治")
    CARE = "care", _l("关爱帮扶")
    CULTURE = "culture", _l("文体活动")
    PATROL = "patrol", _l("治安巡逻")
    PROFESSIONAL = "professional", _l("专业服务")
    OTHER = "other", _l("其他")


class DepartmentReportState(models.TextChoices):
    PROPOSED = "proposed", _l("待社区确认")
    CONFIRMED = "confirmed", _l("已确认")
    REJECTED = "rejected", _l("已退回")


class DepartmentReport(Scoped):
    """A department's yearly co-building agreement (共建协议) with a community it is
    paired with. The pairing (orgs.DepartmentPairing, 包联/结对) is the standing
    relationship; this is what they agree to do together in one year."""

    pairing = models.ForeignKey(
        "orgs.DepartmentPairing",
        models.PROTECT,
        related_name="reports",
        verbose_name=_l("结对关系"),
    )
    year = models.PositiveSmallIntegerField(_l("年度"))
    resources = models.TextField(_l("提供资源"), blank=True)
    projects = models.TextField(_l("共建项目"), blank=True)
    state = models.CharField(
        _l("状态"),
        max_length=16,
        choices=DepartmentReportState.choices,
        default=DepartmentReportState.PROPOSED,
    )
    note = models.CharField(_l("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit = "pairing__community"
    scope_departments = ("pairing__department",)

    class Meta:
        verbose_name = _l("单位报到")
        verbose_name_plural = _l("单位报到")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="department_report_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.pairing} · {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:department-report-detail", args=[self.pk])


class MemberReportState(models.TextChoices):
    SUBMITTED = "submitted", _l("待社区确认")
    CONFIRMED = "confirmed", _l("已确认")
    REJECTED = "rejected", _l("已退回")
    EXPIRED = "expired", _l("已过期")


ACTIVE_REPORT_STATES = (MemberReportState.SUBMITTED, MemberReportState.CONFIRMED)


class MemberReport(Scoped):
    """An in-service party member's registration (个人报到) at their home community
    for one period (a year like "2024" or a half-year like "2024H1")."""

    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="member_reports", verbose_name=_l("党员")
    )
    community = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="member_reports", verbose_name=_l("报到社区")
    )
    grid = models.ForeignKey(
        "orgs.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_member_reports",
        verbose_name=_l("分配网格"),
    )
    # The member's party organization when registering: kept on the record so a
    # department admin's scope is one indexed column, wherever the member lives.
    department = models.ForeignKey(
        "orgs.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="member_reports",
        verbose_name=_l("所在部门党组织"),
    )
    period = models.CharField(_l("报到周期"), max_length=8)
    estate = models.CharField(_l("小区"), max_length=60, blank=True)
    building = models.CharField(_l("楼栋"), max_length=20, blank=True)
    entrance = models.CharField(_l("单元"), max_length=20, blank=True)
    room = models.CharField(_l("室"), max_length=20, blank=True)
    skills = models.CharField(_l("特长"), max_length=200, blank=True)
    service_kinds = models.JSONField(_l("意向服务类型"), default=list, blank=True)
    available_times = models.CharField(_l("可服务时间"), max_length=100, blank=True)
    state = models.CharField(
        _l("状态"),
        max_length=16,
        choices=MemberReportState.choices,
        default=MemberReportState.SUBMITTED,
    )
    reject_reason = models.CharField(_l("退回原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit = "community"
    scope_departments = ("department",)
    scope_person = "person"

    class Meta:
        verbose_name = _l("党员报到")
        verbose_name_plural = _l("党员报到")
        ordering = ["-period", "pk"]
        constraints = [
            # At most one active registration per person and period, whatever the community.
            models.UniqueConstraint(
                fields=["person", "period"],
                condition=Q(state__in=["submitted", "confirmed"]),
                name="one_active_member_report_per_period",
            )
        ]
        indexes = [
            models.Index(fields=["department", "period"]),
            models.Index(fields=["community", "period", "state"]),
            models.Index(fields=["grid", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.community} ({self.period})"

    def get_absolute_url(self) -> str:
        return reverse("reporting:member-report-detail", args=[self.pk])

    @property
    def address(self) -> str:
        parts = [
            self.estate,
            f"{self.building}栋" if self.building else "",
            f"{self.entrance}单元" if self.entrance else "",
            f"{self.room}室" if self.room else "",
        ]
        return "".join(parts)

    def service_kind_labels(self) -> str:
        labels = dict(ServiceKind.choices)
        return "、".join(str(labels.get(k, k)) for k in self.service_kinds)


class GridResponsibility(Scoped):
    """Named party-building responsibility for one grid (压实网格党建责任). The
    reporting members assigned to it are MemberReport.grid; not copied here."""

    grid = models.OneToOneField(
        "orgs.Unit", models.CASCADE, related_name="responsibility", verbose_name=_l("网格")
    )
    grid_head = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_l("网格长"),
    )
    grid_worker = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_l("网格员"),
    )
    branch_secretary = models.ForeignKey(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_l("网格党支部（党小组）书记"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit = "grid"

    class Meta:
        verbose_name = _l("网格党建责任")
        verbose_name_plural = _l("网格党建责任")
        ordering = ["grid__path"]

    def __str__(self) -> str:
        return str(self.grid)

    def get_absolute_url(self) -> str:
        return reverse("reporting:grid-edit", args=[self.pk])


class NeedCategory(models.TextChoices):
    POST = "post", _l("岗位")
    PROJECT = "project", _l("服务项目")
    WISH = "wish", _l("微心愿")


class ServiceNeed(Scoped):
    """What a community asks for: a post, a service project or a small wish."""

    community = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="service_needs", verbose_name=_l("社区")
    )
    title = models.CharField(_l("标题"), max_length=100)
    category = models.CharField(_l("类别"), max_length=16, choices=NeedCategory.choices)
    kind = models.CharField(_l("服务类型"), max_length=16, choices=ServiceKind.choices)
    quantity = models.PositiveIntegerField(_l("需要人数（份数）"), default=1)
    claimed_count = models.PositiveIntegerField(_l("已认领"), default=0, editable=False)
    date = models.DateField(_l("服务日期"))
    time = models.CharField(_l("时间"), max_length=50, blank=True)
    place = models.CharField(_l("地点"), max_length=100, blank=True)
    description = models.TextField(_l("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit = "community"

    class Meta:
        verbose_name = _l("服务需求")
        verbose_name_plural = _l("服务需求")
        ordering = ["-date", "pk"]
        indexes = [models.Index(fields=["community", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_count__lte=models.F("quantity")),
                name="need_never_over_claimed",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reporting:need-detail", args=[self.pk])

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.claimed_count)

    @classmethod
    def scope_rule(cls, assignment):
        # Departments see the needs of the communities they are paired with;
        # members those of the communities they reported to.
        if assignment.department_id is not None:
            from jiceng.orgs.models import DepartmentPairing

            paired = DepartmentPairing.objects.filter(department=assignment.department_id)
            return Q(community__in=paired.values("community"))
        if assignment.is_self_service:
            person_id = assignment.user.person_id
            if not person_id:
                return DENY
            reports = MemberReport.objects.filter(person=person_id, state__in=ACTIVE_REPORT_STATES)
            return Q(community__in=reports.values("community"))
        return super().scope_rule(assignment)


class ServiceClaim(Scoped):
    """A member or a department takes on one unit of a need."""

    need = models.ForeignKey(
        ServiceNeed, models.CASCADE, related_name="claims", verbose_name=_l("服务需求")
    )
    person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_claims",
        verbose_name=_l("认领党员"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_claims",
        verbose_name=_l("部门党组织"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_l("认领时间"), auto_now_add=True)

    scope_unit = "need__community"
    scope_departments = ("department",)
    scope_person = "person"

    class Meta:
        verbose_name = _l("认领")
        verbose_name_plural = _l("认领")
        ordering = ["-created_at"]
        constraints = [
            # A member claims a need once (a department may take several places).
            models.UniqueConstraint(fields=["need", "person"], name="one_claim_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.person or self.department} → {self.need}"


class ServiceRecordState(models.TextChoices):
    SUBMITTED = "submitted", _l("待社区确认")
    CONFIRMED = "confirmed", _l("已确认")
    REJECTED = "rejected", _l("已退回")


class ServiceRecord(Scoped):
    """Service a member gave: claimed from a need or self-started; the community confirms."""

    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="service_records", verbose_name=_l("党员")
    )
    community = models.ForeignKey(
        "orgs.Unit", models.PROTECT, related_name="service_records", verbose_name=_l("服务社区")
    )
    department = models.ForeignKey(
        "orgs.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_records",
        verbose_name=_l("所在部门党组织"),
    )
    need = models.ForeignKey(
        ServiceNeed,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_l("对应需求"),
    )
    kind = models.CharField(_l("服务类型"), max_length=16, choices=ServiceKind.choices)
    date = models.DateField(_l("服务日期"))
    minutes = models.PositiveIntegerField(_l("服务时长（分钟）"))
    people_served = models.PositiveIntegerField(_l("服务人数"), default=0)
    description = models.CharField(_l("服务内容"), max_length=300, blank=True)
    state = models.CharField(
        _l("状态"),
        max_length=16,
        choices=ServiceRecordState.choices,
        default=ServiceRecordState.SUBMITTED,
    )
    # Computed by points.points_for() when the community confirms; never typed.
    points = models.DecimalField(
        _l("积分"), max_digits=8, decimal_places=1, default=0, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit = "community"
    scope_departments = ("department",)
    scope_person = "person"

    class Meta:
        verbose_name = _l("服务记录")
        verbose_name_plural = _l("服务记录")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["person", "date"]),
            models.Index(fields=["community", "date"]),
            models.Index(fields=["department", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.date} · {self.minutes}分钟"

    def get_absolute_url(self) -> str:
        return reverse("reporting:record-detail", args=[self.pk])

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def _photo_path(instance, filename: str) -> str:
    return f"service/{instance.record.date:%Y/%m}/{filename}"


class ServicePhoto(models.Model):
    record = models.ForeignKey(
        ServiceRecord, models.CASCADE, related_name="photos", verbose_name=_l("服务记录")
    )
    file = models.FileField(_l("照片"), upload_to=_photo_path)

    class Meta:
        verbose_name = _l("服务照片")
        verbose_name_plural = _l("服务照片")

    def __str__(self) -> str:
        return self.file.name


class ServiceTotal(models.Model):
    """Monthly totals of confirmed service per community and per department,
    maintained by the confirm transition (and rebuilt from the records by
    totals.rebuild()), so the city dashboard reads thousands of rows, not millions."""

    community = models.ForeignKey("orgs.Unit", models.CASCADE, null=True, related_name="+")
    department = models.ForeignKey("orgs.Department", models.CASCADE, null=True, related_name="+")
    month = models.DateField()
    records = models.PositiveIntegerField(default=0)
    minutes = models.PositiveBigIntegerField(default=0)
    people_served = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="total_per_community"),
            models.UniqueConstraint(fields=["department", "month"], name="total_per_department"),
            models.CheckConstraint(
                condition=Q(community__isnull=True) ^ Q(department__isnull=True),
                name="total_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id or self.department_id} · {self.month:%Y-%m}"


class PointRule(Scoped):
    """How confirmed service turns into points (积分). Only service counts: there is
    deliberately no rule for logins, clicks, views or time online (力戒形式主义)."""

    unit = models.ForeignKey(
        "orgs.Unit", models.CASCADE, related_name="point_rules", verbose_name=_l("适用单位")
    )
    kind = models.CharField(
        _l("服务类型"),
        max_length=16,
        choices=ServiceKind.choices,
        blank=True,
        help_text=_l("留空表示适用于所有类型"),
    )
    points_per_hour = models.DecimalField(_l("每小时积分"), max_digits=6, decimal_places=1)
    max_per_record = models.DecimalField(
        _l("单次上限"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    max_per_month = models.DecimalField(
        _l("每月上限"), max_digits=7, decimal_places=1, null=True, blank=True
    )

    scope_unit = "unit"

    class Meta:
        verbose_name = _l("积分规则")
        verbose_name_plural = _l("积分规则")
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="point_rule_unique")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display() or '全部'} · {self.points_per_hour}/时"


class EvaluationGrade(models.TextChoices):
    EXCELLENT = "excellent", _l("优秀")
    GOOD = "good", _l("合格")
    FAIR = "fair", _l("基本合格")
    POOR = "poor", _l("不合格")


class MemberEvaluation(Scoped):
    """The community's half-yearly evaluation of a reporting member, fed back to
    the member's department (双向反馈)."""

    report = models.ForeignKey(
        MemberReport, models.CASCADE, related_name="evaluations", verbose_name=_l("报到记录")
    )
    half = models.CharField(_l("半年度"), max_length=6, help_text=_l("如 2024H1"))
    grade = models.CharField(_l("评价等次"), max_length=16, choices=EvaluationGrade.choices)
    comment = models.CharField(_l("评语"), max_length=300, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_unit = "report__community"
    scope_departments = ("report__department",)
    scope_person = "report__person"

    class Meta:
        verbose_name = _l("报到党员评价")
        verbose_name_plural = _l("报到党员评价")
        ordering = ["-half", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "half"], name="one_evaluation_per_half")
        ]

    def __str__(self) -> str:
        return f"{self.report.person} · {self.half} · {self.get_grade_display()}"

    def get_absolute_url(self) -> str:
        return self.report.get_absolute_url()


class StateChange(Scoped):
    """One named transition of a reporting workflow: who, when, from, to, note."""

    record_type = models.CharField(max_length=32)
    record_id = models.PositiveBigIntegerField()
    unit = models.ForeignKey("orgs.Unit", models.CASCADE, related_name="+")
    transition = models.CharField(_l("操作"), max_length=32)
    from_state = models.CharField(_l("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_l("新状态"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_l("时间"), auto_now_add=True)
    note = models.CharField(_l("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _l("状态变更")
        verbose_name_plural = _l("状态变更")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["record_type", "record_id"])]
