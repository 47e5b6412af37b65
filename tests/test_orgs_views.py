"""Organization pages: the tree, unit and department pages, their forms, the shell."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core.forms import OUT_OF_SCOPE
from jiceng.orgs.models import DepartmentPairing, LeaderLink, Unit
from jiceng.people.models import CareTag
from tests import factories as f

CANARY = "CANARY"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[116.0, 43.9], [116.1, 43.9], [116.1, 44.0], [116.0, 44.0], [116.0, 43.9]]],
}


def text(response) -> str:
    return response.content.decode()


def unit_form(unit: Unit, **changes) -> dict:
    """The POST data of the unit form for `unit` as it stands, with `changes`."""
    data = {
        "parent": unit.parent_id or "",
        "kind": unit.kind,
        "code": unit.code,
        "name": unit.name,
        "sort_order": unit.sort_order,
        "party_org_name": unit.party_org_name,
        "party_org_type": unit.party_org_type,
        "secretary": unit.secretary_id or "",
        "boundary": json.dumps(unit.boundary) if unit.boundary else "",
    }
    data.update(changes)
    return data


# --- the tree -------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, root",
    [
        ("city_admin", "锡林浩特市"),
        ("street_admin", "宝力根街道"),
        ("community_admin", "团结社区"),
        ("grid_worker", "团结社区第1网格"),
    ],
)
def test_tree_starts_at_the_scope_roots(world, login, persona, root):
    response = login(persona).get("/orgs/units/")
    assert response.status_code == 200
    assert root in text(response)
    assert CANARY not in text(response)


@pytest.mark.parametrize("persona", ["dept_admin", "party_member", "nobody"])
def test_tree_is_forbidden_without_unit_roles(world, login, persona):
    response = login(persona).get("/orgs/units/")
    assert response.status_code == 403
    assert "没有权限" in text(response)


def test_tree_children_show_counts_per_subtree(world, login):
    response = login("city_admin").get(f"/orgs/units/{world.city.pk}/children/")
    nodes = {unit.name: unit for unit in response.context["nodes"]}
    assert set(nodes) == {"宝力根街道", "希日塔拉街道"}
    assert (nodes["宝力根街道"].child_count, nodes["宝力根街道"].people_count) == (2, 2)
    assert (nodes["希日塔拉街道"].child_count, nodes["希日塔拉街道"].people_count) == (1, 2)


def test_tree_children_outside_scope_are_404(world, login):
    client = login("community_admin")
    assert client.get(f"/orgs/units/{world.street_b.pk}/children/").status_code == 404
    assert client.get(f"/orgs/units/{world.community_b.pk}/children/").status_code == 404
    # Own street is above the scope too: not expandable.
    assert client.get(f"/orgs/units/{world.street_a.pk}/children/").status_code == 404


def test_tree_children_query_count_does_not_grow_with_children(
    world, login, django_assert_max_num_queries
):
    for number in range(12):
        grid = f.unit(f"新网格{number}", "grid", world.community_a)
        f.person(f"居民{number}", grid)
    client = login("street_admin")
    # session, user, assignments, session save (~5) + unit, children, child
    # counts, whether the subtree holds most units, people per unit, the units' paths.
    with django_assert_max_num_queries(12):
        response = client.get(f"/orgs/units/{world.community_a.pk}/children/")
    nodes = {unit.name: unit for unit in response.context["nodes"]}
    assert len(nodes) == 13
    assert nodes["新网格3"].people_count == 1


def test_search_finds_units_with_their_breadcrumb(world, login):
    response = login("street_admin").get("/orgs/units/", {"q": "团结"})
    results = response.context["results"]
    assert [u.name for u in results] == ["团结社区", "团结社区第1网格"]
    assert [a.name for a in results[1].trail] == ["宝力根街道", "团结社区"]
    assert f'href="/orgs/units/{world.grid_a.pk}/"' in text(response)


def test_search_by_code_prefix_never_shows_canaries(world, login):
    response = login("street_admin").get("/orgs/units/", {"q": "152502"})
    names = {u.name for u in response.context["results"]}
    assert names == {"宝力根街道", "团结社区", "和平社区", "团结社区第1网格"}
    assert CANARY not in text(response)
    response = login("street_admin").get("/orgs/units/", {"q": "CANARY"})
    assert response.context["results"] == []
    assert "没有找到" in text(response)


def test_search_as_htmx_returns_only_the_results(world, login):
    response = login("community_admin").get(
        "/orgs/units/", {"q": "网格"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="unit-search-results"
    )
    assert "团结社区第1网格" in text(response)
    assert "<html" not in text(response)


def test_unit_list_exports_only_scoped_rows(world, login, django_assert_max_num_queries):
    client = login("street_admin")
    with django_assert_max_num_queries(10):
        response = client.get("/orgs/units/list/")
    assert "团结社区" in text(response) and CANARY not in text(response)
    export = client.get("/orgs/units/list/", {"export": "csv"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "152502001001" in body and CANARY not in body


# --- the unit page --------------------------------------------------------


def test_unit_page_shows_structure_people_staff_and_links(world, login):
    tag, _created = CareTag.objects.get_or_create(name="独居老人")
    world.resident_a.tags.add(tag)
    world.community_a.secretary = world.member_a
    world.community_a.save()
    response = login("street_admin").get(f"/orgs/units/{world.community_a.pk}/")
    page = text(response)
    assert response.context["summary"]["residents"] == 2
    assert response.context["summary"]["members"] == 1
    assert response.context["summary"]["tags"][0]["count"] == 1
    assert [a.name for a in response.context["ancestors"]] == ["宝力根街道"]
    assert f'href="/people/{world.member_a.pk}/"' in page  # secretary links to the person
    assert "社区工作人员" in page  # staff with role label
    assert "锡林浩特市财政局党组" in page  # pairing
    assert f"/people/?unit={world.community_a.pk}" in page
    assert CANARY not in page


def test_unit_page_outside_scope_is_404_in_chinese(world, login):
    response = login("street_admin").get(f"/orgs/units/{world.community_b.pk}/")
    assert response.status_code == 404
    assert "不在您的管辖范围内" in text(response)


def test_unit_page_draws_the_boundary_without_external_tiles(world, login):
    world.grid_a.boundary = SQUARE
    world.grid_a.save()
    page = text(login("community_admin").get(f"/orgs/units/{world.grid_a.pk}/"))
    assert 'id="unit-boundary"' in page and "leaflet.js" in page
    assert "http://" not in page and "https://" not in page


def test_rename_and_move_keep_history_with_former_names(world, login):
    client = login("city_admin")
    response = client.post(
        f"/orgs/units/{world.community_a2.pk}/edit/",
        unit_form(world.community_a2, name="新和平社区", parent=world.street_b.pk),
    )
    assert response.status_code == 302
    world.community_a2.refresh_from_db()
    assert world.community_a2.path.startswith(world.street_b.path)
    page = text(client.get(f"/orgs/units/{world.community_a2.pk}/"))
    assert "曾用名" in page and "和平社区" in page
    assert "宝力根街道 → 希日塔拉街道" in page


def test_leader_links_show_on_unit_and_person_pages(world, login):
    client = login("city_admin")
    response = client.post(
        f"/orgs/leader-links/new/?next=/orgs/units/{world.community_a.pk}/",
        {
            "leader": world.member_a.pk,
            "title": "副市长",
            "unit": world.community_a.pk,
            "kind": "baolian",
            "start_date": "2024-03-01",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/units/{world.community_a.pk}/"
    assert LeaderLink.objects.filter(leader=world.member_a, unit=world.community_a).exists()
    assert "副市长" in text(client.get(f"/orgs/units/{world.community_a.pk}/"))
    person_page = text(client.get(f"/people/{world.member_a.pk}/"))
    assert "包联社区" in person_page and "团结社区" in person_page


def test_person_page_lists_units_the_person_is_secretary_of(world, login):
    world.grid_a.secretary = world.member_a
    world.grid_a.save()
    page = text(login("community_admin").get(f"/people/{world.member_a.pk}/"))
    assert f'href="/orgs/units/{world.grid_a.pk}/"' in page and "党组织书记" in page


# --- unit forms -----------------------------------------------------------


def test_street_admin_creates_a_community_in_scope(world, login):
    response = login("street_admin").post(
        "/orgs/units/new/",
        unit_form(Unit(kind="community", parent=world.street_a, code="152502001009", name="新")),
    )
    assert response.status_code == 302
    created = Unit.objects.get(code="152502001009")
    assert created.path.startswith(world.street_a.path) and created.depth == 2


def test_grid_code_is_suggested_from_the_community(world, login):
    response = login("community_admin").get(f"/orgs/units/new/?parent={world.community_a.pk}")
    assert response.status_code == 403  # community staff may not add units
    response = login("street_admin").get(f"/orgs/units/new/?parent={world.community_a.pk}")
    assert response.context["form"].initial["code"] == "152502001001002"
    assert response.context["form"].initial["kind"] == "grid"


def test_grid_under_a_street_is_refused(world, login):
    before = Unit.objects.count()
    response = login("street_admin").post(
        "/orgs/units/new/",
        unit_form(Unit(kind="grid", parent=world.street_a, code="152502001777", name="错网格")),
    )
    assert response.status_code == 200
    assert "网格不能放在街道/苏木/镇之下。" in text(response)
    assert Unit.objects.count() == before


def test_moving_a_unit_under_its_own_descendant_is_refused(world, login):
    response = login("city_admin").post(
        f"/orgs/units/{world.street_a.pk}/edit/", unit_form(world.street_a, parent=world.grid_a.pk)
    )
    assert "不能把单位移动到它自己或它的下级单位之下。" in text(response)
    world.street_a.refresh_from_db()
    assert world.street_a.parent_id == world.city.pk


def test_forged_parent_outside_scope_is_refused(world, login):
    before = Unit.objects.count()
    response = login("street_admin").post(
        "/orgs/units/new/",
        unit_form(Unit(kind="community", parent=world.street_b, code="152502002009", name="伪造")),
    )
    assert str(OUT_OF_SCOPE) in text(response)
    assert Unit.objects.count() == before


@pytest.mark.parametrize(
    "boundary, message",
    [
        ("{not json", "边界不是有效的 JSON"),
        ('{"type": "Point", "coordinates": [116, 44]}', "边界类型必须是 Polygon 或 MultiPolygon。"),
        (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}), "至少需要 4 个"),
        ("[" + "1," * 110_000 + "1]", "边界数据过大"),
    ],
)
def test_bad_boundaries_are_refused_with_a_message(world, login, boundary, message):
    response = login("community_admin").post(
        f"/orgs/units/{world.grid_a.pk}/edit/", unit_form(world.grid_a, boundary=boundary)
    )
    assert response.status_code == 200
    assert message in text(response)
    world.grid_a.refresh_from_db()
    assert world.grid_a.boundary is None


def test_community_admin_renames_own_community_keeping_its_street(world, login):
    response = login("community_admin").post(
        f"/orgs/units/{world.community_a.pk}/edit/",
        unit_form(world.community_a, name="团结社区（新）", boundary=json.dumps(SQUARE)),
    )
    assert response.status_code == 302
    world.community_a.refresh_from_db()
    assert world.community_a.name == "团结社区（新）"
    assert world.community_a.boundary == SQUARE


def test_community_admin_cannot_move_own_community_to_another_street(world, login):
    response = login("community_admin").post(
        f"/orgs/units/{world.community_a.pk}/edit/",
        unit_form(world.community_a, parent=world.street_b.pk),
    )
    assert str(OUT_OF_SCOPE) in text(response)
    world.community_a.refresh_from_db()
    assert world.community_a.parent_id == world.street_a.pk


@pytest.mark.parametrize("persona", ["street_admin", "community_admin"])
def test_editing_a_canary_unit_is_404_and_changes_nothing(world, login, persona):
    response = login(persona).post(
        f"/orgs/units/{world.community_b.pk}/edit/", unit_form(world.community_b, name="被改")
    )
    assert response.status_code == 404
    world.community_b.refresh_from_db()
    assert world.community_b.name == "CANARY社区"


def test_grid_worker_may_not_create_units(world, login):
    response = login("grid_worker").post(
        "/orgs/units/new/",
        unit_form(Unit(kind="grid", parent=world.community_a, code="152502001001099", name="x")),
    )
    assert response.status_code == 403
    assert not Unit.objects.filter(code="152502001001099").exists()


# --- departments and pairings --------------------------------------------


def test_department_list_counts_and_scope(world, login, django_assert_max_num_queries):
    client = login("city_admin")
    with django_assert_max_num_queries(10):
        response = client.get("/orgs/departments/")
    rows = {obj.name: obj for obj in response.context["object_list"]}
    assert rows["锡林浩特市财政局党组"].member_count == 1
    assert rows["锡林浩特市财政局党组"].pairing_count == 1
    assert CANARY not in text(login("community_admin").get("/orgs/departments/"))


def test_department_member_counts_are_those_the_viewer_may_see(world, login):
    """The list's 党员数 agrees with the department's page: members living outside
    the viewer's scope are not counted."""
    f.person(
        "异地党员",
        world.grid_b,
        political_status="party_member",
        party_department=world.department_a,
        party_join_date=datetime.date(2010, 7, 1),
    )

    def count(persona):
        response = login(persona).get("/orgs/departments/")
        rows = {obj.pk: obj for obj in response.context["object_list"]}
        return rows[world.department_a.pk].member_count

    assert count("city_admin") == 2
    assert count("street_admin") == 1


