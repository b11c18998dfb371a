"""What config.settings.prod refuses to start with: a SECRET_KEY that is short, of low entropy or a
demo key, and a FANGKONG_DATA_KEY that is not 32 random bytes in base64 — or either demo key in any
encoding (plain, base64, URL-safe base64, hex, upper/lower case, inside a longer value).

Plain functions returning the reasons (empty = fine), so the settings and the tests share them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import math
import zlib
from collections import Counter

MIN_SECRET_LENGTH = 50
MIN_SECRET_DISTINCT = 12
MIN_SECRET_BITS_PER_CHAR = 3.0  # random hex ≈ 3.8, Django's get_random_secret_key() ≈ 5.2
MIN_SECRET_COMPRESSION = 0.6  # compressed / plain length: repetition compresses, randomness does not
DATA_KEY_BYTES = 32
MIN_DATA_KEY_DISTINCT_BYTES = 16  # 32 random bytes have ~30 distinct values
WEAK_MARKERS = ("insecure", "changeme", "change-me", "change_me", "example", "fangkong", "secret-key", "secretkey", "password")


def _decodings(value: str) -> list[bytes]:
    """The value's bytes under every encoding someone might have put a key in."""
    text = value.strip()
    found = [text.encode(), text.lower().encode()]
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        for padded in (text, text + "=" * (-len(text) % 4)):
            with contextlib.suppress(binascii.Error, ValueError):
                found.append(decode(padded))
    with contextlib.suppress(ValueError):
        found.append(bytes.fromhex(text))
    return found


def _demo_forms(demo_values: tuple[str, ...]) -> list[bytes]:
    forms: list[bytes] = []
    for demo in demo_values:
        forms.append(demo.encode())
        forms.append(demo.lower().encode())
        with contextlib.suppress(binascii.Error, ValueError):
            forms.append(base64.b64decode(demo, validate=True))
    return [f for f in forms if len(f) >= 16]


def is_demo_key(value: str, demo_values: tuple[str, ...]) -> bool:
    forms = _demo_forms(demo_values)
    return any(form in decoded or form.lower() in decoded.lower() for decoded in _decodings(value) for form in forms)


def _bits_per_char(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def secret_key_problems(value: str, *, demo_values: tuple[str, ...]) -> list[str]:
    if not value:
        return ["SECRET_KEY is empty: set a long random SECRET_KEY in the environment."]
    if is_demo_key(value, demo_values):
        return ["SECRET_KEY is the demo key (or contains it in some encoding): set a secret SECRET_KEY in the environment."]
    problems = []
    if len(value) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is too short ({len(value)} characters, at least {MIN_SECRET_LENGTH}).")
    lowered = value.lower()
    if value.startswith("django-insecure") or any(marker in lowered for marker in WEAK_MARKERS):
        problems.append("SECRET_KEY is a placeholder or contains a word (insecure, change-me, example …): generate a random one.")
    if len(set(value)) < MIN_SECRET_DISTINCT or _bits_per_char(value) < MIN_SECRET_BITS_PER_CHAR:
        problems.append("SECRET_KEY has low entropy (too few different characters).")
    elif len(zlib.compress(value.encode(), 9)) < MIN_SECRET_COMPRESSION * len(value.encode()):
        problems.append("SECRET_KEY has low entropy (it repeats itself).")
    if problems:
        problems.append('Generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(64))"')
    return problems


def data_key_problems(value: str, *, demo_values: tuple[str, ...], name: str = "FANGKONG_DATA_KEY") -> list[str]:
    if is_demo_key(value, demo_values):
        return [f"{name} is the demo key (or contains it in some encoding): set a secret 32-byte base64 key (operator guide)."]
    how = 'Generate one with: python3 -c "import os,base64; print(base64.b64encode(os.urandom(32)).decode())"'
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return [f"{name} is not standard base64.", how]
    if len(raw) != DATA_KEY_BYTES:
        return [f"{name} decodes to {len(raw)} bytes, not {DATA_KEY_BYTES}.", how]
    if len(set(raw)) < MIN_DATA_KEY_DISTINCT_BYTES:
        return [f"{name} has low entropy (too few different bytes): it is not random.", how]
    if all(32 <= b < 127 for b in raw):
        return [f"{name} decodes to readable text, not random bytes.", how]
    return []


def pass_signing_key_problems(value: str, *, demo_values: tuple[str, ...], data_key: str = "") -> list[str]:
    """FANGKONG_PASS_SIGNING_KEY, the Ed25519 seed of the vehicle passes: production never falls back to
    a key generated into var/ (one per machine: passes signed on one server would fail on another)."""
    name = "FANGKONG_PASS_SIGNING_KEY"
    if not (value or "").strip():
        return [
            f"{name} is not set: production signs vehicle passes with a key you keep and back up (operator guide).",
            'Generate one with: python3 -c "import os,base64; print(base64.b64encode(os.urandom(32)).decode())"',
        ]
    if data_key and value.strip() == data_key.strip():
        return [f"{name} and FANGKONG_DATA_KEY are the same value: use two different random keys."]
    return data_key_problems(value.strip(), demo_values=demo_values, name=name)
