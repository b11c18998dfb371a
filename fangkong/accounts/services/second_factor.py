"""The TOTP second factor: who must have one, checking a token, enrolling a device."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError

from ..models import User
from .revoking import api_tokens_revoke_for


def user_has_second_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user: Any) -> bool:
    roles = getattr(settings, "FANGKONG_SECOND_FACTOR_ROLES", ())
    return bool(roles) and (user.role in roles or user.is_superuser)


def totp_verify(*, user: Any, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts `token`, or None."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def totp_device_start(*, actor: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first call, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="fangkong", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm enrolment with the first token from the app; audited (auth.2fa_enrolled). A device
    it replaces is deleted, and the API tokens issued under it (after passing the second factor)
    are revoked: they were vouched for by a device the user no longer holds."""
    if device.user_id != actor.pk or device.confirmed:
        raise DomainError(_("该设备无需确认"), rule="accounts.second_factor")
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        raise DomainError(_("动态口令不正确，请核对手机时间后重试"), field="token", rule="accounts.second_factor")
    replaced = list(TOTPDevice.objects.filter(user=actor, confirmed=True).values_list("pk", flat=True))
    TOTPDevice.objects.filter(pk__in=replaced).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=actor, event_type=EventType.SECOND_FACTOR_ENROLLED, obj=actor, after={"device": device.pk, "replaced": replaced})
    if replaced:
        api_tokens_revoke_for(actor=actor, user=actor, second_factor_only=True, reason="更换动态口令设备")
    return device
