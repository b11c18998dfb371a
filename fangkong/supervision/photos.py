"""Photos of findings and fixes: a JPEG, PNG or WebP of at most PHOTO_MAX_BYTES, told by its first
bytes (not by its name or the browser's word), stored encrypted in the private store
(fangkong.core.filestore) and served only through the scoped pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_RULE = "supervision.photo"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def photo_type(head: bytes) -> str:
    """The image type its first bytes say, or ""."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return ""


def photo_checked(upload: Any, *, field: str, label: str) -> str:
    """The photo's type; refuses (naming `field`) a file that is not a JPEG/PNG/WebP or is too large."""
    size = getattr(upload, "size", 0) or 0
    if size > PHOTO_MAX_BYTES:
        raise DomainError(
            _("%(label)s过大（%(mb).1f MB），不能超过 %(max)s MB")
            % {"label": label, "mb": size / 1048576, "max": PHOTO_MAX_BYTES // 1048576},
            rule=PHOTO_RULE,
            field=field,
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = photo_type(head)
    if not kind or size == 0:
        raise DomainError(_("%(label)s须为 JPEG、PNG 或 WebP 图片") % {"label": label}, rule=PHOTO_RULE, field=field)
    return kind


def photo_name(kind: str) -> str:
    """A stored name that says nothing of the uploader's file name."""
    return f"photo.{EXTENSIONS[kind]}"
