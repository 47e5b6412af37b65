"""Rotating JICENG_FIELD_KEY: every ID number and phone re-sealed, all or nothing."""

import pytest
from cryptography.exceptions import InvalidTag
from django.core.management import CommandError, call_command

from jiceng.core import crypto
from jiceng.people.models import Person
from tests import factories as f

NEW = "new-field-key-" + "n" * 32


@pytest.fixture
def sealed_under_old(world, settings, monkeypatch):
    """The world's people (and one more) sealed under the key in use; the operator
    then sets JICENG_FIELD_KEY to a new key and gives the old one in the environment."""
    person = f.person("阿拉坦", world.grid_a)
    monkeypatch.setenv("JICENG_OLD_FIELD_KEY", settings.JICENG_FIELD_KEY)
    return person, person.id_number, person.phone


def stored(person):
    return Person.objects.values("id_number_cipher", "id_number_hash", "phone_cipher").get(
        pk=person.pk
    )


def test_rotation_reseals_every_value_and_keeps_people_findable(
    sealed_under_old, settings, monkeypatch
):
    person, number, phone = sealed_under_old
    old = settings.JICENG_FIELD_KEY
    settings.JICENG_FIELD_KEY = NEW
    with pytest.raises(InvalidTag):  # before: the new key cannot read the old ciphertext
        crypto.decrypt(Person.objects.get(pk=person.pk).id_number_cipher)
    call_command("rotate_field_key")
    rotated = Person.objects.get(pk=person.pk)
    assert rotated.id_number == number and rotated.phone == phone
    assert Person.objects.by_id_number(number).get() == rotated
    assert Person.objects.by_phone(phone).get() == rotated
    with pytest.raises(InvalidTag):  # the old key no longer opens anything
        crypto.decrypt(rotated.id_number_cipher, old)
    again = stored(person)
    call_command("rotate_field_key")  # a second run finds nothing to do
    assert stored(person) == again


def test_a_wrong_old_key_changes_nothing(sealed_under_old, settings, monkeypatch):
    person, _number, _phone = sealed_under_old
    people_before = {p.pk: stored(p) for p in Person.objects.all()}
    settings.JICENG_FIELD_KEY = NEW
    monkeypatch.setenv("JICENG_OLD_FIELD_KEY", "not-the-key-" + "x" * 32)
    with pytest.raises(CommandError, match="无法解密"):
        call_command("rotate_field_key")
    assert {p.pk: stored(p) for p in Person.objects.all()} == people_before


def test_dry_run_and_missing_keys_write_nothing(sealed_under_old, settings, monkeypatch):
    person, _number, _phone = sealed_under_old
    before = stored(person)
    old = settings.JICENG_FIELD_KEY
    settings.JICENG_FIELD_KEY = NEW
    call_command("rotate_field_key", dry_run=True)
    assert stored(person) == before
    monkeypatch.delenv("JICENG_OLD_FIELD_KEY")
    with pytest.raises(CommandError, match="JICENG_OLD_FIELD_KEY"):
        call_command("rotate_field_key")
    monkeypatch.setenv("JICENG_OLD_FIELD_KEY", NEW)
    with pytest.raises(CommandError, match="相同"):
        call_command("rotate_field_key")
    assert old != NEW
    assert stored(person) == before