def test_department_page_shows_members_and_paired_communities(world, login):
    response = login("dept_admin").get(f"/orgs/departments/{world.department_a.pk}/")
    page = text(response)
    assert response.context["member_total"] == 1
    assert "团结社区" in page and CANARY not in page


@pytest.mark.parametrize("persona", ["community_admin", "dept_admin", "street_admin"])
def test_canary_department_is_404(world, login, persona):
    assert login(persona).get(f"/orgs/departments/{world.department_b.pk}/").status_code == 404


def test_pairing_created_from_the_department_page(world, login):
    client = login("city_admin")
    next_url = f"/orgs/departments/{world.department_a.pk}/"
    response = client.post(
        f"/orgs/pairings/new/?department={world.department_a.pk}&next={next_url}",
        {
            "department": world.department_a.pk,
            "community": world.community_a2.pk,
            "kind": "baolian",
            "start_date": "2024-05-01",
        },
    )
    assert response.status_code == 302 and response["Location"] == next_url
    assert "和平社区" in text(client.get(next_url))
    assert "锡林浩特市财政局党组" in text(client.get(f"/orgs/units/{world.community_a2.pk}/"))
    # Editing shows the date as a date input can take it (ISO): with zh-hans's
    # 2024/05/01 the browser showed it empty and saving the form cleared it.
    pairing = world.department_a.pairings.get(community=world.community_a2)
    edit = client.get(f"/orgs/pairings/{pairing.pk}/edit/").content.decode()
    assert 'type="date"' in edit and 'value="2024-05-01"' in edit


