from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from jiceng.core.scoping import user_can
from jiceng.people.filters import PersonFilter
from jiceng.people.forms import PersonForm
from jiceng.people.models import Person

from .base import filtered, get_visible, save_form

router = Router(tags=["people 人员"])


class PersonOut(Schema):
    """Personal data is masked here exactly as on screen."""

    id: int
    name: str
    gender: str
    ethnicity: str
    birth_date: date | None
    id_number_masked: str
    phone_masked: str
    political_status: str
    party_unit_id: int | None
    party_department_id: int | None
    party_join_date: date | None
    home_unit_id: int
    workplace_id: int | None
    tags: list[str]
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class PersonIn(Schema):
    name: str
    id_number: str
    ethnicity: str = "汉族"
    phone: str = ""
    political_status: str = "masses"
    party_unit: int | None = None
    party_department: int | None = None
    party_join_date: date | None = None
    home_unit: int
    workplace: int | None = None
    tags: list[int] = []


class PersonPatch(Schema):
    name: str | None = None
    id_number: str | None = None
    ethnicity: str | None = None
    phone: str | None = None
    political_status: str | None = None
    party_unit: int | None = None
    party_department: int | None = None
    party_join_date: date | None = None
    home_unit: int | None = None
    workplace: int | None = None
    tags: list[int] | None = None


class PersonQuery(Schema):
    q: str | None = None
    unit: int | None = None
    political_status: str | None = None
    ethnicity: str | None = None
    tag: int | None = None


@router.get("", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def list_people(request, filters: Query[PersonQuery]):
    """People in the caller's scope; `?unit=ID` includes the unit's whole subtree."""
    return filtered(request, Person, PersonFilter).prefetch_related("tags").order_by("name", "pk")


@router.post("", response={201: PersonOut})
def create_person(request, payload: PersonIn):
    if not user_can(request.user, "person.add"):
        raise PermissionDenied
    return 201, save_form(request, PersonForm, payload.dict())


@router.get("/{int:person_id}", response=PersonOut)
def get_person(request, person_id: int):
    return get_visible(request, Person, person_id)


@router.patch("/{int:person_id}", response=PersonOut)
def update_person(request, person_id: int, payload: PersonPatch):
    person = get_visible(request, Person, person_id, "change")
    data = payload.dict(exclude_unset=True)
    return save_form(request, PersonForm, data, instance=person)
