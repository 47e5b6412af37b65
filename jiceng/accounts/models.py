"""Users, their role assignments and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core.scoping import Scoped

from .roles import DEPARTMENT, ROLE_CHOICES, ROLES, SELF, UNIT


class User(AbstractUser):
    person = models.OneToOneField(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_l("对应人员"),
    )

    class Meta:
        verbose_name = _l("用户")
        verbose_name_plural = _l("用户")

    @cached_property
    def assignments(self) -> list[RoleAssignment]:
        """Loaded once per request; every scoping decision reads this list."""
        return list(self.role_assignments.select_related("unit", "department", "user"))

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id else self.get_full_name() or self.username


class RoleAssignment(Scoped):
    user = models.ForeignKey(
        User, models.CASCADE, related_name="role_assignments", verbose_name=_l("用户")
    )
    role = models.CharField(_l("角色"), max_length=32, choices=ROLE_CHOICES)
    unit = models.ForeignKey(
        "orgs.Unit",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_l("单位"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_l("部门党组织"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_departments = ("department",)

    class Meta:
        verbose_name = _l("角色分配")
        verbose_name_plural = _l("角色分配")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit", "department"], name="assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.unit or self.department or _("本人")
        return f"{self.user} · {self.get_role_display()} @ {where}"

    @property
    def definition(self):
        return ROLES[self.role]

    @property
    def is_self_service(self) -> bool:
        return self.definition.scope == SELF

    def grants(self, perm: str) -> bool:
        return self.definition.grants(perm)

    def clean(self) -> None:
        scope = ROLES[self.role].scope if self.role in ROLES else None
        if scope == UNIT and (not self.unit_id or self.department_id):
            raise ValidationError(_("该角色必须指定一个单位。"))
        if scope == DEPARTMENT and (not self.department_id or self.unit_id):
            raise ValidationError(_("该角色必须指定一个部门党组织。"))
        if scope == SELF and (self.unit_id or self.department_id):
            raise ValidationError(_("党员自助角色不需要指定单位或部门。"))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, token: str) -> User | None:
        found = (
            self.filter(key_hash=_digest(token), revoked_at__isnull=True, user__is_active=True)
            .select_related("user")
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found.user


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_l("用户")
    )
    name = models.CharField(_l("名称"), max_length=64, blank=True)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_l("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_l("最后使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_l("撤销时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _l("API 令牌")
        verbose_name_plural = _l("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user})"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        """Create a token; the clear value is returned once and never stored."""
        clear = "jc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=clear[:8], key_hash=_digest(clear))
        return token, clear

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
