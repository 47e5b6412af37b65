"""Demo accounts: one per role for trying the platform, one per grid for its grid worker."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from jiceng.accounts.models import RoleAssignment, User
from jiceng.orgs.models import Department, Unit
from jiceng.people.models import Person

BATCH = 500
ADMIN = "admin"
# Username -> role, in the order the login table lists them.
DEMO_ROLES = {
    "city_admin": "city_admin",
    "street_admin": "street_staff",
    "community_admin": "community_staff",
    "grid_worker": "grid_worker",
    "dept_admin": "dept_admin",
    "party_member": "party_member",
}
DEMO_USERNAMES = [*DEMO_ROLES, ADMIN]


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    person: Person
    unit: Unit | None = None
    department: Department | None = None


def grid_worker_username(index: int, grid: Unit) -> str:
    """The first grid's worker is the `grid_worker` demo login; the others gw<grid code>."""
    return "grid_worker" if index == 0 else f"gw{grid.code}"


def create_users(logins: list[Login], password_hash: str, with_admin: bool) -> int:
    """Bulk-create the accounts with one precomputed hash (hashing each would take minutes)."""
    users = [
        User(username=login.username, password=password_hash, person=login.person)
        for login in logins
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=login.role, unit=login.unit, department=login.department)
            for user, login in zip(users, logins, strict=True)
        ],
        batch_size=BATCH,
    )
    if with_admin:
        User.objects.bulk_create(
            [User(username=ADMIN, password=password_hash, is_staff=True, is_superuser=True)]
        )
    return len(users) + with_admin


def login_rows() -> list[tuple[str, str, str, str]]:
    """(username, role, scope, person) for each demo login present in the database."""
    users = {
        user.username: user
        for user in User.objects.filter(username__in=DEMO_USERNAMES)
        .select_related("person")
        .prefetch_related("role_assignments__unit", "role_assignments__department")
    }
    rows = []
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        if user.is_superuser:
            rows.append((username, _("超级管理员"), _("全部（含后台 /admin/）"), ""))
        person = user.person.name if user.person_id else ""
        rows += [
            (username, str(assignment.get_role_display()), _scope(assignment), person)
            for assignment in user.role_assignments.all()
        ]
    return rows


def _scope(assignment: RoleAssignment) -> str:
    if assignment.unit_id:
        return f"{assignment.unit.name}（{assignment.unit.code}）"
    if assignment.department_id:
        return assignment.department.name
    return _("本人")


def format_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain-text table whose columns line up even with Chinese (double-width) text."""
    widths = [max(_width(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [_line(headers, widths), "  ".join("-" * width for width in widths)]
    lines += [_line(row, widths) for row in rows]
    return "\n".join(lines)


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(
        str(cell) + " " * (width - _width(str(cell)))
        for cell, width in zip(cells, widths, strict=True)
    ).rstrip()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
