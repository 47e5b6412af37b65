"""双报到 over the API: reports, needs, claims, service records and unit summaries.

Lists use the same FilterSets as the HTML lists, so `?community=`, `?grid=`,
`?department=`, `?state=` mean the same on both sides and stay scoped.
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from jiceng.core.scoping import user_can
from jiceng.orgs.models import Unit
from jiceng.reporting import figures, services
from jiceng.reporting.filters import (
    DepartmentReportFilter,
    MemberReportFilter,
    ServiceNeedFilter,
    ServiceRecordFilter,
)
from jiceng.reporting.forms import ServiceRecordForm
from jiceng.reporting.models import DepartmentReport, MemberReport, ServiceNeed, ServiceRecord

from .base import filtered, get_visible, save_form

router = Router(tags=["reporting 双报到"])


class MemberReportOut(Schema):
    id: int
    person_id: int
    person_name: str
    id_number_masked: str
    community_id: int
    grid_id: int | None
    department_id: int | None
    period: str
    estate: str
    building: str
    entrance: str
    room: str
    skills: str
    service_kinds: list[str]
    available_times: str
    state: str
    reject_reason: str
    updated_at: datetime

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.name

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj.person.id_number_masked


class MemberReportQuery(Schema):
    q: str | None = None
    unit: int | None = None
    community: int | None = None
    grid: int | None = None
    department: int | None = None
    state: str | None = None
    period: str | None = None


class DepartmentReportOut(Schema):
    id: int
    department_id: int
    department_name: str
    community_id: int
    year: int
    resources: str
    projects: str
    state: str

    @staticmethod
    def resolve_department_id(obj) -> int:
        return obj.pairing.department_id

    @staticmethod
    def resolve_department_name(obj) -> str:
        return obj.pairing.department.name

    @staticmethod
    def resolve_community_id(obj) -> int:
        return obj.pairing.community_id


class DepartmentReportQuery(Schema):
    unit: int | None = None
    department: int | None = None
    state: str | None = None
    year: int | None = None


class ServiceNeedOut(Schema):
    id: int
    community_id: int
    title: str
    category: str
    kind: str
    quantity: int
    claimed_count: int
    date: date
    time: str
    place: str
    description: str


class ServiceNeedQuery(Schema):
    unit: int | None = None
    category: str | None = None
    kind: str | None = None
    open: bool | None = None
    date_from: date | None = None


class ClaimOut(Schema):
    id: int
    need_id: int
    person_id: int | None
    department_id: int | None
    created_at: datetime


class ServiceRecordOut(Schema):
    id: int
    person_id: int
    person_name: str
    community_id: int
    department_id: int | None
    need_id: int | None
    kind: str
    date: date
    minutes: int
    people_served: int
    description: str
    state: str
    points: float

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.name


class ServiceRecordIn(Schema):
    need: int | None = None
    kind: str
    date: date
    minutes: int
    people_served: int = 0
    description: str = ""


class ServiceRecordQuery(Schema):
    unit: int | None = None
    department: int | None = None
    state: str | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@router.get("/member-reports", response=list[MemberReportOut])
@paginate(LimitOffsetPagination)
def list_member_reports(request, filters: Query[MemberReportQuery]):
    """Registrations in scope; a department admin sees their members wherever they live."""
    rows = filtered(request, MemberReport, MemberReportFilter)
    return rows.select_related("person").order_by("pk")


@router.get("/department-reports", response=list[DepartmentReportOut])
@paginate(LimitOffsetPagination)
def list_department_reports(request, filters: Query[DepartmentReportQuery]):
    rows = filtered(request, DepartmentReport, DepartmentReportFilter)
    return rows.select_related("pairing__department").order_by("pk")


@router.get("/service-needs", response=list[ServiceNeedOut])
@paginate(LimitOffsetPagination)
def list_service_needs(request, filters: Query[ServiceNeedQuery]):
    return filtered(request, ServiceNeed, ServiceNeedFilter).order_by("-date", "pk")


@router.post("/service-needs/{int:need_id}/claims", response={201: ClaimOut})
def claim_need(request, need_id: int):
    """Claim one place of a need as the logged-in member (or their department admin)."""
    need = get_visible(request, ServiceNeed, need_id)
    if not user_can(request.user, "serviceclaim.add"):
        raise PermissionDenied
    try:
        made = services.claim_as(request.user, need)
    except services.ReportingError as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(201, made)


@router.get("/service-records", response=list[ServiceRecordOut])
@paginate(LimitOffsetPagination)
def list_service_records(request, filters: Query[ServiceRecordQuery]):
    rows = filtered(request, ServiceRecord, ServiceRecordFilter)
    return rows.select_related("person").order_by("-date", "-pk")


@router.post("/service-records", response={201: ServiceRecordOut})
def log_service(request, payload: ServiceRecordIn):
    """A member logs service; the same validation as the phone form (≤ 24 h a day, no future)."""
    if not user_can(request.user, "servicerecord.add") or request.user.person_id is None:
        raise PermissionDenied

    def form_class(*args, **kwargs):
        return ServiceRecordForm(*args, person=request.user.person, **kwargs)

    return Status(201, save_form(request, form_class, payload.dict()))


@router.get("/units/{int:unit_id}/reporting-summary")
def reporting_summary(request, unit_id: int, period: str | None = None):
    """Departments and members reported, reporting rate, members per grid, service
    minutes and people served, for the unit's whole subtree."""
    unit = get_visible(request, Unit, unit_id)
    if not user_can(request.user, "memberreport.view"):
        raise PermissionDenied
    if period is not None and not figures.valid_period(period):
        raise HttpError(400, "周期格式应为 2024 或 2024H1。")
    return figures.summary(unit, period)
