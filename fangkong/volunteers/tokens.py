"""Signed tokens (django.core.signing, with a timestamp): a service point's check-in QR code and a
volunteer's personal link. Neither carries personal data — a point's id, a volunteer's id and the
link's random nonce — and neither can be made without the site's secret.

- The point's code is valid for POINT_CODE_AGE after it was drawn: the point's page shows a fresh
  one (and the printed sheet says until when), so a photo of an old code does not check anyone in.
- The personal link is how a volunteer is known on their phone (no account: see the user guide). It
  lasts LINK_AGE, and the coordinator revokes it by issuing a new one (a new nonce). Opening it puts
  the volunteer in the browser's session and redirects to a URL without it, so the token stays out
  of later URLs and logs.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core import signing
from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError

from .models import ServicePoint, Volunteer

POINT_SALT = "fangkong.volunteers.point-code"
LINK_SALT = "fangkong.volunteers.personal-link"
POINT_CODE_AGE = dt.timedelta(hours=24)
LINK_AGE = dt.timedelta(days=180)
CODE_RULE = "volunteers.point_code"


def point_code(point: ServicePoint) -> str:
    return signing.dumps(point.pk, salt=POINT_SALT)


def point_from_code(code: str) -> int:
    """The point's id, or a refusal naming the code as expired or not genuine."""
    try:
        return int(signing.loads(code, salt=POINT_SALT, max_age=POINT_CODE_AGE))
    except signing.SignatureExpired as exc:
        raise DomainError(_("二维码已过期，请扫描服务点当天的二维码"), field="code", rule=CODE_RULE) from exc
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise DomainError(_("二维码无效，请扫描服务点张贴的二维码"), field="code", rule=CODE_RULE) from exc


def new_nonce() -> str:
    return secrets.token_hex(8)


def personal_link_token(volunteer: Volunteer) -> str:
    return signing.dumps([volunteer.pk, volunteer.link_nonce], salt=LINK_SALT)


def link_holder(token: str) -> tuple[int, str] | None:
    """(volunteer id, nonce) of a genuine, unexpired link; None otherwise."""
    try:
        pk, nonce = signing.loads(token, salt=LINK_SALT, max_age=LINK_AGE)
        return int(pk), str(nonce)
    except (signing.BadSignature, TypeError, ValueError):
        return None
