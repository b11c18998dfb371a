"""Signed codes a checkpoint verifies offline: a vehicle pass and the revocation list, each a token
`FK1.<payload>.<signature>` — the payload compact JSON (base64url), the signature Ed25519 over the
payload's bytes (base64url). A checkpoint phone holds only the public key (published at
/movement/keys/pass-signing.json) and checks the signature in the browser (WebCrypto, Ed25519); the
server checks it again when the scan is recorded.

The payload names its kind (`typ`: "pass" or "revocations"), so one signed document cannot be shown
as the other, and the key it was signed with (`kid`, the first 16 hex digits of the SHA-256 of the
public key), so a key can be rotated. It carries what a checkpoint shows — plate, masked driver,
purpose, route, validity, the pass number — and no unmasked personal data.

The private key: FANGKONG_PASS_SIGNING_KEY (settings or environment; 32 random bytes, base64), or,
when none is set, a key generated once into var/pass-signing-key (0600) — for development and the
demo only: config.settings.prod refuses to start without the setting (config.keychecks), and this
module never falls back to var/ under production settings (docs/operator-guide.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "FK1"
MAX_TOKEN = 4000  # a QR code holds less; anything longer is not ours


class BadToken(ValueError):
    """A code that is not a whole, unaltered token signed by our key (forged, altered, truncated)."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise BadToken("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadToken("not base64url") from exc


def _configured_seed() -> str:
    return getattr(settings, "FANGKONG_PASS_SIGNING_KEY", "") or os.environ.get("FANGKONG_PASS_SIGNING_KEY", "")


def _dev_key_path() -> Path:
    return Path(settings.VAR_DIR) / "pass-signing-key"


def _dev_seed() -> str:
    path = _dev_key_path()
    if not path.exists():
        seed = base64.b64encode(os.urandom(32)).decode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(seed + "\n")
    return path.read_text().strip()


@lru_cache(maxsize=4)
def _private_key(seed_b64: str) -> Ed25519PrivateKey:
    try:
        seed = base64.b64decode(seed_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("FANGKONG_PASS_SIGNING_KEY must be base64") from exc
    if len(seed) != 32:
        raise ValueError("FANGKONG_PASS_SIGNING_KEY must decode to 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key() -> Ed25519PrivateKey:
    seed = _configured_seed()
    if not seed and getattr(settings, "FANGKONG_PRODUCTION", False):
        raise ImproperlyConfigured("FANGKONG_PASS_SIGNING_KEY is not set: production never signs passes with a key generated into var/.")
    return _private_key(seed or _dev_seed())


def public_key_raw(key: Ed25519PrivateKey | None = None) -> bytes:
    return (key or private_key()).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def public_key_document() -> dict[str, str]:
    """What /movement/keys/pass-signing.json publishes (and the checkpoint page embeds)."""
    raw = public_key_raw()
    return {"alg": "Ed25519", "kid": key_id(raw), "public_key": b64url(raw), "format": f"{PREFIX}.base64url(JSON).base64url(signature)"}


def sign(payload: dict[str, Any], *, key: Ed25519PrivateKey | None = None) -> str:
    key = key or private_key()
    body = json.dumps({**payload, "kid": key_id(public_key_raw(key))}, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return f"{PREFIX}.{b64url(body)}.{b64url(key.sign(body))}"


def verify(token: str, *, typ: str, public: Ed25519PublicKey | None = None) -> dict[str, Any]:
    """The payload of a token of kind `typ` signed by our key, or BadToken."""
    token = (token or "").strip()
    if len(token) > MAX_TOKEN:
        raise BadToken("too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise BadToken("not a token")
    body, signature = unb64url(parts[1]), unb64url(parts[2])
    if len(signature) != 64:
        raise BadToken("truncated signature")
    public = public or private_key().public_key()
    try:
        public.verify(signature, body)
    except InvalidSignature as exc:
        raise BadToken("signature") from exc
    try:
        payload = json.loads(body.decode())
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadToken("payload") from exc
    if not isinstance(payload, dict) or payload.get("typ") != typ:
        raise BadToken("kind")
    return payload
