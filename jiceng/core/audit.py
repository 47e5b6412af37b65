"""Audit trail of every change to a domain record, on top of django-auditlog.

Every app registers its models in its AppConfig.ready() through
`register_audited`, and a test checks that no scoped model is left out.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

AUDITED: list[type[models.Model]] = []


def register_audited(model: type[models.Model], **options) -> None:
    # Only the record's own columns: auditlog would otherwise also diff reverse
    # relations (e.g. "secretary_of"), which are noise on the record's page.
    options.setdefault("include_fields", [f.name for f in model._meta.concrete_fields])
    options.setdefault("exclude_fields", [])
    options["exclude_fields"] = [*options["exclude_fields"], "created_at", "updated_at"]
    auditlog.register(model, **options)
    AUDITED.append(model)


# django-auditlog ships no Chinese catalog: its action names would read "create".
ACTION_LABELS = {
    LogEntry.Action.CREATE: _l("新建"),
    LogEntry.Action.UPDATE: _l("修改"),
    LogEntry.Action.DELETE: _l("删除"),
    LogEntry.Action.ACCESS: _l("查看"),
}
# auditlog stores values as text: a missing value is "None", a boolean "True".
VALUE_LABELS = {"None": "—", "": "—", "True": _l("是"), "False": _l("否")}


def history(obj: models.Model, limit: int = 50) -> list[LogEntry]:
    """The audit entries of one record, newest first, with their actors, each
    with `action_label` and `rows` [(field, old, new)] ready to show."""
    entries = list(
        LogEntry.objects.get_for_object(obj).select_related("actor").order_by("-timestamp")[:limit]
    )
    for entry in entries:
        entry.action_label = ACTION_LABELS.get(entry.action, entry.get_action_display())
        entry.rows = change_rows(entry, obj)
    return entries


def change_rows(entry: LogEntry, obj: models.Model) -> list[tuple[str, str, str]]:
    if entry.action == LogEntry.Action.ACCESS:
        return [
            (_("显示完整号码"), field_label(obj, name), "")
            for name in entry.changes_dict.get("revealed", [])
        ]
    pk_label = str(obj._meta.pk.verbose_name)
    rows = [
        (str(field), show_value(values[0]), show_value(values[-1]))
        for field, values in entry.changes_display_dict.items()
        if str(field) != pk_label  # the new record's own id: noise
    ]
    return [row for row in rows if row[1] != row[2]]


def show_value(value) -> str:
    return str(VALUE_LABELS.get(str(value), value))


def field_label(obj: models.Model, name: str) -> str:
    # A revealed value (id_number, phone) is stored sealed; its masked column
    # carries the label the page shows.
    for candidate in (name, f"{name}_masked"):
        try:
            return str(obj._meta.get_field(candidate).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


def log_access(obj: models.Model, what: str) -> None:
    """Record that someone looked at protected data of `obj` (e.g. revealed an ID number)."""
    LogEntry.objects.log_create(
        obj, force_log=True, action=LogEntry.Action.ACCESS, changes={"revealed": [what]}
    )
