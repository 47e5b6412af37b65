"""Small builders for test data: real models, real database, valid identities."""

from __future__ import annotations

import datetime
import itertools

from stdnum.cn import ric

from jiceng.accounts.models import RoleAssignment, User
from jiceng.orgs.models import Department, Unit
from jiceng.people.models import Person

_serial = itertools.count(1)
PASSWORD = "Test-pass-2024"


def id_number(birth=datetime.date(1985, 6, 15), area="152502", male=True) -> str:
    """A valid, unique 18-digit number with the right check digit."""
    seq = next(_serial) % 500
    order = seq * 2 + (1 if male else 0)
    body = f"{area}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def unit(name: str, kind: str, parent: Unit | None = None, code: str | None = None) -> Unit:
    code = code or f"{parent.code if parent else '15'}{next(_serial):03d}"
    return Unit.objects.create(name=name, kind=kind, parent=parent, code=code)


def person(name: str, home: Unit, **fields) -> Person:
    male = fields.pop("male", True)
    obj = Person(name=name, home_unit=home, **fields)
    obj.id_number = fields.pop("id_number", None) or id_number(male=male)
    obj.phone = f"139{next(_serial):08d}"
    obj.full_clean()
    obj.save()
    return obj


def department(name: str, owner: Unit, kind: str = "organ") -> Department:
    return Department.objects.create(name=name, unit=owner, kind=kind)


def user(
    username: str, role: str | None = None, *, unit=None, department=None, person_obj=None
) -> User:
    account = User.objects.create_user(username, password=PASSWORD, person=person_obj)
    if role:
        RoleAssignment.objects.create(user=account, role=role, unit=unit, department=department)
    return account
