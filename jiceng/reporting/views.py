"""Reporting pages: lists through the shared generic views, workflows through services."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from jiceng.core.audit import history
from jiceng.core.context import links_for
from jiceng.core.exports import Column
from jiceng.core.files import file_response
from jiceng.core.scoping import user_can
from jiceng.core.views import ScopedCreateView, ScopedListView, ScopedUpdateView
from jiceng.orgs.models import Department, Unit, UnitKind
from jiceng.people.models import Person

from . import figures, imports, qr, services
from .filters import (
    DepartmentReportFilter,
    GridResponsibilityFilter,
    MemberEvaluationFilter,
    MemberReportFilter,
    PointRuleFilter,
    ServiceNeedFilter,
    ServiceRecordFilter,
)
from .forms import (
    BulkRegistrationForm,
    DecisionForm,
    DepartmentReportForm,
    GridResponsibilityForm,
    MemberEvaluationForm,
    PointRuleForm,
    RegistrationForm,
    ServiceNeedForm,
    ServiceRecordForm,
)
from .models import (
    ACTIVE_REPORT_STATES,
    DepartmentReport,
    GridResponsibility,
    MemberEvaluation,
    MemberReport,
    MemberReportState,
    PointRule,
    ServiceNeed,
    ServicePhoto,
    ServiceRecord,
    ServiceRecordState,
)
from .periods import current_period

# The columns of the member-report list and page; its export has the import
# template's columns instead (imports.MemberReportSpec), so it can come back.
MEMBER_REPORT_COLUMNS = [
    Column(_l("姓名"), lambda r: r.person.name, link=True),
    Column(_l("公民身份号码"), lambda r: r.person.id_number_masked, wide_only=True),
    Column(_l("部门党组织"), lambda r: r.department, wide_only=True),
    Column(_l("报到社区"), lambda r: r.community),
    Column(_l("分配网格"), lambda r: r.grid),
    Column(_l("住址"), lambda r: r.address, wide_only=True),
    Column(_l("特长"), lambda r: r.skills, wide_only=True),
    Column(_l("意向服务类型"), lambda r: r.service_kind_labels(), wide_only=True),
    Column(_l("可服务时间"), lambda r: r.available_times, wide_only=True),
    Column(_l("报到周期"), lambda r: r.period, wide_only=True),
    Column(_l("状态"), lambda r: r.get_state_display()),
]


class MemberReportListView(ScopedListView):
    model = MemberReport
    filterset_class = MemberReportFilter
    columns = MEMBER_REPORT_COLUMNS
    export_basename = "党员报到"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("person", "community", "grid", "department")
            .order_by("community__path", "person__name", "pk")
        )

    def export_table(self, queryset):
        return imports.export_table(queryset.iterator(chunk_size=2000))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if imports.MemberReportSpec.may_import(self.request.user):
            context["import_url"] = reverse("imports:start", args=[imports.MemberReportSpec.kind])
        return context


# The list each record page leads back to.
LIST_URL_NAMES = {
    "memberreport": "reporting:member-report-list",
    "departmentreport": "reporting:department-report-list",
    "serviceneed": "reporting:need-list",
    "servicerecord": "reporting:record-list",
}


def _detail(request, obj, title, fields, extra=None):
    """One record page: its fields, the transitions the user may apply, its trail."""
    context = {
        "object": obj,
        "title": title,
        "list_url": reverse(LIST_URL_NAMES[obj._meta.model_name]),
        "list_label": obj._meta.verbose_name_plural,
        "fields": fields,
        "transitions": services.available_transitions(request.user, obj),
        "changes": services.changes_of(obj),
        "history": history(obj),
        "kind": obj._meta.model_name,
        **(extra or {}),
    }
    return render(request, "reporting/detail.html", context)


@login_required
def member_report_detail(request, pk: int):
    report = get_object_or_404(
        MemberReport.objects.visible_to(request.user).select_related(
            "person", "community", "grid", "department"
        ),
        pk=pk,
    )
    fields = [(c.header, c.cell(report)) for c in MEMBER_REPORT_COLUMNS]
    fields.append((_("退回原因"), report.reject_reason))
    form = DecisionForm(community=report.community)
    evaluations = report.evaluations.order_by("-half")
    return _detail(
        request, report, str(report.person), fields, {"form": form, "evaluations": evaluations}
    )


# The records with transitions, by the `kind` in their transition URLs.
WORKFLOW_MODELS = {m._meta.model_name: m for m in (MemberReport, DepartmentReport, ServiceRecord)}


@login_required
@require_POST
def transition(request, kind: str, pk: int, name: str):
    """Apply a named transition; a refusal is a message, never a 500."""
    model = WORKFLOW_MODELS.get(kind)
    if model is None:
        raise Http404
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    community = obj.community if model is MemberReport else None
    form = DecisionForm(request.POST, community=community)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(obj.get_absolute_url())
    note = form.cleaned_data["note"]
    try:
        _run_transition(request.user, obj, name, note, form.cleaned_data.get("grid"))
    except services.ReportingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已完成：%(obj)s") % {"obj": obj})
    return redirect(obj.get_absolute_url())


def _run_transition(user, obj, name, note, grid):
    if isinstance(obj, MemberReport):
        if name == "confirm":
            return services.confirm_member(user, obj, grid, note)
        return services.reject_member(user, obj, note) if name == "reject" else _unknown()
    if isinstance(obj, ServiceRecord):
        if name == "confirm":
            return services.confirm_record(user, obj, note)
        return services.reject_record(user, obj, note) if name == "reject" else _unknown()
    return services.decide_department_report(user, obj, name, note)


def _unknown():
    raise services.ReportingError(_("不支持该操作。"))


# --- registration on a phone: a link and QR code per community
def _community(code: str) -> Unit:
    return get_object_or_404(Unit, code=code, kind=UnitKind.COMMUNITY)


def join_url(request, community: Unit) -> str:
    return request.build_absolute_uri(reverse("reporting:join", args=[community.code]))


@login_required
def join(request, code: str):
    """The page the community's QR code opens: the logged-in member registers here."""
    community = _community(code)
    person = request.user.person
    if person is None or not user_can(request.user, "memberreport.add"):
        raise PermissionDenied(_("请使用党员账号登录后报到。"))
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.register_member(request.user, person, community, form.registration())
        except services.ReportingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("报到已提交，等待社区确认。"))
            return redirect(report.get_absolute_url())
    context = {"form": form, "community": community, "period": current_period()}
    return render(request, "reporting/join.html", context)


