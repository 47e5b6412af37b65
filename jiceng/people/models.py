"""People living in the tree, their party membership and protected personal data."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiceng.core import crypto
from jiceng.core.scoping import Scoped, ScopedQuerySet
from jiceng.orgs.models import UnitKind

from . import identity
from .choices import ETHNICITY_CHOICES, PARTY_STATUSES, Gender, PoliticalStatus


class CareTag(models.Model):
    """A flag for residents who need care (特殊群体): 独居老人, 残疾人, 低保…"""

    name = models.CharField(_l("名称"), max_length=32, unique=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _l("关爱标签")
        verbose_name_plural = _l("关爱标签")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(ScopedQuerySet):
    def by_id_number(self, number: str) -> PersonQuerySet:
        return self.filter(id_number_hash=crypto.lookup_hash(identity.normalize_id_number(number)))

    def by_phone(self, phone: str) -> PersonQuerySet:
        return self.filter(phone_hash=crypto.lookup_hash(identity.normalize_phone(phone)))

    def party_members(self) -> PersonQuerySet:
        return self.filter(political_status__in=PARTY_STATUSES)


class Person(Scoped):
    name = models.CharField(_l("姓名"), max_length=50)  # indexed by (name, id) below
    gender = models.CharField(_l("性别"), max_length=8, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(
        _l("民族"), max_length=16, choices=ETHNICITY_CHOICES, default="汉族"
    )
    birth_date = models.DateField(_l("出生日期"), null=True, blank=True)
    # Personal data: ciphertext at rest, a keyed hash to find it, a masked copy to show.
    id_number_cipher = models.TextField(blank=True, editable=False)
    # Unique and indexed through Meta: declared here, PostgreSQL would also get a
    # LIKE-pattern index per column, which no query uses and every insert pays for.
    id_number_hash = models.CharField(max_length=64, null=True, editable=False)
    id_number_masked = models.CharField(
        _l("公民身份号码"), max_length=18, blank=True, editable=False
    )
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, null=True, editable=False)
    phone_masked = models.CharField(_l("手机号码"), max_length=16, blank=True, editable=False)

    political_status = models.CharField(
        _l("政治面貌"),
        max_length=20,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )  # five values: an index would not be chosen; in-service members have their own
    party_unit = models.ForeignKey(
        "orgs.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="party_members",
        verbose_name=_l("所属党组织（单位）"),
    )
    party_department = models.ForeignKey(
        "orgs.Department",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="party_members",
        verbose_name=_l("所属党组织（部门）"),
    )
    party_join_date = models.DateField(_l("入党日期"), null=True, blank=True)
    home_unit = models.ForeignKey(
        "orgs.Unit",
        models.PROTECT,
        related_name="residents",
        verbose_name=_l("居住社区或网格"),
        db_index=False,  # (home_unit, name) below serves every lookup by home unit
    )
    workplace = models.ForeignKey(
        "orgs.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_l("工作单位"),
    )
    tags = models.ManyToManyField(
        CareTag, blank=True, related_name="people", verbose_name=_l("关爱标签")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_unit = "home_unit"
    scope_departments = ("workplace", "party_department")
    scope_person = "pk"
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _l("人员")
        verbose_name_plural = _l("人员")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="person_id_number_hash_unique")
        ]
        indexes = [
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
            models.Index(fields=["home_unit", "name"]),
            # The list order: lets a first page stop after 50 rows instead of sorting all.
            models.Index(fields=["name", "id"], name="person_name_id"),
            # In-service members per home unit (双报到 figures): an index-only scan.
            models.Index(
                fields=["home_unit"],
                # A list, not a set: a set's order changes between runs, and with
                # it what makemigrations thinks of this index.
                condition=models.Q(
                    party_department__isnull=False, political_status__in=list(PARTY_STATUSES)
                ),
                name="person_in_service_member",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:person-detail", args=[self.pk])

    # --- personal data, decrypted only on demand
    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_cipher)

    @id_number.setter
    def id_number(self, value: str) -> None:
        for attname, stored in self.id_number_columns(value).items():
            setattr(self, attname, stored)

    @staticmethod
    def id_number_columns(value: str) -> dict:
        """The stored columns for an ID number (bulk imports write these without an instance)."""
        number = identity.normalize_id_number(value)
        columns = {
            "id_number_cipher": crypto.encrypt(number),
            "id_number_hash": crypto.lookup_hash(number),
            "id_number_masked": crypto.mask_id_number(number),
        }
        if number and len(number) == 18:
            # An invalid number keeps the old birth date; clean() reports it.
            with contextlib.suppress(Exception):
                columns["birth_date"] = identity.birth_date_of(number)
            if number[16].isdigit():
                columns["gender"] = identity.gender_of(number)
        return columns

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_cipher)

    @phone.setter
    def phone(self, value: str) -> None:
        for attname, stored in self.phone_columns(value).items():
            setattr(self, attname, stored)

    @staticmethod
    def phone_columns(value: str) -> dict[str, str | None]:
        phone = identity.normalize_phone(value)
        return {
            "phone_cipher": crypto.encrypt(phone),
            "phone_hash": crypto.lookup_hash(phone),
            "phone_masked": crypto.mask_phone(phone),
        }

    @property
    def is_party_member(self) -> bool:
        return self.political_status in PARTY_STATUSES

    @property
    def party_organization(self):
        return self.party_unit or self.party_department

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.home_unit_id and self.home_unit.kind not in (UnitKind.COMMUNITY, UnitKind.GRID):
            errors["home_unit"] = _("居住地必须是社区或网格。")
        if self.is_party_member:
            if not (self.party_unit_id or self.party_department_id):
                errors["party_unit"] = _("党员必须填写所属党组织。")
        elif self.party_unit_id or self.party_department_id or self.party_join_date:
            errors["political_status"] = _("只有中共党员或预备党员才能填写党组织和入党日期。")
        if self.party_unit_id and self.party_department_id:
            errors["party_department"] = _("所属党组织只能选择一个：单位党组织或部门党组织。")
        if self.party_join_date and self.birth_date and self.party_join_date <= self.birth_date:
            errors["party_join_date"] = _("入党日期不能早于出生日期。")
        if errors:
            raise ValidationError(errors)