def test_pairing_with_a_street_is_refused(world, login):
    response = login("city_admin").post(
        "/orgs/pairings/new/",
        {
            "department": world.department_a.pk,
            "community": world.street_a.pk,
            "kind": "baolian",
            "start_date": "2024-05-01",
        },
    )
    assert str(OUT_OF_SCOPE) in text(response)
    assert DepartmentPairing.objects.count() == 2


def test_ending_a_pairing_once_and_only_once(world, login):
    pairing = DepartmentPairing.objects.get(community=world.community_a)
    client = login("street_admin")
    response = client.post(f"/orgs/pairings/{pairing.pk}/end/", follow=True)
    pairing.refresh_from_db()
    assert pairing.end_date is not None
    assert "已结束结对" in text(response)
    ended = pairing.end_date
    response = client.post(f"/orgs/pairings/{pairing.pk}/end/", follow=True)
    assert "无需再次结束" in text(response)
    pairing.refresh_from_db()
    assert pairing.end_date == ended


def test_ending_a_canary_pairing_is_404(world, login):
    pairing = DepartmentPairing.objects.get(community=world.community_b)
    assert login("street_admin").post(f"/orgs/pairings/{pairing.pk}/end/").status_code == 404
    assert login("dept_admin").post(f"/orgs/pairings/{pairing.pk}/end/").status_code == 404
    pairing.refresh_from_db()
    assert pairing.end_date is None


def test_pairing_end_date_before_start_is_refused(world, login):
    pairing = DepartmentPairing.objects.get(community=world.community_a)
    response = login("street_admin").post(
        f"/orgs/pairings/{pairing.pk}/edit/",
        {
            "department": world.department_a.pk,
            "community": world.community_a.pk,
            "kind": pairing.kind,
            "start_date": "2024-01-01",
            "end_date": "2023-01-01",
        },
    )
    assert "结束日期不能早于开始日期。" in text(response)
    pairing.refresh_from_db()
    assert pairing.end_date is None


def test_department_admin_edits_own_department_only(world, login):
    client = login("dept_admin")
    data = {"name": "财政局党组（新）", "kind": "organ", "unit": world.city.pk, "secretary": ""}
    response = client.post(f"/orgs/departments/{world.department_a.pk}/edit/", data)
    assert response.status_code == 302
    response = client.post(f"/orgs/departments/{world.department_b.pk}/edit/", data)
    assert response.status_code == 404
    world.department_b.refresh_from_db()
    assert world.department_b.name == "CANARY部门党组"


# --- the shell ------------------------------------------------------------


def test_home_page_shows_scope_units_with_counts(world, login):
    response = login("street_admin").get("/")
    page = text(response)
    assert "我的管辖范围" in page and "宝力根街道" in page and "人员 2" in page
    assert "新增单位" in page


