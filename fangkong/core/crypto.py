"""Personal data at rest: AES-GCM encryption, a keyed hash for exact look-up, and masking.

One 32-byte secret (FANGKONG_DATA_KEY, base64) is stretched with HKDF into an encryption key, a
hashing key and a file key (each stored file then gets its own key from it and a random salt:
fangkong.core.filestore), so the look-up hash cannot be recomputed without the secret. Ciphertexts carry a
key-version prefix ("1$") so a later key rotation can read old rows.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_VERSION = "1"


class DataKeyError(ValueError):
    pass


def _secret(secret_b64: str) -> bytes:
    try:
        secret = base64.b64decode(secret_b64, validate=True)
    except ValueError as exc:
        raise DataKeyError("FANGKONG_DATA_KEY must be base64") from exc
    if len(secret) != 32:
        raise DataKeyError("FANGKONG_DATA_KEY must decode to 32 bytes")
    return secret


def _derive(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


@lru_cache(maxsize=4)
def _keys(secret_b64: str) -> tuple[AESGCM, bytes]:
    secret = _secret(secret_b64)
    return AESGCM(_derive(secret, b"fangkong/encrypt/v1")), _derive(secret, b"fangkong/lookup-hash/v1")


@lru_cache(maxsize=4)
def _file_master(secret_b64: str) -> bytes:
    return _derive(_secret(secret_b64), b"fangkong/files/v1")


def file_cipher(salt: bytes) -> AESGCM:
    """The AES-GCM key of one stored file: HKDF of the data key's file key with the file's random salt."""
    return AESGCM(_derive(_file_master(settings.FANGKONG_DATA_KEY), b"fangkong/file/v1", salt=salt))


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.FANGKONG_DATA_KEY)


def encrypt(plaintext: str) -> str:
    aead, _ = _current()
    nonce = os.urandom(12)
    return KEY_VERSION + "$" + base64.b64encode(nonce + aead.encrypt(nonce, plaintext.encode(), None)).decode()


def decrypt(token: str) -> str:
    aead, _ = _current()
    version, _, body = token.partition("$")
    if version != KEY_VERSION:
        raise DataKeyError(f"unknown key version {version!r}")
    raw = base64.b64decode(body)
    return aead.decrypt(raw[:12], raw[12:], None).decode()


def lookup_hash(kind: str, value: str) -> str:
    """A keyed hash (BLAKE2b, 128 bits) of a normalised value, for exact look-up without decrypting."""
    _, key = _current()
    return hashlib.blake2b(f"{kind}:{value}".encode(), key=key, digest_size=16).hexdigest()


class Sealer:
    """The same operations bound once, for bulk paths that seal millions of values."""

    def __init__(self) -> None:
        self._aead, self._hash_key = _current()

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        return KEY_VERSION + "$" + base64.b64encode(nonce + self._aead.encrypt(nonce, plaintext.encode(), None)).decode()

    def lookup_hash(self, kind: str, value: str) -> str:
        return hashlib.blake2b(f"{kind}:{value}".encode(), key=self._hash_key, digest_size=16).hexdigest()


def mask_id_number(value: str) -> str:
    """150102199003071234 → 150102********1234; short documents keep their first and last two."""
    if len(value) >= 15:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    if len(value) > 4:
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    return "*" * len(value)


def mask_phone(value: str) -> str:
    """13812345678 → 138******78: the carrier prefix and the last two digits (docs/security.md, item 10).

    The common 138****5678 hides four digits: 10,000 guesses with a yes/no full-number search, and
    the middle four are the subscriber's home-region block, so far fewer. Six hidden digits are
    10⁶ guesses, against a limit of 30 full-number searches per 10 minutes and 200 a day."""
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 5) + value[-2:]
    return "*" * len(value)
