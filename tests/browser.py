"""Browser fixtures: Debian's Chromium through Playwright, phone-sized, against
pytest-django's live server (which serves static files, so CSS and JS load as in
production). Loaded for every test module by tests/conftest.py.

`page` is one phone; `phone()` opens another (its own cookies, so its own user)
for flows where two people act in turn. Each phone's last screen goes to
pytest's tmp dir for inspection.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}

# For a browser test module: `pytestmark = BROWSER_MARKS`.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


@pytest.fixture
def browser(transactional_db, live_server, monkeypatch):
    from django.db import connection

    if connection.vendor == "postgresql":
        # Known gap: after this test a PostgreSQL session stays attached to the
        # test database and its drop at the end of the run fails (cause not yet
        # found: no server thread or open session is left when the test ends).
        # The browser path is database-independent; it runs on SQLite.
        pytest.skip("browser test runs on SQLite only (PostgreSQL teardown leak, see comment)")
    # Playwright's sync API runs an event loop; Django's ORM refuses to run
    # inside one unless told that this single-threaded use is safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def phone(browser, tmp_path):
    """phone() -> a new page in its own browser context, on a phone viewport."""
    contexts = []

    def open_phone():
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True, locale="zh-CN"
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.static_failures = []

        def record_static_failure(response) -> None:
            # 304 is the browser revalidating its cache: a success.
            if "/static/" in response.url and response.status >= 400:
                page.static_failures.append(f"{response.status} {response.url}")

        page.on("response", record_static_failure)
        return page

    yield open_phone
    for number, context in enumerate(contexts, 1):
        name = "last.png" if len(contexts) == 1 else f"last-{number}.png"
        for page in context.pages:
            page.screenshot(path=str(tmp_path / name), full_page=True)
        context.close()


@pytest.fixture
def page(phone):
    return phone()


def log_in(page, base: str, username: str) -> None:
    """Log in through the login form (the page is left wherever it redirects)."""
    page.goto(f"{base}/accounts/login/")
    fill_login_form(page, username)


def fill_login_form(page, username: str) -> None:
    from playwright.sync_api import expect

    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