def test_home_page_quick_links_follow_the_role(world, login):
    """Each role finds its daily work one tap from the home page, and only its own."""
    member = login("party_member").get("/").content.decode()
    assert 'href="/reporting/records/new/"' in member and 'href="/reporting/mine/"' in member
    department = login("dept_admin").get("/").content.decode()
    assert 'href="/reporting/feedback/"' in department
    assert 'href="/reporting/members/bulk/"' in department
    street = login("street_admin").get("/").content.decode()
    assert 'href="/reporting/feedback/"' not in street
    assert 'href="/reporting/records/new/"' not in street


def test_unknown_page_is_a_chinese_404(world, login):
    response = login("community_admin").get("/orgs/units/999999/")
    assert response.status_code == 404
    assert "页面不存在" in text(response)


def test_admin_is_for_superusers_only(world, login):
    staff = User.objects.create_user("staff_only", password=f.PASSWORD, is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302
    root = User.objects.create_superuser("root", password=f.PASSWORD)
    client.force_login(root)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/orgs/unit/").status_code == 200


def test_phone_layout_basics(world, login):
    page = text(login("grid_worker").get("/orgs/units/"))
    assert 'name="viewport"' in page and "navbar-toggler" in page


def test_leader_link_dates_are_checked(world, login):
    response = login("city_admin").post(
        "/orgs/leader-links/new/",
        {
            "leader": world.member_a.pk,
            "unit": world.community_a.pk,
            "kind": "contact_point",
            "start_date": "2024-03-01",
            "end_date": "2024-01-01",
        },
    )
    assert "结束日期不能早于开始日期。" in text(response)
    assert not LeaderLink.objects.exists()


def test_department_list_and_export_name_only_pairings_in_scope(world, login):
    import datetime

    from jiceng.orgs.models import DepartmentPairing

    # The street's department is also paired with the canary community of street_b.
    DepartmentPairing.objects.create(
        department=world.department_a,
        community=world.community_b,
        start_date=datetime.date(2024, 3, 1),
    )
    client = login("street_admin")
    assert "CANARY" not in client.get("/orgs/departments/").content.decode()
    export = client.get("/orgs/departments/?export=csv")
    assert "CANARY" not in b"".join(export.streaming_content).decode()
