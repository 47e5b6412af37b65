from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from jiceng.orgs.filters import DepartmentFilter
from jiceng.orgs.models import Department

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
        return [pairing.community_id for pairing in obj.pairings.all()]


class DepartmentQuery(Schema):
    q: str | None = None
    kind: str | None = None


@router.get("", response=list[DepartmentOut])
@paginate(LimitOffsetPagination)
def list_departments(request, filters: Query[DepartmentQuery]):
    return filtered(request, Department, DepartmentFilter).with_visible_pairings(request.user)


@router.get("/{int:department_id}", response=DepartmentOut)
def get_department(request, department_id: int):
    departments = Department.objects.with_visible_pairings(request.user)
    return get_visible(request, departments, department_id)
