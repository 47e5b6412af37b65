"""Canary records for every Scoped model: records in the sibling subtree
(street_b) that no persona but city_admin may ever see or change.

The world fixture already holds canary units, a department, a pairing and
two people. `build_canaries` adds one record for every other Scoped model:
explicit builders for the models we know, and a generic builder (required
fields filled from the canary world) for models other branches add later.
A model that neither can build is reported by test_every_scoped_model_has_a_canary,
unless it is listed in KNOWN_GAPS with the reason.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from jiceng.core.scoping import Scoped

CANARY = "CANARY"

# model label -> why no canary can be built generically (keep this short and honest).
KNOWN_GAPS: dict[str, str] = {}


def scoped_models() -> list[type[models.Model]]:
    """Every concrete model that inherits jiceng.core.scoping.Scoped."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Scoped) and not model._meta.abstract and not model._meta.proxy
    ]


@dataclass
class Canaries:
    ids: dict[type[models.Model], list[int]]  # canary primary keys per Scoped model
    errors: dict[str, str]  # model label -> why the generic builder failed

    def all_ids(self) -> set[int]:
        return {pk for pks in self.ids.values() for pk in pks}


def build_canaries(world) -> Canaries:
    """Canary records for every Scoped model (adding the ones the world lacks)."""
    from jiceng.accounts.models import RoleAssignment
    from jiceng.orgs.models import Department, DepartmentPairing, LeaderLink, Unit
    from jiceng.people.models import Person
    from tests import factories as f

    canary_user = f.user("CANARY_staff", "community_staff", unit=world.community_b)
    LeaderLink.objects.create(
        leader=world.canary_member,
        unit=world.community_b,
        kind="baolian",
        title="CANARY职务",
        start_date=datetime.date(2024, 1, 1),
    )
    found = {
        Unit: [world.street_b.pk, world.community_b.pk, world.grid_b.pk],
        Department: [world.department_b.pk],
        DepartmentPairing: list(
            DepartmentPairing.objects.filter(department=world.department_b).values_list(
                "pk", flat=True
            )
        ),
        Person: [world.canary_person.pk, world.canary_member.pk],
        LeaderLink: list(
            LeaderLink.objects.filter(leader=world.canary_member).values_list("pk", flat=True)
        ),
        RoleAssignment: list(canary_user.role_assignments.values_list("pk", flat=True)),
    }
    # Models whose required fields the generic builder cannot guess.
    from jiceng.reporting.models import StateChange

    found[StateChange] = [
        StateChange.objects.create(
            record_type="memberreport",
            record_id=0,
            unit=world.community_b,
            transition="confirm",
            to_state="confirmed",
            actor=canary_user,
            note="CANARY",
        ).pk
    ]
    # Files: their content is the canary, so a download that leaks shows it.
    from django.core.files.base import ContentFile

    from jiceng.reporting.models import ServicePhoto, ServiceRecord
    from jiceng.worklists.models import Attachment

    found[Attachment] = [
        Attachment.objects.create(
            unit=world.community_b,
            file=ContentFile(CANARY.encode(), name="canary.txt"),
            name="canary.txt",
            size=len(CANARY),
            content_type="text/plain",
            uploaded_by=canary_user,
        ).pk
    ]
    context = _GenericContext(world, canary_user, found)
    for model in scoped_models():
        if model not in found and model._meta.label not in KNOWN_GAPS:
            obj = context.build(model)
            if obj is not None:
                found[model] = [obj.pk]
    # Not Scoped itself: seen through its record's scope.
    record = ServiceRecord.objects.get(pk=found[ServiceRecord][0])
    photo = ServicePhoto.objects.create(
        record=record, file=ContentFile(CANARY.encode(), name="canary.jpg")
    )
    found[ServicePhoto] = [photo.pk]
    return Canaries(found, context.errors)


class _GenericContext:
    """Fills the required fields of an unknown Scoped model from the canary world."""

    def __init__(self, world, canary_user, found):
        self.world = world
        self.user = canary_user
        self.found = found
        self.errors: dict[str, str] = {}

    def related_candidates(self, field) -> list:
        from jiceng.orgs.models import Department, Unit
        from jiceng.people.models import Person

        target = field.related_model
        world = self.world
        if target is Unit:
            return [world.grid_b, world.community_b, world.street_b]
        if target is Department:
            return [world.department_b]
        if target is Person:
            return [world.canary_member, world.canary_person]
        if target is type(self.user):
            return [self.user]
        if target in self.found:
            return list(target.objects.filter(pk__in=self.found[target]))
        if issubclass(target, Scoped):
            built = self.build(target)
            return [built] if built is not None else []
        return list(target.objects.all()[:1])

    def plain_value(self, field):
        if field.choices:
            return field.choices[0][0]
        if isinstance(field, models.CharField | models.TextField):
            return CANARY[: field.max_length] if field.max_length else CANARY
        if isinstance(field, models.DateTimeField):
            return timezone.now()
        if isinstance(field, models.DateField):
            return datetime.date(2024, 1, 1)
        if isinstance(field, models.DecimalField):
            return decimal.Decimal(1)
        if isinstance(field, models.IntegerField | models.FloatField):
            return 1
        if isinstance(field, models.BooleanField):
            return False
        if isinstance(field, models.JSONField):
            return {}
        raise ValueError(f"no canary value for {field.__class__.__name__} {field.name}")

    def build(self, model):
        """Try every combination of related canaries; return the saved record or None."""
        plain, relations = {}, []
        try:
            for field in model._meta.concrete_fields:
                if field.primary_key or getattr(field, "auto_now", False):
                    continue
                if getattr(field, "auto_now_add", False) or not field.editable:
                    continue
                if field.is_relation:
                    if not field.null or not field.blank:  # required by full_clean()
                        relations.append(field)
                elif isinstance(field, models.CharField | models.TextField) and not field.choices:
                    plain[field.name] = self.plain_value(field)  # "CANARY" makes leaks visible
                elif not field.has_default() and not field.null and not field.blank:
                    plain[field.name] = self.plain_value(field)
        except ValueError as error:
            self.errors[model._meta.label] = str(error)
            return None
        return self._save_first_valid(model, plain, relations)

    def _save_first_valid(self, model, plain, relations):
        choices = [self.related_candidates(field) for field in relations]
        last_error = "no candidates"
        for combo in itertools.islice(itertools.product(*choices), 50):
            obj = model(
                **plain, **{f.name: value for f, value in zip(relations, combo, strict=True)}
            )
            try:
                obj.full_clean()
                with transaction.atomic():
                    obj.save()
                return obj
            except (ValidationError, ValueError, TypeError, DatabaseError) as error:
                last_error = str(error)
        self.errors[model._meta.label] = last_error
        return None
