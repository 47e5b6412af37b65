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


def test_token_command_prints_a_working_token(world, client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("token", "create", "community_admin", "--name", "sync", stdout=out)
    clear = out.getvalue().strip()
    response = client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert response.status_code == 200 and response.json()["count"] == 2


def test_tokens_page_creates_shows_once_and_revokes(world, login):
    client = login("grid_worker")
    page = client.post("/accounts/tokens/", {"name": "手机"}).content.decode()
    token = ApiToken.objects.get(user=world.personas["grid_worker"])
    clear = page.split('id="new-token">')[1].split("<")[0]
    assert clear.startswith(token.prefix)
    assert client.get("/accounts/tokens/").content.decode().count(clear) == 0
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token(world, login):
    token, _ = ApiToken.issue(world.personas["city_admin"])
    response = login("grid_worker").post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_department_lists_only_pairings_in_scope(world, client, bearer):
    from jiceng.orgs.models import DepartmentPairing

    # The department of street_a is also paired with a community of street_b.
    DepartmentPairing.objects.create(
        department=world.department_a, community=world.community_b, start_date="2024-03-01"
    )
    headers = bearer("street_admin")
    listed = client.get("/api/v1/departments", **headers).json()["items"]
    assert [d["community_ids"] for d in listed] == [[world.community_a.pk]]
    one = client.get(f"/api/v1/departments/{world.department_a.pk}", **headers).json()
    assert one["community_ids"] == [world.community_a.pk]


def test_unit_boundary_through_the_api(world, client, bearer):
    square = {
        "type": "Polygon",
        "coordinates": [[[116.0, 43.9], [116.1, 43.9], [116.1, 44.0], [116.0, 43.9]]],
    }
    headers = bearer("city_admin")
    url = f"/api/v1/units/{world.grid_a.pk}"
    response = client.patch(url, {"boundary": square}, content_type="application/json", **headers)
    assert response.status_code == 200, response.json()
    assert response.json()["boundary"] == square
    open_ring = {
        "type": "Polygon",
        "coordinates": [[[116.0, 43.9], [116.1, 43.9], [116.1, 44.0], [116.05, 43.95]]],
    }
    response = client.patch(
        url, {"boundary": open_ring}, content_type="application/json", **headers
    )
    assert response.status_code == 400 and "闭合" in str(response.json()["errors"])
    world.grid_a.refresh_from_db()
    assert world.grid_a.boundary == square


def test_docs_page_loads_swagger_from_our_static_files(world, login):
    # Cities run Jiceng on intranets: a CDN copy of Swagger UI left the page blank.
    html = login("city_admin").get("/api/v1/docs").content.decode()
    assert "cdn.jsdelivr.net" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
