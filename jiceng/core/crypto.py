"""Encryption at rest and keyed hashes for personal data (ID numbers, phones).

Two keys are derived from JICENG_FIELD_KEY: one for AES-GCM encryption, one
for an HMAC that lets us find a record by its exact value (unique, indexed)
without storing the value in clear.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


@cache
def _keys(master: str) -> tuple[bytes, bytes]:
    encrypt = hashlib.sha256(b"jiceng-encrypt\0" + master.encode()).digest()
    lookup = hashlib.sha256(b"jiceng-lookup\0" + master.encode()).digest()
    return encrypt, lookup


@cache
def _cipher(master: str) -> AESGCM:
    # Building the AESGCM object costs more than sealing an 18-character value.
    return AESGCM(_keys(master)[0])


# Each function takes the master key explicitly only for a key rotation
# (`jiceng rotate_field_key`); everything else uses JICENG_FIELD_KEY.


def encrypt(plain: str, master: str | None = None) -> str:
    if not plain:
        return ""
    nonce = os.urandom(12)
    sealed = _cipher(master or settings.JICENG_FIELD_KEY).encrypt(nonce, plain.encode(), None)
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str, master: str | None = None) -> str:
    """The plain value; cryptography's InvalidTag when the key is not the one it was sealed with."""
    if not token:
        return ""
    raw = base64.b64decode(token.removeprefix(_PREFIX))
    cipher = _cipher(master or settings.JICENG_FIELD_KEY)
    return cipher.decrypt(raw[:12], raw[12:], None).decode()


def lookup_hash(plain: str, master: str | None = None) -> str | None:
    """Stable keyed hash of a normalized value; None for an empty value."""
    if not plain:
        return None
    key = _keys(master or settings.JICENG_FIELD_KEY)[1]
    # hmac.digest is the one-shot C path: the same value as hmac.new(...).hexdigest().
    return hmac.digest(key, plain.encode(), "sha256").hex()


def mask_id_number(value: str) -> str:
    """152502199001011234 -> 152502**********34 (region kept, birth date hidden)."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 8) + value[-2:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
