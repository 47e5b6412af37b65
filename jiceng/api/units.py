from datetime import datetime

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from jiceng.core.scoping import user_can
from jiceng.orgs.filters import UnitFilter
from jiceng.orgs.forms import UnitForm
from jiceng.orgs.models import Unit

from .base import filtered, get_visible, save_form

router = Router(tags=["units 单位"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    depth: int
    sort_order: int
    party_org_name: str
    party_org_type: str
    secretary_id: int | None
    boundary: dict | None
    updated_at: datetime


class UnitIn(Schema):
    code: str
    name: str
    kind: str
    parent: int | None = None
    sort_order: int = 0
    party_org_name: str = ""
    party_org_type: str = ""
    boundary: dict | None = None


class UnitPatch(Schema):
    code: str | None = None
    name: str | None = None
    parent: int | None = None
    sort_order: int | None = None
    party_org_name: str | None = None
    party_org_type: str | None = None
    boundary: dict | None = None


class UnitQuery(Schema):
    kind: str | None = None
    parent: int | None = None
    q: str | None = None


@router.get("", response=list[UnitOut])
@paginate(LimitOffsetPagination)
def list_units(request, filters: Query[UnitQuery]):
    """Units in the caller's scope; `?kind=grid|community|street|city`, `?parent=ID`, `?q=`."""
    return filtered(request, Unit, UnitFilter).order_by("path")


@router.post("", response={201: UnitOut})
def create_unit(request, payload: UnitIn):
    if not user_can(request.user, "unit.add"):
        raise PermissionDenied
    return 201, save_form(request, UnitForm, payload.dict())


@router.get("/{int:unit_id}", response=UnitOut)
def get_unit(request, unit_id: int):
    return get_visible(request, Unit, unit_id)


@router.patch("/{int:unit_id}", response=UnitOut)
def update_unit(request, unit_id: int, payload: UnitPatch):
    unit = get_visible(request, Unit, unit_id, "change")
    return save_form(request, UnitForm, payload.dict(exclude_unset=True), instance=unit)
