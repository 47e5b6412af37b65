"""End to end on a phone: log in, walk the tree to a grid, open a person, export.

Drives Debian's Chromium through Playwright against pytest-django's live
server (fixtures in tests/browser.py). A screenshot of each step goes to
pytest's tmp dir for inspection.
"""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


def test_community_admin_on_a_phone(page, live_server, world, tmp_path):
    from playwright.sync_api import expect

    base = live_server.url
    shot = iter(range(1, 100))

    def screenshot(step: str) -> None:
        page.screenshot(path=str(tmp_path / f"{next(shot):02d}-{step}.png"), full_page=True)

    # Log in through the form.
    log_in(page, base, "community_admin")
    screenshot("home")

    # CSS and JS loaded from the live server: Bootstrap styles the navbar.
    assert not page.static_failures, page.static_failures
    navbar_position = page.locator("nav.navbar").evaluate("e => getComputedStyle(e).position")
    assert navbar_position == "sticky"
    assert page.evaluate("typeof htmx") == "object"

    # Walk the tree down to a grid by the links on unit pages.
    # The community admin's scope starts at its community; the street above is out of it.
    page.goto(f"{base}/orgs/units/{world.community_a.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("团结社区")
    page.get_by_role("link", name="团结社区第1网格").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("团结社区第1网格")
    assert page.get_by_text("CANARY").count() == 0
    screenshot("grid")

    # Open a person: the ID number is masked.
    page.goto(f"{base}/people/")
    page.get_by_role("link", name="巴特尔").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("巴特尔")
    shown = page.locator("#pii-id").inner_text()
    assert shown == world.member_a.id_number_masked and "*" in shown
    assert world.member_a.id_number not in page.content()
    screenshot("person")

    # Export the people list through the page's link and read the file.
    page.goto(f"{base}/people/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(target.read_bytes()))
    header, *rows = sheet.get_sheet_by_index(0).to_python()
    id_col = header.index("公民身份号码")
    assert sorted(row[0] for row in rows) == sorted(["王居民", "巴特尔"])
    assert all("*" in row[id_col] for row in rows)
    assert world.member_a.id_number not in str(rows)
    screenshot("export")
