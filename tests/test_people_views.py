"""People pages: list, filters, export, detail, forms, reveal."""

import io

import pytest
from python_calamine import CalamineWorkbook

from jiceng.people.models import Person


def test_list_shows_scope_only_and_masks(world, login):
    response = login("community_admin").get("/people/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "巴特尔" in html and "CANARY" not in html
    assert world.member_a.id_number not in html
    assert world.member_a.id_number_masked in html


def test_export_xlsx_is_the_filtered_scoped_rows_masked(world, login):
    response = login("city_admin").get("/people/?political_status=party_member&export=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header, *body = sheet
    assert header[:2] == ["姓名", "公民身份号码"]
    assert sorted(row[0] for row in body) == ["CANARY党员", "巴特尔"]
    assert all("*" in row[1] for row in body)


def test_detail_outside_scope_is_404(world, login):
    client = login("community_admin")
    assert client.get(f"/people/{world.member_a.pk}/").status_code == 200
    assert client.get(f"/people/{world.canary_person.pk}/").status_code == 404


def test_create_person_with_bad_id_number_changes_nothing(world, login):
    before = Person.objects.count()
    response = login("community_admin").post(
        "/people/new/",
        {
            "name": "张三",
            "id_number": "152502198506150011",
            "ethnicity": "汉族",
            "political_status": "masses",
            "home_unit": world.grid_a.pk,
        },
    )
    assert response.status_code == 200
    assert "校验位不正确" in response.content.decode()
    assert Person.objects.count() == before


def test_create_person_in_forged_unit_outside_scope_is_refused(world, login):
    from tests.factories import id_number

    before = Person.objects.count()
    response = login("community_admin").post(
        "/people/new/",
        {
            "name": "张三",
            "id_number": id_number(),
            "ethnicity": "汉族",
            "political_status": "masses",
            "home_unit": world.grid_b.pk,
        },
    )
    assert "不在您的管辖范围内" in response.content.decode()
    assert Person.objects.count() == before


def test_create_person_derives_birth_and_gender_and_is_audited(world, login):
    from auditlog.models import LogEntry

    from tests.factories import id_number

    number = id_number(male=False)
    response = login("community_admin").post(
        "/people/new/",
        {
            "name": "其其格",
            "id_number": number,
            "ethnicity": "蒙古族",
            "phone": "13912345678",
            "political_status": "masses",
            "home_unit": world.grid_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Person.objects.by_id_number(number).get()
    assert created.gender == "female" and created.birth_date.year == 1985
    entry = LogEntry.objects.get_for_object(created).get()
    assert entry.actor.username == "community_admin"
    assert "13912345678" not in str(entry.changes)


def test_duplicate_id_number_is_refused(world, login):
    response = login("community_admin").post(
        "/people/new/",
        {
            "name": "重复",
            "id_number": world.resident_a.id_number,
            "ethnicity": "汉族",
            "political_status": "masses",
            "home_unit": world.grid_a.pk,
        },
    )
    assert "已登记" in response.content.decode()


@pytest.mark.parametrize("persona, status", [("city_admin", 200), ("community_admin", 404)])
def test_reveal_is_allowed_by_role_and_audited(world, login, persona, status):
    from auditlog.models import LogEntry

    client = login(persona)
    response = client.post(f"/people/{world.member_a.pk}/reveal/id_number/")
    assert response.status_code == status
    accesses = LogEntry.objects.get_for_object(world.member_a).filter(action=LogEntry.Action.ACCESS)
    if status == 200:
        assert response.json()["value"] == world.member_a.id_number
        assert accesses.get().actor.username == persona
    else:
        assert not accesses.exists()


def test_history_lists_only_the_records_own_fields(world, login):
    from auditlog.models import LogEntry

    login("community_admin").post(
        f"/people/{world.resident_a.pk}/edit/",
        {
            "name": "王居民",
            "ethnicity": "回族",
            "political_status": "masses",
            "home_unit": world.grid_a.pk,
        },
    )
    entry = LogEntry.objects.get_for_object(world.resident_a).latest("timestamp")
    assert set(entry.changes_dict) == {"ethnicity"}


def test_history_reads_in_chinese(world, login):
    client = login("city_admin")
    client.post(f"/people/{world.member_a.pk}/reveal/id_number/")
    Person = type(world.member_a)
    person = Person.objects.get(pk=world.member_a.pk)
    person.name = "巴特尔二"
    person.save()
    page = client.get(f"/people/{world.member_a.pk}/").content.decode()
    history = page[page.index("变更记录") : page.index("</main>")]
    assert "显示完整号码：公民身份号码" in history and "姓名：巴特尔 → 巴特尔二" in history
    assert "所属党组织（单位）：— → —" not in history  # nothing changed: no row
    for english in ("access", "update", "revealed", "None", "True", "False"):
        assert english not in history


def test_person_page_leads_back_to_the_list_and_keeps_its_menu_entry(world, login):
    response = login("community_admin").get(f"/people/{world.member_a.pk}/")
    page = response.content.decode()
    assert 'class="breadcrumb-item"><a href="/people/">人员</a>' in page
    active = [i["label"] for i in response.context["nav_items"] if i["active"]]
    assert active == ["人员"]


def test_blank_choices_read_in_chinese(world, login):
    client = login("community_admin")
    filters = client.get("/people/").content.decode()
    form = client.get("/people/new/").content.decode()
    assert "---------" not in filters and '<option value="">全部</option>' in filters
    assert "---------" not in form and '<option value="">请选择</option>' in form
