from django.db.models import Prefetch
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from jiceng.orgs.filters import DepartmentFilter
from jiceng.orgs.models import Department, DepartmentPairing

from .base import filtered, get_visible

router = Router(tags=["departments 部门党组织"])


class DepartmentOut(Schema):
    id: int
    name: str
    kind: str
    unit_id: int
    secretary_id: int | None
    community_ids: list[int]

    @staticmethod
    def resolve_community_ids(obj) -> list[int]:
        pairings = getattr(obj, "pairings_visible", None)
        return [p.community_id for p in (pairings if pairings is not None else obj.pairings.all())]


class DepartmentQuery(Schema):
    q: str | None = None
    kind: str | None = None


@router.get("", response=list[DepartmentOut])
@paginate(LimitOffsetPagination)
def list_departments(request, filters: Query[DepartmentQuery]):
    # Only the pairings the caller may see: a department paired with communities
    # in several streets must not reveal the other streets' communities.
    pairings = DepartmentPairing.objects.visible_to(request.user)
    return filtered(request, Department, DepartmentFilter).prefetch_related(
        Prefetch("pairings", queryset=pairings)
    )


@router.get("/{int:department_id}", response=DepartmentOut)
def get_department(request, department_id: int):
    department = get_visible(request, Department, department_id)
    department.pairings_visible = DepartmentPairing.objects.visible_to(request.user).filter(
        department=department
    )
    return department
