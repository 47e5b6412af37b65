"""The JSON API: auth, scoping, pagination, Chinese errors, writes through forms."""

import pytest

from jiceng.accounts.models import ApiToken
from jiceng.orgs.models import Unit
from jiceng.people.models import Person


@pytest.fixture
def bearer(world, client):
    def _bearer(persona: str) -> dict:
        _, clear = ApiToken.issue(world.personas[persona], "test")
        return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}

    return _bearer


def test_no_credentials_is_401_in_chinese(world, client):
    response = client.get("/api/v1/units")
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_revoked_token_is_refused(world, client):
    token, clear = ApiToken.issue(world.personas["city_admin"])
    token.revoke()
    response = client.get("/api/v1/units", HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert response.status_code == 401


def test_units_are_scoped_and_paginated(world, client, bearer):
    body = client.get("/api/v1/units?kind=grid", **bearer("street_admin")).json()
    assert body["count"] == 1
    assert [u["name"] for u in body["items"]] == ["团结社区第1网格"]
    page = client.get("/api/v1/units?limit=2&offset=0", **bearer("city_admin")).json()
    assert page["count"] == 8 and len(page["items"]) == 2


def test_people_are_masked(world, client, bearer):
    body = client.get("/api/v1/people", **bearer("community_admin")).json()
    text = str(body)
    assert body["count"] == 2 and "CANARY" not in text
    assert world.member_a.id_number not in text and world.member_a.id_number_masked in text


def test_unit_outside_scope_is_404(world, client, bearer):
    response = client.get(f"/api/v1/units/{world.grid_b.pk}", **bearer("community_admin"))
    assert response.status_code == 404
    assert "管辖范围" in response.json()["detail"]


def test_grid_under_street_is_refused_and_nothing_changes(world, client, bearer):
    before = Unit.objects.count()
    response = client.post(
        "/api/v1/units",
        {"code": "152502001099", "name": "错误网格", "kind": "grid", "parent": world.street_a.pk},
        content_type="application/json",
        **bearer("city_admin"),
    )
    assert response.status_code == 400
    assert "不能放在" in str(response.json()["errors"])
    assert Unit.objects.count() == before


def test_forged_parent_outside_scope_is_refused(world, client, bearer):
    response = client.post(
        "/api/v1/units",
        {
            "code": "152502002001077",
            "name": "伪造网格",
            "kind": "grid",
            "parent": world.community_b.pk,
        },
        content_type="application/json",
        **bearer("street_admin"),
    )
    assert response.status_code == 400
    assert "管辖范围" in str(response.json()["errors"])
    assert not Unit.objects.filter(code="152502002001077").exists()


def test_patch_person_outside_scope_is_404_and_unchanged(world, client, bearer):
    response = client.patch(
        f"/api/v1/people/{world.canary_person.pk}",
        {"name": "改名"},
        content_type="application/json",
        **bearer("community_admin"),
    )
    assert response.status_code == 404
    world.canary_person.refresh_from_db()
    assert world.canary_person.name == "CANARY居民"


def test_patch_person_in_scope(world, client, bearer):
    response = client.patch(
        f"/api/v1/people/{world.resident_a.pk}",
        {"name": "王新名"},
        content_type="application/json",
        **bearer("community_admin"),
    )
    assert response.status_code == 200, response.json()
    assert Person.objects.get(pk=world.resident_a.pk).name == "王新名"


def test_create_person_with_invalid_id_number(world, client, bearer):
    response = client.post(
        "/api/v1/people",
        {"name": "张三", "id_number": "152502198506150011", "home_unit": world.grid_a.pk},
        content_type="application/json",
        **bearer("community_admin"),
    )
    assert response.status_code == 400
    assert "校验位" in str(response.json()["errors"]["id_number"])


def test_session_auth_requires_csrf_for_writes(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas["city_admin"])
    assert client.get("/api/v1/units").status_code == 200
    response = client.post("/api/v1/units", {}, content_type="application/json")
    assert response.status_code == 403


def test_openapi_schema_is_served(world, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/people" in response.json()["paths"]
