"""Every route, every persona, canary ids: nothing outside scope leaks or changes.

The walker (tests/walker.py) knows no view by name: a view added on another
branch is walked as soon as its URL is included, and a route it cannot fill
makes test_every_route_can_be_filled fail until it is covered or exempted.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jiceng.accounts.models import ApiToken
from tests.canaries import KNOWN_GAPS, scoped_models
from tests.conftest import PERSONAS
from tests.walker import (
    CANARY_SHOWN_BY_DESIGN,
    DETAIL_BASES,
    LIST_BASES,
    PUBLIC_NAMES,
    WRITE_EXEMPT,
    WRITE_METHODS,
    Filler,
    body_text,
    leaks,
    release_file,
    walk,
)

# 422: the API refused the (empty) body by its schema, before reading any record.
REFUSED = {403, 404, 405, 422}
OUT_OF_SCOPE_PERSONAS = [p for p in PERSONAS if p != "city_admin"]


def snapshot() -> dict[str, list[dict]]:
    """Every row of every Scoped table, to prove that refused writes change nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values()) for model in scoped_models()
    }


def all_targets(canaries):
    filler = Filler(canaries)
    targets = [target for route in walk() for target in filler.targets(route)]
    return targets, filler


def client_for(world, persona: str | None) -> tuple[Client, dict]:
    """A session client, and bearer-token headers for the API (both auth styles)."""
    client = Client(raise_request_exception=False)
    if persona is None:
        return client, {}
    user = world.personas[persona]
    client.force_login(user)
    _token, clear = ApiToken.issue(user, name="walker")
    return client, {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


def request(client, method: str, target, headers: dict):
    extra = headers if target.route.is_api else {}
    if method == "get":
        return client.get(target.url, **extra)
    response = getattr(client, method)(
        target.url,
        data="{}" if target.route.is_api else "",
        content_type="application/json"
        if target.route.is_api
        else "application/x-www-form-urlencoded",
        **extra,
    )
    release_file(response)  # a write's body is never read
    return response


def gets(target) -> list[tuple[str, dict]]:
    """GET variants: the page, its htmx partial, and for lists both exports."""
    variants = [("", {}), ("", {"HTTP_HX_REQUEST": "true"})]
    if target.route.is_a(LIST_BASES):
        variants += [("?export=csv", {}), ("?export=xlsx", {})]
    return variants


def check_persona(client, headers, targets, persona: str) -> list[str]:
    problems = []
    for target in targets:
        for query, extra in gets(target):
            response = client.get(
                target.url + query, **extra, **(headers if target.route.is_api else {})
            )
            where = f"{persona} GET {target.url}{query} {extra or ''}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            elif leaks(response) and target.route.label not in CANARY_SHOWN_BY_DESIGN:
                problems.append(f"{where}: body contains CANARY")
            elif (
                target.targets_canary
                and target.route.is_a(DETAIL_BASES)
                and response.status_code != 404
            ):
                problems.append(f"{where}: {response.status_code}, expected 404")
        if target.route.name in WRITE_EXEMPT:
            continue
        for method in WRITE_METHODS if target.targets_canary else ("post",):
            response = request(client, method, target, headers)
            where = f"{persona} {method.upper()} {target.url}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            elif target.targets_canary and response.status_code not in REFUSED:
                problems.append(f"{where}: {response.status_code}, expected 403/404/405")
            elif leaks(response) and target.route.label not in CANARY_SHOWN_BY_DESIGN:
                problems.append(f"{where}: body contains CANARY")
    return problems


def test_every_scoped_model_has_a_canary(canaries):
    missing = {
        model._meta.label: canaries.errors.get(model._meta.label, "no builder")
        for model in scoped_models()
        if model not in canaries.ids and model._meta.label not in KNOWN_GAPS
    }
    assert not missing, (
        f"add a canary builder in tests/canaries.py or a KNOWN_GAPS entry: {missing}"
    )
    assert all(canaries.ids[model] for model in canaries.ids)


def test_every_route_can_be_filled(canaries):
    targets, filler = all_targets(canaries)
    assert not filler.unfillable, (
        "the walker cannot fill these routes; teach tests/walker.py (STR_PARAM_VALUES, "
        f"FUNCTION_VIEW_MODELS) or add a commented EXEMPT_ROUTES entry: {filler.unfillable}"
    )
    walked = {target.route.name for target in targets}
    # The walker must reach the known record pages; if not, it walks nothing useful.
    assert {"people:person-detail", "people:person-edit", "orgs:unit-detail"} <= walked


@pytest.mark.parametrize("persona", OUT_OF_SCOPE_PERSONAS)
def test_no_persona_sees_or_changes_a_canary(world, canaries, persona):
    targets, _filler = all_targets(canaries)
    client, headers = client_for(world, persona)
    before = snapshot()
    problems = check_persona(client, headers, targets, persona)
    assert not problems, "\n".join(problems[:40])
    assert snapshot() == before


def test_city_admin_sees_canaries_and_never_gets_a_500(world, canaries):
    """The control group: the canary ids are right, so the other personas' 404s mean something."""
    targets, _filler = all_targets(canaries)
    client, headers = client_for(world, "city_admin")
    seen = []
    for target in targets:
        response = client.get(target.url, **(headers if target.route.is_api else {}))
        release_file(response)
        assert response.status_code < 500, f"GET {target.url}: {response.status_code}"
        if target.targets_canary and target.route.is_a(DETAIL_BASES):
            assert response.status_code == 200, target.url
            seen.append(target.url)
        if target.route.name not in WRITE_EXEMPT:
            for method in WRITE_METHODS:
                response = request(client, method, target, headers)
                assert response.status_code < 500, f"{method} {target.url}: {response.status_code}"
    assert seen, "no canary record page was reachable even for city_admin"
    person = canaries.ids[type(world.canary_person)][0]
    assert "CANARY" in body_text(client.get(f"/people/{person}/"))


def test_anonymous_is_sent_to_login_or_gets_401(world, canaries):
    targets, _filler = all_targets(canaries)
    client = Client(raise_request_exception=False)
    login_url = reverse(settings.LOGIN_URL)
    before = snapshot()
    problems = []
    for target in targets:
        if target.route.name in PUBLIC_NAMES:
            continue
        methods = ("get",) + (() if target.route.name in WRITE_EXEMPT else WRITE_METHODS)
        for method in methods:
            response = request(client, method, target, {})
            where = f"anonymous {method.upper()} {target.url}: {response.status_code}"
            if target.route.is_api:
                if response.status_code not in (401, 405):
                    problems.append(f"{where}, expected 401")
            elif response.status_code != 302 or not response["Location"].startswith(login_url):
                problems.append(f"{where}, expected a redirect to {login_url}")
    assert not problems, "\n".join(problems[:40])
    assert snapshot() == before


def _openapi_schema(client):
    response = client.get("/api/v1/openapi.json")
    if response.status_code == 404:
        pytest.skip("the API app defines no /api/v1/openapi.json yet (no Ninja API mounted)")
    assert response.status_code == 200
    return response.json()


def test_openapi_operations_with_canary_ids(world, canaries):
    """Each operation of the API schema, called with canary ids by an out-of-scope persona."""
    city_client, _ = client_for(world, "city_admin")
    schema = _openapi_schema(city_client)
    filler = Filler(canaries)
    ids = [str(pk) for pk in filler.fallback_ids()]
    assert ids, "no canary id is free of collisions with in-scope records"
    problems = []
    for persona in ("community_admin", "dept_admin", "party_member", "nobody"):
        client, headers = client_for(world, persona)
        before = snapshot()
        for path, operations in schema.get("paths", {}).items():
            for method in operations:
                for pk in ids if "{" in path else [""]:
                    url = _fill_openapi_path(path, pk)
                    response = (
                        getattr(client, method)(
                            url, data="{}", content_type="application/json", **headers
                        )
                        if method != "get"
                        else client.get(url, **headers)
                    )
                    where = f"{persona} {method.upper()} {url}: {response.status_code}"
                    if response.status_code >= 500 or leaks(response):
                        problems.append(where)
                    elif (
                        "{" in path
                        and method != "get"
                        and response.status_code not in (REFUSED | {401, 422})
                    ):
                        problems.append(f"{where}, expected a refusal")
        if snapshot() != before:
            problems.append(f"{persona}: API calls changed Scoped records")
    assert not problems, "\n".join(problems[:40])


def _fill_openapi_path(path: str, value: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", value, path)
