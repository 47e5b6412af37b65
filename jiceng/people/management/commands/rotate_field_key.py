"""Re-encrypt personal data under a new JICENG_FIELD_KEY.

    JICENG_OLD_FIELD_KEY=<the key in use until now> JICENG_FIELD_KEY=<the new key> \\
        jiceng rotate_field_key [--dry-run]

Every ID number and phone is decrypted with the old key, sealed with the new one,
and its lookup hash recomputed, in one transaction: either every person is
rotated or nothing changes. Keys come from the environment, never the command
line (which other users of the machine can read). A second run finds everything
already under the new key and changes nothing.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiceng.core import crypto
from jiceng.people.models import Person

BATCH = 2000
SEALED = (("id_number_cipher", "id_number_hash"), ("phone_cipher", "phone_hash"))


class Unreadable(Exception):
    """A value that neither key opens."""


class Command(BaseCommand):
    help = (
        "用新的 JICENG_FIELD_KEY 重新加密身份证号和手机号"
        "（原密钥由环境变量 JICENG_OLD_FIELD_KEY 提供）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入。")

    def handle(self, *args, dry_run: bool = False, **options):
        old, new = os.environ.get("JICENG_OLD_FIELD_KEY", ""), settings.JICENG_FIELD_KEY
        if not old:
            raise CommandError("请在环境变量 JICENG_OLD_FIELD_KEY 中提供原密钥。")
        if old == new:
            raise CommandError("新旧密钥相同：请先把 JICENG_FIELD_KEY 设为新密钥。")
        rotated = already = 0
        try:
            with transaction.atomic():
                for people in _batches():
                    changed = [p for p in people if _reseal(p, old, new)]
                    rotated += len(changed)
                    already += len(people) - len(changed)
                    if not dry_run:
                        fields = [name for pair in SEALED for name in pair]
                        Person.objects.bulk_update(changed, fields, batch_size=500)
        except Unreadable as error:
            raise CommandError(
                f"人员 {error} 的个人信息用新旧密钥都无法解密：没有做任何修改。"
                "请确认 JICENG_OLD_FIELD_KEY 是此前使用的密钥。"
            ) from error
        verb = "可重新加密" if dry_run else "已重新加密"
        self.stdout.write(f"{verb} {rotated} 人；已是新密钥 {already} 人。")


def _batches():
    people = Person.objects.only(*(name for pair in SEALED for name in pair)).order_by("pk")
    last = 0
    while batch := list(people.filter(pk__gt=last)[:BATCH]):
        yield batch
        last = batch[-1].pk


def _reseal(person: Person, old: str, new: str) -> bool:
    """Seal the person's values under `new`; False when they already were."""
    plain = {}
    for cipher_field, _hash_field in SEALED:
        token = getattr(person, cipher_field)
        if not token:
            continue
        try:
            plain[cipher_field] = crypto.decrypt(token, old)
        except InvalidTag:
            try:
                crypto.decrypt(token, new)
            except InvalidTag as error:
                raise Unreadable(person.pk) from error
    for cipher_field, hash_field in SEALED:
        if cipher_field in plain:
            setattr(person, cipher_field, crypto.encrypt(plain[cipher_field], new))
            setattr(person, hash_field, crypto.lookup_hash(plain[cipher_field], new))
    return bool(plain)
