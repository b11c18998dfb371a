"""Personal data at rest: AES-GCM encryption, a keyed hash for exact look-up, and masking.

One 32-byte secret (FANGKONG_DATA_KEY, base64) is stretched with HKDF into an encryption key, a
hashing key and a file key (each stored file then gets its own key from it and a random salt:
fangkong.core.filestore), so the look-up hash cannot be recomputed without the secret.

Rotation without downtime (docs/operator-guide.md §5b): the key ring is FANGKONG_DATA_KEY (the current
key: it encrypts and hashes everything new) followed by FANGKONG_DATA_KEYS_RETIRED (older keys, still
read). A ciphertext names its key: "k<key id>$…", the key id being 8 hex characters derived from the
key (ciphertexts written before key ids, "1$…", are tried with each key in turn; AES-GCM tells a wrong
key). Look-ups by number match the hash under every key of the ring (`lookup_hashes`) until
`manage.py rotate_data_key` has re-encrypted and re-hashed every row; then the retired key is removed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_VERSION = "1"  # the prefix of ciphertexts written before key ids: "1$…", under some key of the ring


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


def file_ciphers(salt: bytes) -> list[AESGCM]:
    """The file's key under each key of the ring, the current first: a file written before a rotation
    stays readable while its key is retired, not removed (files carry no key id; they expire, §8)."""
    secrets = dict.fromkeys([settings.FANGKONG_DATA_KEY, *getattr(settings, "FANGKONG_DATA_KEYS_RETIRED", ())])
    return [AESGCM(_derive(_file_master(s), b"fangkong/file/v1", salt=salt)) for s in secrets]


@lru_cache(maxsize=8)
def key_id(secret_b64: str) -> str:
    """8 hex characters naming a key in its ciphertexts (a one-way derivation: it reveals nothing of it)."""
    return _derive(_secret(secret_b64), b"fangkong/key-id/v1")[:4].hex()


class RingKey(NamedTuple):
    id: str
    aead: AESGCM
    hash_key: bytes


def key_ring() -> list[RingKey]:
    """The current key, then the retired ones still read (settings.FANGKONG_DATA_KEYS_RETIRED)."""
    secrets = [settings.FANGKONG_DATA_KEY, *getattr(settings, "FANGKONG_DATA_KEYS_RETIRED", ())]
    return [RingKey(key_id(s), *_keys(s)) for s in dict.fromkeys(secrets)]


def _current() -> RingKey:
    return key_ring()[0]


def _seal(key: RingKey, plaintext: str) -> str:
    nonce = os.urandom(12)
    return f"k{key.id}$" + base64.b64encode(nonce + key.aead.encrypt(nonce, plaintext.encode(), None)).decode()


def _hash(hash_key: bytes, kind: str, value: str) -> str:
    return hashlib.blake2b(f"{kind}:{value}".encode(), key=hash_key, digest_size=16).hexdigest()


def encrypt(plaintext: str) -> str:
    return _seal(_current(), plaintext)


def current_prefix() -> str:
    """What every ciphertext under the current key starts with (the rotation's SQL filter)."""
    return f"k{_current().id}$"


def decrypt(token: str) -> str:
    ring = key_ring()
    version, _, body = token.partition("$")
    raw = base64.b64decode(body)
    if version.startswith("k"):
        for key in ring:
            if key.id == version[1:]:
                return key.aead.decrypt(raw[:12], raw[12:], None).decode()
        raise DataKeyError(f"no key of the ring has id {version[1:]!r} (a retired key removed before rotate_data_key finished?)")
    if version != KEY_VERSION:
        raise DataKeyError(f"unknown key version {version!r}")
    failure: InvalidTag | None = None
    for key in ring:
        try:
            return key.aead.decrypt(raw[:12], raw[12:], None).decode()
        except InvalidTag as exc:
            failure = exc
    assert failure is not None
    raise failure


def lookup_hash(kind: str, value: str) -> str:
    """A keyed hash (BLAKE2b, 128 bits) of a normalised value, for exact look-up without decrypting:
    under the current key, as every new row stores it."""
    return _hash(_current().hash_key, kind, value)


def lookup_hashes(kind: str, value: str) -> list[str]:
    """The value's hash under each key of the ring, the current first: what a look-up must match while
    rows hashed under a retired key remain (one element when no key is retired)."""
    return [_hash(key.hash_key, kind, value) for key in key_ring()]


class Sealer:
    """The same operations bound once, for bulk paths that seal millions of values."""

    def __init__(self) -> None:
        self._ring = key_ring()
        self._key = self._ring[0]
        self._hash_key = self._key.hash_key

    def encrypt(self, plaintext: str) -> str:
        return _seal(self._key, plaintext)

    def lookup_hash(self, kind: str, value: str) -> str:
        return _hash(self._hash_key, kind, value)

    def lookup_hashes(self, kind: str, value: str) -> list[str]:
        return [_hash(key.hash_key, kind, value) for key in self._ring]


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