@login_required
def poster(request, pk: int):
    """A printable A4 poster with the community's registration QR code."""
    community = get_object_or_404(
        Unit.objects.visible_to(request.user).filter(kind=UnitKind.COMMUNITY), pk=pk
    )
    url = join_url(request, community)
    context = {"community": community, "url": url, "qr_svg": qr.svg(url)}
    return render(request, "reporting/poster.html", context)


@login_required
def poster_qr(request, pk: int):
    community = get_object_or_404(
        Unit.objects.visible_to(request.user).filter(kind=UnitKind.COMMUNITY), pk=pk
    )
    return HttpResponse(qr.svg(join_url(request, community)), content_type="image/svg+xml")


# --- bulk registration by a department admin
def _unreported_members(user, period: str):
    reported = MemberReport.objects.filter(period=period, state__in=ACTIVE_REPORT_STATES)
    return (
        Person.objects.visible_to(user)
        .party_members()
        .filter(party_department__isnull=False)
        .exclude(pk__in=reported.values("person"))
        .select_related("home_unit__parent")
        .order_by("name", "pk")
    )


@login_required
def bulk_register(request):
    if not services.registering_departments(request.user):
        raise PermissionDenied(_("只有部门党组织管理员可以批量报到。"))
    period = current_period()
    candidates = _unreported_members(request.user, period)
    form = BulkRegistrationForm(request.POST or None, user=request.user, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        done, refused = _register_all(request.user, form.cleaned_data["members"])
        if done:
            messages.success(request, _("已为 %(n)d 名党员提交报到。") % {"n": done})
        for message in refused:
            messages.error(request, message)
        return redirect("reporting:bulk-register")
    return render(request, "reporting/bulk.html", {"form": form, "period": period})


def _register_all(user, people) -> tuple[int, list[str]]:
    done, refused = 0, []
    for person in people:
        home = person.home_unit
        community = home.parent if home.kind == UnitKind.GRID else home
        try:
            services.register_member(user, person, community, services.Registration())
            done += 1
        except services.ReportingError as exc:
            refused.append(str(exc))
    return done, refused


# --- feedback to departments (双向反馈)
@login_required
def department_feedback(request):
    """A department sees which members reported, where, and how much they served."""
    departments = Department.objects.visible_to(request.user, "change")
    if not departments.exists() or not user_can(request.user, "memberreport.view"):
        raise PermissionDenied(_("此页面供部门党组织管理员使用。"))
    period = request.GET.get("period") or figures.latest_period()
    members = (
        Person.objects.visible_to(request.user)
        .party_members()
        .filter(party_department__in=departments)
        .annotate(
            # EXISTS, not a join: joined beside the service records, each record
            # was summed once per registration of the member.
            reported=Exists(
                MemberReport.objects.filter(
                    person=OuterRef("pk"), period=period, state=MemberReportState.CONFIRMED
                )
            ),
            minutes=Sum(
                "service_records__minutes",
                filter=Q(service_records__state=ServiceRecordState.CONFIRMED),
            ),
        )
        .order_by("name", "pk")
    )
    rows = list(members.values("pk", "name", "id_number_masked", "reported", "minutes"))
    context = {
        "period": period,
        "rows": rows,
        "not_reported": [r for r in rows if not r["reported"]],
        "never_served": [r for r in rows if not r["minutes"]],
    }
    return render(request, "reporting/feedback.html", context)


# The 双报到 lists beside the dashboard (党员报到 is linked with the unit chosen).
DASHBOARD_LINKS = [
    (_l("单位报到"), "reporting:department-report-list", "departmentreport.view"),
    (_l("网格责任"), "reporting:grid-list", "gridresponsibility.view"),
    (_l("评价"), "reporting:evaluation-list", "memberevaluation.view"),
    (_l("积分规则"), "reporting:rule-list", "pointrule.view"),
]


# --- the dashboard
@login_required
def dashboard(request):
    if not user_can(request.user, "memberreport.view"):
        raise PermissionDenied
    units = Unit.objects.visible_to(request.user)
    chosen = request.GET.get("unit")
    unit = units.filter(pk=chosen).first() if str(chosen).isdigit() else None
    unit = unit or units.order_by("depth", "path").first()
    if unit is None:  # no unit in scope: a department's feedback, or a member's own page
        if Department.objects.visible_to(request.user, "change").exists():
            return redirect("reporting:department-feedback")
        return redirect("reporting:mine")
    period = request.GET.get("period") or None
    if period and not figures.valid_period(period):
        messages.error(request, _("周期格式应为 2024 或 2024H1，已显示最近一期。"))
        period = None
    data = figures.summary(unit, period)
    links = links_for(request.user, DASHBOARD_LINKS)
    return render(request, "reporting/dashboard.html", {"unit": unit, "data": data, "links": links})


@login_required
def my_reporting(request):
    """A member's own registrations, service and points."""
    person = request.user.person
    if person is None:
        raise PermissionDenied(_("您的账号未关联人员信息。"))
    reports = MemberReport.objects.visible_to(request.user).filter(person=person)
    records = ServiceRecord.objects.visible_to(request.user).filter(person=person)
    context = {
        "reports": reports.select_related("community", "grid"),
        "records": records.order_by("-date")[:20],
        "points": services.points.total_points(records),
        "claims": person.service_claims.select_related("need")[:20],
    }
    return render(request, "reporting/mine.html", context)


@login_required
@require_GET
def photo_file(request, pk: int):
    """A service record's photo, to whoever may see the record (see jiceng.core.files)."""
    records = ServiceRecord.objects.visible_to(request.user)
    photo = get_object_or_404(ServicePhoto.objects.filter(record__in=records), pk=pk)
    return file_response(photo.file, photo.file.name.rsplit("/", 1)[-1])


# --- department reports, needs, records, grids, rules, evaluations
class DepartmentReportListView(ScopedListView):
    model = DepartmentReport
    filterset_class = DepartmentReportFilter
    export_basename = "单位报到"
    create_url_name = "reporting:department-report-create"
    columns = [
        Column(_l("部门党组织"), lambda r: r.pairing.department, link=True),
        Column(_l("社区"), lambda r: r.pairing.community),
        Column(_l("年度"), lambda r: r.year),
        Column(_l("提供资源"), lambda r: r.resources),
        Column(_l("共建项目"), lambda r: r.projects),
        Column(_l("状态"), lambda r: r.get_state_display()),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("pairing__department", "pairing__community")


class DepartmentReportCreateView(ScopedCreateView):
    model = DepartmentReport
    form_class = DepartmentReportForm

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_change(self.request.user, self.object, "propose", "", "proposed")
        return response


@login_required
def department_report_detail(request, pk: int):
    report = get_object_or_404(
        DepartmentReport.objects.visible_to(request.user).select_related(
            "pairing__department", "pairing__community"
        ),
        pk=pk,
    )
    columns = DepartmentReportListView.columns
    fields = [(c.header, c.cell(report)) for c in columns] + [(_("说明"), report.note)]
    return _detail(request, report, str(report.pairing), fields, {"form": DecisionForm()})


class ServiceNeedListView(ScopedListView):
    model = ServiceNeed
    filterset_class = ServiceNeedFilter
    export_basename = "服务需求"
    create_url_name = "reporting:need-create"
    columns = [
        Column(_l("标题"), lambda n: n.title, link=True),
        Column(_l("类别"), lambda n: n.get_category_display()),
        Column(_l("服务类型"), lambda n: n.get_kind_display(), wide_only=True),
        Column(_l("社区"), lambda n: n.community, wide_only=True),
        Column(_l("日期"), lambda n: n.date),
        Column(_l("地点"), lambda n: n.place, wide_only=True),
        Column(_l("需要"), lambda n: n.quantity),
        Column(_l("已认领"), lambda n: n.claimed_count),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("community")


class ServiceNeedCreateView(ScopedCreateView):
    model = ServiceNeed
    form_class = ServiceNeedForm


@login_required
def need_detail(request, pk: int):
    need = get_object_or_404(
        ServiceNeed.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    fields = [(c.header, c.cell(need)) for c in ServiceNeedListView.columns]
    fields += [(_("时间"), need.time), (_("说明"), need.description)]
    claims = need.claims.visible_to(request.user).select_related("person", "department")
    can_claim = user_can(request.user, "serviceclaim.add") and need.remaining > 0
    extra = {"claims": claims, "can_claim": can_claim}
    return _detail(request, need, need.title, fields, extra)


@login_required
@require_POST
def claim(request, pk: int):
    need = get_object_or_404(ServiceNeed.objects.visible_to(request.user), pk=pk)
    if not user_can(request.user, "serviceclaim.add"):
        raise PermissionDenied
    try:
        services.claim_as(request.user, need)
    except services.ReportingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("认领成功。"))
    return redirect(need.get_absolute_url())


class ServiceRecordListView(ScopedListView):
    model = ServiceRecord
    filterset_class = ServiceRecordFilter
    export_basename = "服务记录"
    create_url_name = "reporting:record-create"
    columns = [
        Column(_l("党员"), lambda r: r.person.name, link=True),
        Column(_l("部门党组织"), lambda r: r.department),
        Column(_l("服务社区"), lambda r: r.community),
        Column(_l("服务类型"), lambda r: r.get_kind_display()),
        Column(_l("日期"), lambda r: r.date),
        Column(_l("时长（小时）"), lambda r: r.hours),
        Column(_l("服务人数"), lambda r: r.people_served),
        Column(_l("状态"), lambda r: r.get_state_display()),
        Column(_l("积分"), lambda r: r.points),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("person", "community", "department")


class ServiceRecordCreateView(ScopedCreateView):
    model = ServiceRecord
    form_class = ServiceRecordForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.person_id is None:
            raise PermissionDenied(_("您的账号未关联人员信息。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["person"] = self.request.user.person
        return kwargs

    def get_template_names(self):
        return ["reporting/record_form.html"]


@login_required
def record_detail(request, pk: int):
    record = get_object_or_404(
        ServiceRecord.objects.visible_to(request.user).select_related(
            "person", "community", "department", "need"
        ),
        pk=pk,
    )
    fields = [(c.header, c.cell(record)) for c in ServiceRecordListView.columns]
    fields += [(_("对应需求"), record.need or ""), (_("服务内容"), record.description)]
    extra = {"form": DecisionForm(), "photos": record.photos.all()}
    return _detail(request, record, str(record), fields, extra)


class GridResponsibilityListView(ScopedListView):
    model = GridResponsibility
    filterset_class = GridResponsibilityFilter
    export_basename = "网格党建责任"
    columns = [
        Column(_l("网格"), lambda g: g.grid, link=True),
        Column(_l("网格长"), lambda g: g.grid_head),
        Column(_l("网格员"), lambda g: g.grid_worker or _("（缺）")),
        Column(_l("网格党支部书记"), lambda g: g.branch_secretary or ""),
        Column(_l("报到党员数"), lambda g: g.members),
    ]

    def get_queryset(self):
        period = figures.latest_period()
        members = Count(
            "grid__assigned_member_reports",
            filter=Q(
                grid__assigned_member_reports__period=period,
                grid__assigned_member_reports__state="confirmed",
            ),
        )
        return (
            super()
            .get_queryset()
            .select_related("grid", "grid_head", "grid_worker", "branch_secretary")
            .annotate(members=members)
            .order_by("grid__path")
        )

    def get_context_data(self, **kwargs):
        if not user_can(self.request.user, "gridresponsibility.change"):
            # A grid's row leads to its edit form, which read-only roles may not open.
            self.columns = [replace(column, link=False) for column in self.columns]
        return super().get_context_data(**kwargs)


class GridResponsibilityUpdateView(ScopedUpdateView):
    model = GridResponsibility
    form_class = GridResponsibilityForm

    def get_success_url(self):
        return reverse("reporting:grid-list")


class PointRuleListView(ScopedListView):
    model = PointRule
    filterset_class = PointRuleFilter
    export_basename = "积分规则"
    create_url_name = "reporting:rule-create"
    columns = [
        Column(_l("适用单位"), lambda r: r.unit),
        Column(_l("服务类型"), lambda r: r.get_kind_display() or _("全部")),
        Column(_l("每小时积分"), lambda r: r.points_per_hour),
        Column(_l("单次上限"), lambda r: r.max_per_record),
        Column(_l("每月上限"), lambda r: r.max_per_month),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("unit").order_by("unit__path", "kind")


class PointRuleCreateView(ScopedCreateView):
    model = PointRule
    form_class = PointRuleForm

    def get_success_url(self):
        return reverse("reporting:rule-list")


class MemberEvaluationListView(ScopedListView):
    model = MemberEvaluation
    filterset_class = MemberEvaluationFilter
    export_basename = "报到党员评价"
    create_url_name = "reporting:evaluation-create"
    columns = [
        Column(_l("党员"), lambda e: e.report.person.name, link=True),
        Column(_l("部门党组织"), lambda e: e.report.department),
        Column(_l("报到社区"), lambda e: e.report.community),
        Column(_l("半年度"), lambda e: e.half),
        Column(_l("评价等次"), lambda e: e.get_grade_display()),
        Column(_l("评语"), lambda e: e.comment),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("report__person", "report__department", "report__community")
        )


class MemberEvaluationCreateView(ScopedCreateView):
    model = MemberEvaluation
    form_class = MemberEvaluationForm
