"""Security properties: audit coverage, lockout, passwords, sessions, CSRF,
masked personal data, and production settings that refuse to start unsafe."""

from __future__ import annotations

import csv
import io
import os
import secrets
import subprocess
import sys
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from jiceng.core.audit import AUDITED
from jiceng.people.models import Person
from tests.canaries import scoped_models
from tests.factories import PASSWORD, id_number
from tests.walker import release_file

LOGIN = "/accounts/login/"


# --- Audit coverage


def test_every_scoped_model_is_audited():
    missing = [m._meta.label for m in scoped_models() if not auditlog.contains(m)]
    assert not missing, f"register these in AppConfig.ready() with register_audited: {missing}"
    assert set(scoped_models()) <= set(AUDITED)


# --- Login lockout (django-axes)


def test_login_locks_out_after_failure_limit(world):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(LOGIN, {"username": "community_admin", "password": "wrong"})
        assert response.status_code == 200
        assert (
            "请输入一个正确的" in response.content.decode() or "正确" in response.content.decode()
        )
    response = client.post(LOGIN, {"username": "community_admin", "password": "wrong"})
    assert response.status_code == 429
    # Even the right password is refused while locked out, with the Chinese page.
    response = client.post(LOGIN, {"username": "community_admin", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 429
    assert "登录失败次数过多，账号已暂时锁定" in html
    assert "_auth_user_id" not in client.session


def test_successful_login_before_the_limit_works(world):
    client = Client()
    client.post(LOGIN, {"username": "grid_worker", "password": "wrong"})
    response = client.post(LOGIN, {"username": "grid_worker", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.personas["grid_worker"].pk)


# --- Password policy


@pytest.mark.parametrize(
    "weak",
    [
        "Ab1-short",  # under 10 characters
        "12345678901234",  # only digits
        "password123",  # common
        "abcdefghij12",  # no mixed case, no symbol
        "Community_admin1",  # too close to the username
    ],
)
def test_weak_passwords_are_refused_in_chinese(world, weak):
    with pytest.raises(ValidationError) as error:
        validate_password(weak, user=world.personas["community_admin"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(error.value.messages))


def test_a_short_password_is_refused(world):
    with pytest.raises(ValidationError, match="10"):
        validate_password("Ab1-short", user=world.personas["community_admin"])


def test_a_strong_password_passes(world):
    validate_password("Xilinhot-grid-2024", user=world.personas["community_admin"])


def test_password_change_form_is_styled_and_works(world, login):
    client = login("grid_worker")
    page = client.get("/accounts/password/").content.decode()
    assert page.count('class="form-control"') == 3
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xilinhot-grid-2024",
            "new_password2": "Xilinhot-grid-2024",
        },
    )
    assert response.status_code == 302
    world.personas["grid_worker"].refresh_from_db()
    assert world.personas["grid_worker"].check_password("Xilinhot-grid-2024")


# --- Sessions


def test_session_settings_expire_idle_sessions():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_REFRESH_SECONDS < settings.SESSION_COOKIE_AGE
    assert settings.SESSION_COOKIE_HTTPONLY


def test_an_active_session_is_renewed_at_most_once_per_interval(world, login):
    client = login("community_admin")
    client.get("/people/")
    soon = timezone.now() + timedelta(minutes=10)
    Session.objects.update(expire_date=soon)
    client.get("/people/")  # touched moments ago: no write
    assert Session.objects.get().expire_date == soon
    session = client.session
    session["_touched"] -= settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.update(expire_date=soon)
    client.get("/people/")  # touched an interval ago: renewed for the full age
    renewed = Session.objects.get().expire_date
    assert renewed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_an_expired_session_is_sent_to_login(world, login):
    client = login("community_admin")
    assert client.get("/people/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- CSRF on session-authenticated writes


def _person_form(world) -> dict:
    return {
        "name": "张三",
        "id_number": id_number(),
        "ethnicity": "汉族",
        "political_status": "masses",
        "home_unit": world.grid_a.pk,
    }


def test_post_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas["community_admin"])
    before = Person.objects.count()
    response = client.post("/people/new/", _person_form(world))
    assert response.status_code == 403
    assert Person.objects.count() == before


def test_post_with_csrf_token_is_accepted(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas["community_admin"])
    client.get("/people/new/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post("/people/new/", {**_person_form(world), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_login_form_requires_csrf(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "community_admin", "password": PASSWORD})
    assert response.status_code == 403


# --- Personal data masked everywhere


def _clear_values(world) -> list[str]:
    people = [world.resident_a, world.member_a, world.canary_person]
    return [value for p in people for value in (p.id_number, p.phone)]


def test_pages_show_only_masked_pii(world, login):
    client = login("city_admin")  # the widest scope: sees every person
    for url in ["/people/", f"/people/{world.member_a.pk}/", f"/people/{world.member_a.pk}/edit/"]:
        html = client.get(url).content.decode()
        assert world.member_a.id_number_masked in html
        for clear in _clear_values(world):
            assert clear not in html, url


def test_exports_show_only_masked_pii(world, login):
    client = login("city_admin")
    xlsx = client.get("/people/?export=xlsx")
    raw = b"".join(xlsx.streaming_content)
    release_file(xlsx)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(raw)).get_sheet_by_index(0).to_python()
    csv_response = client.get("/people/?export=csv")
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    for rows in (sheet, table):
        header, *body = rows
        assert len(body) == Person.objects.count()
        id_col, phone_col = header.index("公民身份号码"), header.index("手机号码")
        assert all("*" in row[id_col] and "*" in row[phone_col] for row in body)
        cells = " ".join(str(cell) for row in body for cell in row)
        for clear in _clear_values(world):
            assert clear not in cells


def test_audit_log_never_holds_clear_pii(world, login):
    client = login("community_admin")
    new_number, new_phone = id_number(male=False), "13687654321"
    response = client.post(
        f"/people/{world.resident_a.pk}/edit/",
        {
            "name": "王居民",
            "id_number": new_number,
            "phone": new_phone,
            "ethnicity": "汉族",
            "political_status": "masses",
            "home_unit": world.grid_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    world.resident_a.refresh_from_db()
    assert world.resident_a.id_number == new_number  # the change did happen
    logged = " ".join(str(entry.changes) for entry in LogEntry.objects.all())
    assert "*" in logged  # masked copies are logged
    for clear in [new_number, new_phone, *_clear_values(world)]:
        assert clear not in logged
    assert world.resident_a.id_number_cipher not in logged


# --- Production settings


def _production_env(tmp_path, **overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JICENG_"))}
    env.pop("DATABASE_URL", None)
    env.pop("DEBUG", None)
    env.update(
        JICENG_ENV="production",
        JICENG_VAR_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        JICENG_FIELD_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="jiceng.example.gov.cn",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _jiceng(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jiceng", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _jiceng(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "JICENG_FIELD_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(tmp_path, missing):
    result = _jiceng(_production_env(tmp_path, **{missing: None}), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr
