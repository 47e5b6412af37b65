"""Links a persona sees lead to pages that persona may open (found walking the
demo city in a browser: each of these answered 404)."""

from jiceng.reporting.models import GridResponsibility


def test_grid_list_rows_link_to_the_edit_form_only_for_those_who_may_edit(world, login):
    responsibility = GridResponsibility.objects.create(grid=world.grid_a)
    edit_url = f"/reporting/grids/{responsibility.pk}/edit/"
    assert edit_url in login("community_admin").get("/reporting/grids/").content.decode()
    worker = login("grid_worker")
    assert edit_url not in worker.get("/reporting/grids/").content.decode()
    assert worker.get(edit_url).status_code == 404


def test_member_sees_where_they_live_without_a_link_to_the_tree(world, login):
    member = login("party_member")
    page = member.get(f"/people/{world.member_a.pk}/").content.decode()
    unit_url = world.member_a.home_unit.get_absolute_url()
    assert world.member_a.home_unit.name in page and unit_url not in page
    assert member.get(unit_url).status_code == 404
    staff = login("community_admin").get(f"/people/{world.member_a.pk}/").content.decode()
    assert unit_url in staff


def test_department_admin_sees_paired_communities_without_links(world, login):
    admin = login("dept_admin")
    page = admin.get(world.department_a.get_absolute_url()).content.decode()
    community_url = world.community_a.get_absolute_url()
    assert world.community_a.name in page and community_url not in page
    assert admin.get(community_url).status_code == 404
