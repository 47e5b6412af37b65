"""Long drop-downs get a filter box: a city's unit form offers thousands of people
as 书记, which nobody can scroll through on a phone."""

from playwright.sync_api import expect

from tests import factories as f
from tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def test_typing_part_of_a_name_narrows_a_long_drop_down(world, live_server, page):
    for number in range(70):
        f.person(f"居民{number:02d}", world.grid_a)
    f.person("特木尔巴根", world.grid_a)
    log_in(page, live_server.url, "street_admin")
    page.goto(f"{live_server.url}/orgs/units/{world.community_a.pk}/edit/")
    secretary = page.locator("#id_secretary")
    assert secretary.locator("option").count() > 70
    box = page.get_by_placeholder("输入名称或编码筛选选项").first
    box.fill("特木尔")
    expect(secretary.locator("option", has_text="特木尔巴根")).to_have_count(1)
    assert secretary.locator("option", has_text="居民").count() == 0
    secretary.select_option(label="特木尔巴根")
    box.fill("")  # clearing the box brings every choice back, the chosen one kept
    assert secretary.locator("option").count() > 70
    assert secretary.input_value() != ""
