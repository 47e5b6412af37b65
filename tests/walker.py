"""The route walker: every URL of the project, filled with canary ids.

Used by tests/test_scope_walker.py. It knows no view in particular: it walks
the resolver, finds which model a route serves, and fills path parameters
with canary ids, so views added on other branches are covered on merge.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from python_calamine import CalamineWorkbook

from jiceng.core.views import ScopedDetailView, ScopedListView, ScopedUpdateView
from tests.canaries import CANARY, scoped_models

# Route prefixes never walked, each with the reason.
SKIPPED_PREFIXES = {
    "admin/": "Django admin: superusers only, not part of the scoped product surface",
    "static/": "static files carry no records",
    "media/": "uploaded files are served by the web server, not by views",
}
# Route names never walked (the API documentation pages describe operations, no records).
SKIPPED_NAMES = {
    "openapi-view": "Swagger UI page of the API docs",
    "openapi-json": "the OpenAPI schema; walked separately by test_openapi_operations",
    "api-root": "Ninja's empty index of /api/v1/: no operation, no records",
}
# Routes an anonymous visitor may open without being sent to the login page.
PUBLIC_NAMES = {"login": "the login page itself", "logout": "logging out needs no session"}
# Routes not sent write requests, each with the reason.
WRITE_EXEMPT = {
    "logout": "would end the walker's own session; it writes no record",
    "token-revoke": "acts only on the caller's own tokens (get_object_or_404 by user); an id "
    "may be the walker's own API token. Tested in tests/test_api.py",
}
# Function views that take a record id: the model they serve (class views declare it).
FUNCTION_VIEW_MODELS = {
    "people:person-reveal": "people.Person",
    "worklists:plan-tasks-export": "worklists.Plan",
    "worklists:meeting-create": "worklists.JointMeetingBody",  # records a meeting of the body
    "worklists:meeting-resolve": "worklists.Meeting",
    "worklists:attachment-file": "worklists.Attachment",
    "reporting:photo-file": "reporting.ServicePhoto",
}
# Non-integer path parameters: the values to try.
STR_PARAM_VALUES = {
    "field": ["id_number", "phone"],
    # import kinds, and the reporting records that take transitions
    "kind": [
        "units",
        "departments",
        "people",
        "tasks",
        "member-reports",
        "memberreport",
        "departmentreport",
        "servicerecord",
    ],
    "name": ["confirm", "reject"],
    "code": ["152502002001"],  # the canary community's code (a join link outside scope)
}
# Routes that show a canary's name on purpose, each with the reason.
CANARY_SHOWN_BY_DESIGN = {
    "reporting:join": "the registration page names the community of its QR code: a poster "
    "on that community's wall, for any party member living there to scan",
}
# Routes the walker may not be able to fill, each with the reason (keep empty if possible).
EXEMPT_ROUTES: dict[str, str] = {}

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_MAX_COMBINATIONS = 12
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass
class Route:
    route: str  # e.g. "people/<int:pk>/edit/"
    name: str  # e.g. "people:person-edit"
    callback: object
    is_regex: bool = False

    @property
    def label(self) -> str:
        return self.name or self.route

    @property
    def params(self) -> list[tuple[str, str]]:
        return [(m["converter"] or "str", m["name"]) for m in _PARAM.finditer(self.route)]

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def is_a(self, base) -> bool:
        return isinstance(self.view_class, type) and issubclass(self.view_class, base)


def _join(namespace: str, name: str | None) -> str:
    return f"{namespace}:{name}" if namespace and name else (name or "")


def walk(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern, through included resolvers and namespaces."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if any(route.startswith(skip) for skip in SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace if pattern.namespace else ""
            yield from walk(pattern.url_patterns, route, _join(namespace, inner) or namespace)
        elif isinstance(pattern, URLPattern):
            name = _join(namespace, pattern.name)
            if pattern.name in SKIPPED_NAMES:
                continue
            is_regex = not hasattr(pattern.pattern, "_route")
            yield Route(route, name, pattern.callback, is_regex)


@dataclass
class Target:
    route: Route
    url: str
    targets_canary: bool  # filled with canary record ids


@dataclass
class Filler:
    """Turns routes into URLs with canary ids; collects the routes it cannot fill."""

    canaries: object
    unfillable: dict[str, str] = field(default_factory=dict)

    def model_ids(self, route: Route, param: str) -> list[int]:
        model = self.model_for(route, param)
        if model is not None and model in self.canaries.ids:
            return self.canaries.ids[model]
        return self.fallback_ids()

    def model_for(self, route: Route, param: str):
        from django.apps import apps

        by_name = {m._meta.model_name: m for m in scoped_models()}
        stem = re.sub(r"_(id|pk)$", "", param)
        if stem in by_name:
            return by_name[stem]
        if param in ("pk", "id"):
            if getattr(route.view_class, "model", None) is not None:
                return route.view_class.model
            if route.name in FUNCTION_VIEW_MODELS:
                return apps.get_model(FUNCTION_VIEW_MODELS[route.name])
        return None

    def fallback_ids(self) -> list[int]:
        """Canary ids that are no other record's id in any Scoped table, so that a
        route whose model is unknown never hits an in-scope record by accident."""
        taken = set()
        canary_ids = self.canaries.all_ids()
        for model in scoped_models():
            mine = set(self.canaries.ids.get(model, []))
            taken |= set(model.objects.exclude(pk__in=mine).values_list("pk", flat=True))
        return sorted(canary_ids - taken)

    def targets(self, route: Route) -> list[Target]:
        if route.is_regex:
            if route.label not in EXEMPT_ROUTES:
                self.unfillable[route.label] = f"regex route {route.route!r}: use path()"
            return []
        choices, has_int = [], False
        for converter, param in route.params:
            if converter == "int":
                has_int = True
                choices.append([str(pk) for pk in self.model_ids(route, param)])
            elif converter == "str" and param in STR_PARAM_VALUES:
                choices.append(STR_PARAM_VALUES[param])
            else:
                if route.label not in EXEMPT_ROUTES:
                    self.unfillable[route.label] = f"cannot fill <{converter}:{param}>"
                return []
        urls = []
        for combo in itertools.islice(itertools.product(*choices), _MAX_COMBINATIONS):
            values = iter(combo)
            urls.append("/" + _PARAM.sub(lambda _m, it=values: next(it), route.route))
        return [Target(route, url, has_int) for url in urls]


def body_text(response) -> str:
    """The response body as text; .xlsx files are read cell by cell."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    release_file(response)
    if raw[:2] == b"PK":  # a zip: .xlsx export
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        return "\n".join(
            str(row)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
        )
    return raw.decode("utf-8", errors="replace")


def release_file(response) -> None:
    """Close the files a response holds (an .xlsx export, a downloaded attachment).
    Not response.close(): that also sends request_finished, which closes the
    test's PostgreSQL connection. The test client re-wraps streaming content, so
    `file_to_stream` is gone by now; the response's closers still hold the file."""
    for close in getattr(response, "_resource_closers", []):
        close()
    response._resource_closers = []


def leaks(response) -> bool:
    return CANARY in body_text(response)


DETAIL_BASES = (ScopedDetailView, ScopedUpdateView)
LIST_BASES = (ScopedListView,)
