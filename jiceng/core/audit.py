"""Audit trail of every change to a domain record, on top of django-auditlog.

Every app registers its models in its AppConfig.ready() through
`register_audited`, and a test checks that no scoped model is left out.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import models

AUDITED: list[type[models.Model]] = []


def register_audited(model: type[models.Model], **options) -> None:
    # Only the record's own columns: auditlog would otherwise also diff reverse
    # relations (e.g. "secretary_of"), which are noise on the record's page.
    options.setdefault("include_fields", [f.name for f in model._meta.concrete_fields])
    options.setdefault("exclude_fields", [])
    options["exclude_fields"] = [*options["exclude_fields"], "created_at", "updated_at"]
    auditlog.register(model, **options)
    AUDITED.append(model)


def history(obj: models.Model, limit: int = 50):
    """The audit entries of one record, newest first, with their actors."""
    return (
        LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[:limit]
    )


def log_access(obj: models.Model, what: str) -> None:
    """Record that someone looked at protected data of `obj` (e.g. revealed an ID number)."""
    LogEntry.objects.log_create(
        obj, force_log=True, action=LogEntry.Action.ACCESS, changes={"revealed": [what]}
    )
