"""What an import needs besides the file (the plan that tasks go into).

A spec declares a `params_form`; the values are cleaned by it for the importing
user at every step (the upload page, the background validation, the write and
`jiceng import`), so a plan that left the user's scope meanwhile is refused.
"""

from __future__ import annotations

from typing import Any

from .safety import RefusedFile
from .specs import SPECS, Spec


def build_spec(kind: str, user, job_id: int | None = None, params: dict | None = None) -> Spec:
    spec = SPECS[kind](user, job_id)
    if spec.params_form is not None:
        spec.bind(clean(spec.params_form(params or {}, user=user)))
    return spec


def clean(form) -> dict[str, Any]:
    if not form.is_valid():
        raise RefusedFile(
            "；".join(
                f"{form.fields[name].label}：{message}" if name in form.fields else message
                for name, messages in form.errors.items()
                for message in messages
            )
        )
    return form.cleaned_data


def stored(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The cleaned values as JSON for the job row: records by their id."""
    return {name: getattr(value, "pk", value) for name, value in cleaned.items()}


def field_names() -> list[str]:
    """Every parameter any kind takes (options of `jiceng import`)."""
    names = {
        name
        for spec in SPECS.values()
        if spec.params_form is not None
        for name in spec.params_form.base_fields
    }
    return sorted(names)
